"""GET/PUT /api/v1/schedule: when the network's cost is sent by itself (Settings → Schedule)."""

import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from incost_portal.api.auth import key_of
from incost_portal.api.errors import ApiError
from incost_portal.api.schemas import WRITE_ERRORS, answers
from incost_portal.networks.forms import ScheduleForm
from incost_portal.networks.models import Network
from incost_portal.networks.selectors import send_schedule_for
from incost_portal.networks.services import send_schedule_update
from incost_portal.submissions.services.schedules import next_slot

router = Router(tags=["schedule"])


class ScheduleOut(Schema):
    enabled: bool
    send_times: list[str]
    time_zone: str
    backfill_days: int
    restatement_days: int
    # "fresh": changed cost also goes between send times as the day's calls allow; "scheduled": not.
    freshness: str
    next_send: datetime.datetime | None


class ScheduleIn(Schema):
    # Strict: `true` is not one day, nor 1 "on".
    model_config = ConfigDict(strict=True)

    enabled: bool
    send_times: list[str] = Field(..., description='Times of day in UTC as "HH:MM", at most 24.')
    backfill_days: int = Field(..., description="How far back a backfill looks (1 to 90 days).")
    freshness: Literal["fresh", "scheduled"] | None = Field(
        None,
        description='"fresh" (as fresh as the budget allows: changed cost also goes between send '
        'times within the day\'s share of calls) or "scheduled" (at scheduled times only); '
        "left out, it stays as it is.",
    )


def _schedule(network: Network) -> dict:
    schedule = send_schedule_for(network=network)
    return {
        "enabled": schedule.enabled,
        "send_times": list(schedule.send_times),
        "time_zone": "UTC",
        "backfill_days": schedule.backfill_days,
        "restatement_days": settings.INCOST_RESTATEMENT_DAYS,
        "freshness": schedule.freshness,
        "next_send": next_slot(schedule, timezone.now()),
    }


@router.get("", response=answers({200: ScheduleOut}), summary="The send schedule")
def schedule_get(request: HttpRequest) -> dict:
    """Send times are UTC; each scheduled send covers the last `restatement_days` days' changed
    groups; `next_send` is null when automatic sending is off."""
    return _schedule(key_of(request).network)


@router.put(
    "", response=answers({200: ScheduleOut}, WRITE_ERRORS, 400, 413), summary="Change the send schedule"
)
def schedule_put(request: HttpRequest, change: ScheduleIn) -> dict:
    """Checked as the Schedule page checks it, with its messages (422 `invalid_request`)."""
    form = ScheduleForm(
        {
            "enabled": "on" if change.enabled else "",
            "send_times": ", ".join(change.send_times),
            "backfill_days": str(change.backfill_days),
            "freshness": change.freshness or "",
        }
    )
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ApiError(422, "invalid_request", f"{field}: {' '.join(errors)}")
    network = key_of(request).network
    send_schedule_update(network=network, actor=None, **form.cleaned_data)
    return _schedule(network)
