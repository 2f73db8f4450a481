"""POST /api/v1/sends: Send now, or a Backfill of the last N days (the Jobs page's two buttons)."""

import datetime
import hashlib

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from pydantic import ConfigDict, ValidationError

from incost_portal.api.auth import key_of
from incost_portal.api.errors import ApiError
from incost_portal.api.idempotency import idempotent
from incost_portal.api.schemas import IDEMPOTENCY_KEY_HEADER, WRITE_ERRORS, answers
from incost_portal.submissions.models import Trigger
from incost_portal.submissions.services.planning import SendPlan, send_plan_create

router = Router(tags=["sends"])


SEND_BODY_MAX = 64 * 1024


class SendIn(Schema):
    # Strict: `true` is not one day, nor "7" seven.
    model_config = ConfigDict(extra="forbid", strict=True)

    days: int | None = Field(
        None,
        ge=1,
        le=90,
        description="A backfill of the last N days (1 to 90); omitted: send now (the 90 days).",
    )


class TooLarge(Schema):
    app_id: str
    date: datetime.date
    media_source: str
    bytes: int


class PlanOut(Schema):
    trigger: str
    summary: str
    sent: bool
    requests: int
    queued_now: int
    waiting_for_budget: int
    budget_opens_at: datetime.datetime | None
    groups_sent: int
    groups_unchanged: int
    groups_in_flight: int
    groups_following: int
    groups_failed_unchanged: int
    groups_too_large: list[TooLarge]
    apps_skipped: list[str]
    no_token: bool


def plan_out(plan: SendPlan, *, trigger: str) -> dict:
    return {
        "trigger": trigger,
        "summary": plan.summary(),
        "sent": plan.requests > 0,
        "requests": plan.requests,
        "queued_now": plan.queued_now,
        "waiting_for_budget": plan.waiting_for_budget,
        "budget_opens_at": plan.budget_opens_at,
        "groups_sent": plan.groups_sent,
        "groups_unchanged": plan.groups_unchanged,
        "groups_in_flight": plan.groups_in_flight,
        "groups_following": plan.groups_following,
        "groups_failed_unchanged": plan.groups_failed_unchanged,
        "groups_too_large": [
            {"app_id": app_id, "date": day, "media_source": source, "bytes": size}
            for app_id, day, source, size in plan.groups_too_large
        ],
        "apps_skipped": plan.apps_skipped,
        "no_token": plan.no_token,
    }


def _body(request: HttpRequest) -> bytes:
    """The optional body, read as a stream of at most 64 KB (never `request.body`)."""
    text = request.read(SEND_BODY_MAX + 1)
    if len(text) > SEND_BODY_MAX:
        raise ApiError(413, "too_large", f"A send's body is at most {SEND_BODY_MAX:,} bytes.")
    return text


def _send_in(text: bytes) -> SendIn:
    if not text.strip():
        return SendIn()
    try:
        return SendIn.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(422, "invalid_request", f"{where}: {first['msg']}") from None


@router.post(
    "",
    response=answers({200: PlanOut}, WRITE_ERRORS, 409, 413),
    summary="Send now, or backfill",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": SendIn.model_json_schema()}},
        },
        "parameters": [IDEMPOTENCY_KEY_HEADER],
    },
)
def sends_create(request: HttpRequest) -> HttpResponse:
    """Plan and queue the requests that bring AppsFlyer up to date: the groups whose content changed
    since they were last Applied, in the 90 days (or the last `days`), packed as few requests as the
    limits allow; requests beyond today's call budget wait for it. Answers the plan as the Jobs page
    says it (`summary`); `no_token` when the network has no AppsFlyer token (nothing is sent)."""
    key = key_of(request)
    body = _body(request)
    days = _send_in(body).days
    trigger = Trigger.BACKFILL if days else Trigger.MANUAL

    def run() -> tuple[int, dict]:
        plan = send_plan_create(network=key.network, trigger=trigger, user=None, days=days)
        return 200, PlanOut(**plan_out(plan, trigger=trigger)).model_dump()

    return idempotent(request, api_key=key, body_sha256=hashlib.sha256(body).hexdigest(), run=run)
