"""Packing changed (app, date, media source) groups into as few InCost requests as the size limit allows.

A request holds one app, one currency and one granularity (set of fields); a group is never split
across requests, because a later upload of the same app, date and media source replaces the
earlier one at AppsFlyer. A group over the limit on its own cannot be sent (ic311).
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Group:
    """One (app, date, media source) group as it would be sent: its rows as InCost JSON objects."""

    app_id: str
    date: date
    media_source: str
    currency: str
    granularity: str
    rows: tuple[bytes, ...]
    spend: Decimal

    @property
    def key(self) -> tuple[str, date, str]:
        return (self.app_id, self.date, self.media_source)

    @property
    def weight(self) -> int:
        """Bytes the group adds to a request: its rows and one separator each."""
        return sum(len(row) for row in self.rows) + len(self.rows)

    @property
    def content_hash(self) -> str:
        """Stable whatever the rows' order: it decides whether a group changed since it was Applied."""
        digest = hashlib.sha256()
        for row in sorted(self.rows):
            digest.update(row)
            digest.update(b"\n")
        return digest.hexdigest()


@dataclass
class Request:
    app_id: str
    currency: str
    granularity: str
    groups: list[Group] = field(default_factory=list)

    @property
    def size(self) -> int:
        return request_size(group.weight for group in self.groups)

    @property
    def row_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)

    def body(self) -> bytes:
        return b"[" + b",".join(row for group in self.groups for row in group.rows) + b"]"


def request_size(weights: Iterable[int]) -> int:
    """The body's size: '[' + rows joined by ',' + ']' = 1 + the groups' weights."""
    return 1 + sum(weights)


def _next_fit(groups: Sequence[Group], capacity: int) -> list[list[Group]]:
    bins: list[list[Group]] = []
    room = 0
    for group in groups:
        if not bins or group.weight > room:
            bins.append([])
            room = capacity
        bins[-1].append(group)
        room -= group.weight
    return bins


def _first_fit_decreasing(groups: Sequence[Group], capacity: int) -> list[list[Group]]:
    bins: list[list[Group]] = []
    rooms: list[int] = []
    for group in sorted(groups, key=lambda g: g.weight, reverse=True):
        for index, room in enumerate(rooms):
            if group.weight <= room:
                bins[index].append(group)
                rooms[index] -= group.weight
                break
        else:
            bins.append([group])
            rooms.append(capacity - group.weight)
    return bins


def pack_requests(groups: Iterable[Group], *, max_bytes: int) -> tuple[list[Request], list[Group]]:
    """Pack groups into requests of at most `max_bytes`; returns (requests, groups too large alone).

    Per app, currency and granularity, groups in date order fill requests one after another; when
    first-fit-decreasing needs fewer requests, its packing is used instead (calls are the scarce
    resource: 1,000 a day). Groups inside a request stay in date order.
    """
    capacity = max_bytes - 1
    buckets: dict[tuple[str, str, str], list[Group]] = defaultdict(list)
    oversized: list[Group] = []
    for group in groups:
        if request_size([group.weight]) > max_bytes:
            oversized.append(group)
        else:
            buckets[(group.app_id, group.currency, group.granularity)].append(group)

    requests: list[Request] = []
    for (app_id, currency, granularity), members in sorted(buckets.items()):
        members.sort(key=lambda g: (g.date, g.media_source))
        bins = _next_fit(members, capacity)
        fewer = _first_fit_decreasing(members, capacity)
        if len(fewer) < len(bins):
            bins = fewer
        for contents in sorted(bins, key=lambda b: min((g.date, g.media_source) for g in b)):
            contents.sort(key=lambda g: (g.date, g.media_source))
            requests.append(
                Request(app_id=app_id, currency=currency, granularity=granularity, groups=contents)
            )
    return requests, oversized
