import json
import math
import random
from datetime import date, timedelta
from decimal import Decimal

from incost_portal.submissions.packing import Group, pack_requests

DAY = date(2026, 11, 1)


def group(day: int, *, source: str = "acme_int", rows: int = 3, row_bytes: int = 100, app: str = "id1",
          currency: str = "USD", granularity: str = "geo") -> Group:  # fmt: skip
    padding = "x" * max(row_bytes - 60, 1)
    made = tuple(
        json.dumps({"date": str(DAY + timedelta(days=day)), "campaign_id": f"c{i}", "n": padding}).encode()
        for i in range(rows)
    )
    return Group(app, DAY + timedelta(days=day), source, currency, granularity, made, Decimal(rows))


def test_small_groups_share_one_request_in_date_order() -> None:
    groups = [group(2), group(0), group(1, source="b_int"), group(1)]
    requests, oversized = pack_requests(groups, max_bytes=1_000_000)
    assert not oversized and len(requests) == 1
    assert [(g.date.day, g.media_source) for g in requests[0].groups] == [
        (1, "acme_int"), (2, "acme_int"), (2, "b_int"), (3, "acme_int"),
    ]  # fmt: skip
    body = json.loads(requests[0].body())
    assert len(body) == 12 and len(requests[0].body()) == requests[0].size


def test_requests_never_pass_the_limit_and_never_split_a_group() -> None:
    rng = random.Random(7)
    groups = [group(d, source=f"s{s}", rows=rng.randint(1, 40), row_bytes=rng.randint(80, 400))
              for d in range(60) for s in range(3)]  # fmt: skip
    requests, oversized = pack_requests(groups, max_bytes=20_000)
    assert not oversized
    seen = [g.key for r in requests for g in r.groups]
    assert sorted(seen) == sorted(g.key for g in groups) and len(seen) == len(set(seen))
    for request in requests:
        assert len(request.body()) <= 20_000
        assert len(json.loads(request.body())) == request.row_count


def test_apps_currencies_and_granularities_never_mix() -> None:
    groups = [
        group(0),
        group(1, app="id2"),
        group(2, currency="EUR", app="id3"),
        group(3, granularity="geo,ad_id"),
    ]
    requests, _ = pack_requests(groups, max_bytes=1_000_000)
    assert len(requests) == 4
    for request in requests:
        assert {(g.app_id, g.currency, g.granularity) for g in request.groups} == {
            (request.app_id, request.currency, request.granularity)
        }


def test_a_group_over_the_limit_alone_is_set_aside() -> None:
    big = group(0, rows=200, row_bytes=200)
    requests, oversized = pack_requests([big, group(1)], max_bytes=10_000)
    assert oversized == [big]
    assert [g.date.day for r in requests for g in r.groups] == [2]


def test_calls_stay_near_the_lower_bound_for_large_groups() -> None:
    # Groups of 60-40% of a request: next-fit in date order would need one request per group.
    rng = random.Random(1)
    groups = [group(d, rows=1, row_bytes=rng.choice([6_000, 4_000])) for d in range(80)]
    requests, _ = pack_requests(groups, max_bytes=10_001)
    total = sum(g.weight for g in groups) + 1
    assert len(requests) <= math.ceil(total / 10_000) * 1.05 + 1


def test_hash_ignores_row_order_but_not_content() -> None:
    a = group(0, rows=3)
    shuffled = Group(
        a.app_id, a.date, a.media_source, a.currency, a.granularity, tuple(reversed(a.rows)), a.spend
    )
    assert a.content_hash == shuffled.content_hash
    changed = Group(
        a.app_id, a.date, a.media_source, a.currency, a.granularity, (*a.rows[:2], b"{}"), a.spend
    )
    assert a.content_hash != changed.content_hash
