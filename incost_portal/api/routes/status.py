"""GET /api/v1/status: the network's sending at a glance, for a script deciding what to do next."""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from incost_portal.api.auth import key_of
from incost_portal.api.schemas import answers
from incost_portal.networks.selectors import send_schedule_for
from incost_portal.submissions.selectors import network_status
from incost_portal.submissions.services.schedules import next_slot

router = Router(tags=["status"])


class TokenOut(Schema):
    present: bool
    created_at: datetime.datetime | None
    last_used_at: datetime.datetime | None


class CallsOut(Schema):
    used_today: int | None
    left_today: int | None
    per_day: int


class WaitingOut(Schema):
    jobs_by_state: dict[str, int]
    groups_not_applied: int
    failed_last_7_days: int


class StatusOut(Schema):
    token: TokenOut
    calls: CallsOut
    next_send: datetime.datetime | None
    waiting: WaitingOut


@router.get("", response=answers({200: StatusOut}), summary="Token, call budget, next send, what waits")
def status_get(request: HttpRequest) -> dict:
    """`token.present`: whether an AppsFlyer token is stored (never the token itself). `calls`:
    upload and status calls used and left in the last day (null when unknown). `next_send`: the
    next scheduled send (null when automatic sending is off). `waiting`: jobs not yet final by
    state, groups of the 90 days whose cost is not Applied, jobs failed in the last 7 days."""
    network = key_of(request).network
    now = timezone.now()
    status = network_status(network=network, now=now)
    token = status.token
    return {
        "token": {
            "present": token is not None,
            "created_at": token.created_at if token else None,
            "last_used_at": token.last_used_at if token else None,
        },
        "calls": {
            "used_today": status.calls_used_today,
            "left_today": status.calls_left_today,
            "per_day": status.calls_per_day,
        },
        "next_send": next_slot(send_schedule_for(network=network), now),
        "waiting": {
            "jobs_by_state": status.jobs_by_state,
            "groups_not_applied": status.groups_not_applied,
            "failed_last_7_days": status.failed_last_7_days,
        },
    }
