"""Reads for sending: the network's current cost as groups ready to pack."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from incost_portal.costs.incost_rows import COST_ROW_FIELDS, incost_row_bytes
from incost_portal.costs.models import CostGroupTotal, CostRow
from incost_portal.costs.selectors import group_filtered
from incost_portal.incost.limiter import limiter_default
from incost_portal.networks.models import ApiToken, App, Network
from incost_portal.networks.selectors import api_token_active
from incost_portal.submissions.models import IN_FLIGHT, State, Submission, SubmissionEvent, SubmissionGroup
from incost_portal.submissions.packing import Group


def current_groups(*, network: Network, app: App, date_from: date, date_to: date) -> Iterator[Group]:
    """The app's current cost rows in the window, one Group per (date, media source), streamed."""
    rows = (
        CostRow.objects.filter(network=network, app=app, date__gte=date_from, date__lte=date_to)
        .order_by("date", "media_source", "pk")
        .values_list("granularity", *COST_ROW_FIELDS)
    )
    key: tuple[date, str] | None = None
    bodies: list[bytes] = []
    spend = 0
    currency = granularity = ""
    for values in rows.iterator(chunk_size=5000):
        fields = dict(zip(COST_ROW_FIELDS, values[1:], strict=True))
        row_key = (fields["date"], fields["media_source"])
        if row_key != key:
            if key is not None:
                yield Group(app.app_id, key[0], key[1], currency, granularity, tuple(bodies), spend)
            key, bodies, spend = row_key, [], 0
            currency, granularity = fields["currency"], values[0]
        bodies.append(incost_row_bytes(fields, app_id=app.app_id))
        spend += fields["spend"]
    if key is not None:
        yield Group(app.app_id, key[0], key[1], currency, granularity, tuple(bodies), spend)


def submission_list(
    *,
    network: Network,
    app_code: str = "",
    state: str = "",
    trigger: str = "",
    created_by: int | None = None,
    date_on: date | None = None,
) -> QuerySet[Submission]:
    """A network's requests to AppsFlyer, newest first, filtered as the Jobs page asks.

    `date_on` keeps submissions whose cost dates include that day.
    """
    submissions = (
        Submission.objects.filter(network=network).select_related("app", "created_by").defer("payload")
    )
    if app_code:
        submissions = submissions.filter(app__code=app_code)
    if state:
        submissions = submissions.filter(state=state)
    if trigger:
        submissions = submissions.filter(trigger=trigger)
    if created_by:
        submissions = submissions.filter(created_by_id=created_by)
    if date_on:
        submissions = submissions.filter(date_from__lte=date_on, date_to__gte=date_on)
    return submissions.order_by("-created_at", "-id")


def submission_page(*, network: Network, number: object, size: int, **filters: Any) -> Page[Submission]:
    """One page of `submission_list`, newest first, without counting the network's jobs (a COUNT
    over 100,000 of them cost more than the rest of the page): the page's rows and one more tell
    whether an older page exists, and the paginator knows no more than that."""
    try:
        wanted = max(int(str(number or 1)), 1)
    except ValueError:
        wanted = 1
    jobs = submission_list(network=network, **filters)
    start = (wanted - 1) * size
    rows = list(jobs[start : start + size + 1])
    if not rows and wanted > 1:  # past the end (the list shrank, or a typed URL): the first page
        wanted, start, rows = 1, 0, list(jobs[: size + 1])
    paginator = Paginator(rows, size)
    paginator.count = start + len(rows)  # one past this page when an older page exists
    return Page(rows[:size], wanted, paginator)


def submission_payload_list(*, network: Network) -> QuerySet[Submission]:
    """The network's requests with the bytes they carry (a payload's download, a resend)."""
    return Submission.objects.filter(network=network).select_related("app")


def submission_event_list(*, network: Network, submission: Submission) -> QuerySet[SubmissionEvent]:
    """A request's timeline: every call to AppsFlyer and every move, oldest first."""
    return SubmissionEvent.objects.filter(submission__network=network, submission=submission)


def submission_group_list(*, network: Network, submission: Submission) -> QuerySet[SubmissionGroup]:
    """The (app, date, media source) groups a request carries, by date."""
    groups = SubmissionGroup.objects.filter(network=network, submission=submission)
    return groups.order_by("date", "media_source")


def submission_list_version(*, network: Network) -> str:
    """Changes whenever a request of the network is created or moves (two index probes): the
    version of the polled jobs list."""
    newest = Submission.objects.filter(network=network).aggregate(id=Max("id"), at=Max("updated_at"))
    return f"{newest['id']}:{newest['at']}"


def submission_list_probes(network_id: str) -> dict[str, str]:
    """`submission_list_version`'s two index probes as SQL over the network's id in the column
    `network_id`, for a poll that reads them with the viewer's membership (`polled(probes=)`)."""
    table = connection.ops.quote_name(Submission._meta.db_table)
    return {
        "jobs_newest": f"SELECT MAX(id) FROM {table} WHERE network_id = {network_id}",  # noqa: S608
        "jobs_moved": f"SELECT MAX(updated_at) FROM {table} WHERE network_id = {network_id}",  # noqa: S608
    }


