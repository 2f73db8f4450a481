"""Reads for sending: the network's current cost as groups ready to pack."""

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, Max, QuerySet

from incost_portal.costs.incost_rows import COST_ROW_FIELDS, incost_row_bytes
from incost_portal.costs.models import CostRow
from incost_portal.networks.models import App, Network
from incost_portal.submissions.models import Submission, SubmissionEvent, SubmissionGroup
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


# What the Jobs list shows of a request: its own fields, its app's id and its author's username.
LISTED_FIELDS = (
    "code", "created_at", "app_ident", "date_from", "date_to", "row_count", "spend_total", "currency",
    "trigger", "created_by_id", "author", "state", "error_code", "error_message",
    "matched_records_percentage", "job_id",
)  # fmt: skip


def submission_page(*, network: Network, number: object, size: int, **filters: Any) -> Page[Any]:
    """One page of `submission_list` as named tuples of LISTED_FIELDS (no three models a row, nor
    the fields the list never shows), newest first, without counting the network's jobs (a COUNT
    over 100,000 of them cost more than the rest of the page): the page's rows and one more tell
    whether an older page exists, and the paginator knows no more than that."""
    try:
        wanted = max(int(str(number or 1)), 1)
    except ValueError:
        wanted = 1
    jobs = (
        submission_list(network=network, **filters)
        .select_related(None)
        .annotate(app_ident=F("app__app_id"), author=F("created_by__username"))
        .values_list(*LISTED_FIELDS, named=True)
    )
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
