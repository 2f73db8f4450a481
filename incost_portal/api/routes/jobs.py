"""GET /api/v1/jobs, /jobs/{id} (the timeline and AppsFlyer's answers) and POST /jobs/{id}/resend.

A job is one request to AppsFlyer (a Submission); its id is its public code, as on the Jobs page.
Nothing here holds the AppsFlyer token: answers are stored redacted (incost.redaction)."""

import datetime
import hashlib
import uuid
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from incost_portal.api.auth import key_of
from incost_portal.api.errors import ApiError, not_found
from incost_portal.api.idempotency import idempotent
from incost_portal.api.pagination import Page, PageParams, paginate
from incost_portal.api.routes.sends import PlanOut, plan_out
from incost_portal.api.schemas import IDEMPOTENCY_KEY_HEADER, WRITE_ERRORS, IsoDate, answers
from incost_portal.networks.models import Network
from incost_portal.networks.selectors import app_list
from incost_portal.submissions.models import State, Submission, Trigger
from incost_portal.submissions.selectors import (
    submission_event_list,
    submission_group_list,
    submission_list,
    submission_payload_list,
)
from incost_portal.submissions.services.planning import submission_resend

router = Router(tags=["jobs"])
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()  # a resend's body is not read

StateName = Literal[
    "planned", "queued", "sending", "submitted", "polling", "applied", "failed", "needs_retry"
]
TriggerName = Literal["manual", "schedule", "backfill", "resend", "follow_up"]


class JobOut(Schema):
    id: uuid.UUID
    app_id: str
    state: StateName
    trigger: TriggerName
    created_at: datetime.datetime
    date_from: datetime.date
    date_to: datetime.date
    rows: int
    currency: str
    spend: str
    payload_bytes: int
    appsflyer_job_id: str
    matched_records_percentage: str | None
    error_code: str
    error_message: str
    upload_attempts: int
    status_polls: int
    due_at: datetime.datetime
    submitted_at: datetime.datetime | None
    finished_at: datetime.datetime | None


class EventOut(Schema):
    kind: str
    at: datetime.datetime
    ok: bool
    http_status: int | None
    code: str
    message: str
    duration_ms: int | None


class JobGroupOut(Schema):
    date: datetime.date
    media_source: str
    rows: int
    spend: str


class JobDetailOut(JobOut):
    failure_advice: str
    events: list[EventOut]
    groups: list[JobGroupOut]


def _decimal(value: object) -> str:
    return format(value.normalize(), "f")  # type: ignore[attr-defined]


def job_out(job: Submission) -> dict:
    matched = job.matched_records_percentage
    return {
        "id": job.code,
        "app_id": job.app.app_id,
        "state": job.state,
        "trigger": job.trigger,
        "created_at": job.created_at,
        "date_from": job.date_from,
        "date_to": job.date_to,
        "rows": job.row_count,
        "currency": job.currency,
        "spend": _decimal(job.spend_total),
        "payload_bytes": job.payload_bytes,
        "appsflyer_job_id": job.job_id,
        "matched_records_percentage": None if matched is None else f"{matched:.2f}",
        "error_code": job.error_code,
        "error_message": job.error_message,
        "upload_attempts": job.upload_attempts,
        "status_polls": job.status_polls,
        "due_at": job.due_at,
        "submitted_at": job.submitted_at,
        "finished_at": job.finished_at,
    }


def job_of(network: Network, job_id: str, *, with_payload: bool = False) -> Submission:
    """The network's job with this id; 404 for a missing one, another network's, or a non-id."""
    try:
        code = uuid.UUID(job_id)
    except ValueError:
        raise not_found("job") from None
    jobs = submission_payload_list(network=network) if with_payload else submission_list(network=network)
    job = jobs.filter(code=code).first()
    if job is None:
        raise not_found("job")
    return job


class JobFilters(PageParams):
    app_id: str | None = None
    state: StateName | None = None
    trigger: TriggerName | None = None
    date_on: IsoDate | None = None


@router.get("", response=answers({200: Page[JobOut]}), summary="List jobs")
def jobs_list(request: HttpRequest, filters: Query[JobFilters]) -> dict:
    """Every request to AppsFlyer, newest first, filtered as the Jobs page filters (`date_on`: jobs
    carrying that cost date)."""
    network = key_of(request).network
    app_code = ""
    if filters.app_id:
        app = app_list(network=network).filter(app_id=filters.app_id).first()
        if app is None:
            raise ApiError(422, "invalid_request", f"app_id: no app {filters.app_id!r} in this network.")
        app_code = str(app.code)
    jobs = submission_list(
        network=network,
        app_code=app_code,
        state=filters.state or "",
        trigger=filters.trigger or "",
        date_on=filters.date_on,
    )
    return paginate(
        jobs,
        cursor=filters.cursor,
        limit=filters.limit,
        fields=("created_at", "id"),
        descending=True,
        item=job_out,
    )


@router.get("/{job_id}", response=answers({200: JobDetailOut}, (401, 404, 422, 429)), summary="A job")
def job_detail(request: HttpRequest, job_id: str) -> dict:
    """A job with its timeline (every call to AppsFlyer with its HTTP status, code and message,
    every move) and the groups it carries."""
    network = key_of(request).network
    job = job_of(network, job_id)
    events = submission_event_list(network=network, submission=job)
    groups = submission_group_list(network=network, submission=job)
    return {
        **job_out(job),
        "failure_advice": job.failure_advice if job.state == State.FAILED else "",
        "events": [
            {
                "kind": event.kind,
                "at": event.at,
                "ok": event.ok,
                "http_status": event.http_status,
                "code": event.code,
                "message": event.message,
                "duration_ms": event.duration_ms,
            }
            for event in events
        ],
        "groups": [
            {
                "date": group.date,
                "media_source": group.media_source,
                "rows": group.row_count,
                "spend": _decimal(group.spend),
            }
            for group in groups
        ],
    }


@router.post(
    "/{job_id}/resend",
    response=answers({200: PlanOut}, WRITE_ERRORS, 404, 409),
    summary="Resend a job's groups",
    openapi_extra={"parameters": [IDEMPOTENCY_KEY_HEADER]},
)
def job_resend(request: HttpRequest, job_id: str) -> HttpResponse:
    """Send the job's groups again with their current content, even if unchanged (the Jobs page's
    Resend). Answers the plan as Send now does."""
    key = key_of(request)
    job = job_of(key.network, job_id, with_payload=True)

    def run() -> tuple[int, dict]:
        plan = submission_resend(network=key.network, submission=job, user=None)
        return 200, PlanOut(**plan_out(plan, trigger=Trigger.RESEND)).model_dump()

    return idempotent(request, api_key=key, body_sha256=EMPTY_SHA256, run=run)
