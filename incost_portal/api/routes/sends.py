"""POST /api/v1/sends: Send now, or a Backfill of the last N days (the Jobs page's two buttons)."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from incost_portal.api.auth import key_of
from incost_portal.api.schemas import WRITE_ERRORS, answers
from incost_portal.submissions.models import Trigger
from incost_portal.submissions.services.planning import SendPlan, send_plan_create

router = Router(tags=["sends"])


class SendIn(Schema):
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


@router.post("", response=answers({200: PlanOut}, WRITE_ERRORS, 400, 413), summary="Send now, or backfill")
def sends_create(request: HttpRequest, send: SendIn | None = None) -> dict:
    """Plan and queue the requests that bring AppsFlyer up to date: the groups whose content changed
    since they were last Applied, in the 90 days (or the last `days`), packed as few requests as the
    limits allow; requests beyond today's call budget wait for it. Answers the plan as the Jobs page
    says it (`summary`); `no_token` when the network has no AppsFlyer token (nothing is sent)."""
    network = key_of(request).network
    days = send.days if send is not None else None
    trigger = Trigger.BACKFILL if days else Trigger.MANUAL
    return plan_out(send_plan_create(network=network, trigger=trigger, user=None, days=days), trigger=trigger)