def submission_version(*, network: Network, code: str) -> str:
    """Changes whenever one request moves or its timeline grows: the version of its polled page."""
    moved = Submission.objects.filter(network=network, code=code).values_list("pk", "updated_at").first()
    if moved is None:
        return "none"
    last_event = SubmissionEvent.objects.filter(submission_id=moved[0]).aggregate(id=Max("id"))["id"]
    return f"{moved[1]}:{last_event}"


# A group's state as the API and the dashboard word it.
TO_SEND, ON_ITS_WAY, APPLIED, FAILED = "to_send", "on_its_way", "applied", "failed"


@dataclass
class GroupState:
    """One (app, date, media source) group's current cost and where it stands at AppsFlyer."""

    total: CostGroupTotal
    state: str
    job: Submission | None = None  # the request on its way, or the last one that ended
    matched_records_percentage: Decimal | None = None
    error_code: str = ""


def group_total_list(*, network: Network, **filters: Any) -> QuerySet[CostGroupTotal]:
    """The network's groups (their totals per currency), with the Costs page's group filters."""
    return group_filtered(CostGroupTotal.objects.filter(network=network), **filters).select_related("app")


def group_states(*, network: Network, totals: list[CostGroupTotal]) -> list[GroupState]:
    """Each group's state: on its way (a request carries it now), Applied (its current content is
    what AppsFlyer last applied, with the matched records of that request), failed (its last
    request failed, with the code, and its rows have not changed since), else to send. A few
    queries for the whole list, whatever its length."""
    if not totals:
        return []
    keys = {(total.app_id, total.date, total.media_source) for total in totals}
    carried = (
        SubmissionGroup.objects.filter(
            network=network,
            app_id__in={key[0] for key in keys},
            date__in={key[1] for key in keys},
            media_source__in={key[2] for key in keys},
        )
        .select_related("submission")
        .order_by("submission__created_at", "submission_id")
    )
    on_its_way: dict[tuple[int, date, str], Submission] = {}
    last_ended: dict[tuple[int, date, str], Submission] = {}
    last_applied: dict[tuple[int, date, str], Submission] = {}
    for group in carried:
        key = (group.app_id, group.date, group.media_source)
        if key not in keys:
            continue
        submission = group.submission
        if submission.state in IN_FLIGHT:
            on_its_way[key] = submission
        else:
            last_ended[key] = submission
            if submission.state == State.APPLIED:
                last_applied[key] = submission
    failed = {key: job for key, job in last_ended.items() if job.state == State.FAILED}
    changed = _changed_since(network, failed)
    states = []
    for total in totals:
        key = (total.app_id, total.date, total.media_source)
        applied = last_applied.get(key)
        if key in on_its_way:
            states.append(GroupState(total, ON_ITS_WAY, job=on_its_way[key]))
        elif total.applied and applied is not None:
            states.append(
                GroupState(
                    total, APPLIED, job=applied, matched_records_percentage=applied.matched_records_percentage
                )
            )
        elif key in failed and key not in changed:
            job = failed[key]
            states.append(GroupState(total, FAILED, job=job, error_code=job.error_code))
        else:
            states.append(GroupState(total, TO_SEND, job=last_ended.get(key)))
    return states


def _changed_since(
    network: Network, jobs: dict[tuple[int, date, str], Submission]
) -> set[tuple[int, date, str]]:
    """The groups whose rows were replaced after the request that carried them was made."""
    if not jobs:
        return set()
    after = Q()
    for (app_id, day, source), job in jobs.items():
        after |= Q(app_id=app_id, date=day, media_source=source, updated_at__gt=job.created_at)
    rows = CostRow.objects.filter(after, network=network).order_by()
    return set(rows.values_list("app_id", "date", "media_source").distinct())


@dataclass
class NetworkStatus:
    token: ApiToken | None
    calls_used_today: int | None  # None: Redis does not answer
    calls_per_day: int
    jobs_by_state: dict[str, int]
    failed_last_7_days: int
    groups_not_applied: int

    @property
    def calls_left_today(self) -> int | None:
        return None if self.calls_used_today is None else max(0, self.calls_per_day - self.calls_used_today)


def network_status(*, network: Network, now: datetime | None = None) -> NetworkStatus:
    """What an automated caller asks before and after a push: is the token there, how much of
    today's call budget is left, and what waits (the next scheduled send: `next_slot`)."""
    now = now or timezone.now()
    token = api_token_active(network=network)
    used: int | None = 0
    if token is not None:
        try:
            used = limiter_default().calls_used_today(token.fingerprint)
        except redis.RedisError:
            used = None
    in_flight = (
        Submission.objects.filter(network=network, state__in=IN_FLIGHT)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    window_start = now.date() - timedelta(days=settings.INCOST_WINDOW_DAYS)
    return NetworkStatus(
        token=token,
        calls_used_today=used,
        calls_per_day=settings.INCOST_CALLS_PER_DAY,
        jobs_by_state={str(state): 0 for state in IN_FLIGHT} | dict(in_flight),
        failed_last_7_days=Submission.objects.filter(
            network=network, state=State.FAILED, finished_at__gte=now - timedelta(days=7)
        ).count(),
        groups_not_applied=CostGroupTotal.objects.filter(
            network=network, applied=False, date__gte=window_start
        ).count(),
    )
