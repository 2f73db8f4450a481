"""Reads of the InCost-compatible endpoint: a job as its caller sees it, and the app list."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from incost_portal.api.models import IncostJob, IncostJobGroup
from incost_portal.costs.models import CostRow
from incost_portal.incost.codes import APPLIED, IN_PROGRESS, VALIDATION_ERROR
from incost_portal.networks.models import App, Network
from incost_portal.submissions.models import IN_FLIGHT, State, SubmissionGroup


def incost_job_find(*, network: Network, job_id: str) -> IncostJob | None:
    """The network's job by the id its caller was given; None for anything else (another
    network's job is as unknown as one that never was)."""
    try:
        code = uuid.UUID(job_id)
    except ValueError:
        return None
    return IncostJob.objects.select_related("app").filter(network=network, code=code).first()


def incost_app_list(*, network: Network) -> QuerySet[App]:
    """The apps AppsFlyer lists for the network (enabled at the last sync), by app id."""
    return App.objects.filter(network=network, enabled=True).order_by("app_id")


@dataclass(frozen=True)
class JobView:
    status: str
    matched_records_percentage: Decimal | None = None
    error_code: str = ""
    error_message: str = ""


@dataclass
class _GroupFate:
    in_flight: bool = False
    applied: tuple[str, Decimal | None] | None = None  # (hash, matched %) of the newest Applied
    last_failed: tuple[str, str, str] | None = None  # (hash, code, message) when the newest ended failed


def incost_job_status(job: IncostJob) -> JobView:
    """The job as AppsFlyer would report it: In progress until every group it carried is Applied
    at AppsFlyer with the content it gave (or replaced since by a later upload), then Applied with
    the matched records of the requests that carried them, or Validation error with AppsFlyer's
    code when a request carrying its content was refused."""
    if job.state == IncostJob.State.RECEIVED:
        return JobView(IN_PROGRESS)
    if job.state == IncostJob.State.REFUSED:
        return JobView(VALIDATION_ERROR, error_code=job.error_code, error_message=job.error_message)
    groups = list(job.groups.all())
    current = _groups_still_current(job, groups)
    fates = _fates(job, groups)
    weighted, weight, failure = Decimal(0), 0, None
    for group in groups:
        key = (group.date, group.media_source)
        if key not in current:
            continue  # replaced by a later upload: that upload's job follows it now
        fate = fates.get(key, _GroupFate())
        if fate.in_flight:
            return JobView(IN_PROGRESS)
        if fate.applied and fate.applied[0] == group.content_hash:
            weighted += (fate.applied[1] or Decimal(0)) * group.row_count
            weight += group.row_count
        elif fate.last_failed and fate.last_failed[0] == group.content_hash:
            failure = failure or fate.last_failed
        else:
            return JobView(IN_PROGRESS)  # not sent yet
    if failure:
        return JobView(VALIDATION_ERROR, error_code=failure[1], error_message=failure[2])
    matched = (weighted / weight).quantize(Decimal("0.01")) if weight else None
    return JobView(APPLIED, matched_records_percentage=matched)


def _groups_still_current(job: IncostJob, groups: list[IncostJobGroup]) -> set[tuple[object, str]]:
    """The job's groups whose rows are all still the ones its upload stored."""
    if not groups:
        return set()
    counts = (
        CostRow.objects.filter(
            network_id=job.network_id,
            app_id=job.app_id,
            date__in={group.date for group in groups},
            media_source__in={group.media_source for group in groups},
        )
        .values_list("date", "media_source")
        .annotate(total=Count("pk"), mine=Count("pk", filter=Q(upload_id=job.upload_id)))
    )
    return {(date, source) for date, source, total, mine in counts if mine and mine == total}


def _fates(job: IncostJob, groups: list[IncostJobGroup]) -> dict[tuple[object, str], _GroupFate]:
    """Per group: a request on its way, the newest Applied content, and the newest request's failure."""
    fates: dict[tuple[object, str], _GroupFate] = {}
    if not groups:
        return fates
    carried = (
        SubmissionGroup.objects.filter(
            network_id=job.network_id,
            app_id=job.app_id,
            date__in={group.date for group in groups},
            media_source__in={group.media_source for group in groups},
        )
        .order_by("submission__created_at", "submission_id")
        .values_list(
            "date",
            "media_source",
            "content_hash",
            "submission__state",
            "submission__matched_records_percentage",
            "submission__error_code",
            "submission__error_message",
        )
    )
    for date, source, content_hash, state, matched, code, message in carried:
        fate = fates.setdefault((date, source), _GroupFate())
        if state in IN_FLIGHT:
            fate.in_flight = True
        elif state == State.APPLIED:
            fate.applied, fate.last_failed = (content_hash, matched), None
        elif state == State.FAILED:
            fate.last_failed = (content_hash, code, message)
    return fates
