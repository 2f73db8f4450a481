"""Scheduled sends: at each network's UTC send times, cost that changed is planned and queued."""

import logging
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from incost_portal.networks.models import SendSchedule
from incost_portal.networks.selectors import networks_with_token, send_schedule_for
from incost_portal.submissions.models import ScheduledRun, Trigger
from incost_portal.submissions.services.budget import fair_send_create

logger = logging.getLogger(__name__)


def _slots(schedule: SendSchedule, day: date) -> list[datetime]:
    return [datetime.combine(day, time.fromisoformat(value), tzinfo=UTC) for value in schedule.send_times]


def latest_slot(schedule: SendSchedule, now: datetime) -> datetime | None:
    """The most recent send time at or before now (today's, else yesterday's last)."""
    today = now.astimezone(UTC).date()
    passed = [
        slot for day in (today - timedelta(days=1), today) for slot in _slots(schedule, day) if slot <= now
    ]
    return max(passed) if passed else None


def next_slot(schedule: SendSchedule, now: datetime) -> datetime | None:
    if not schedule.enabled or not schedule.send_times:
        return None
    today = now.astimezone(UTC).date()
    upcoming = [
        slot for day in (today, today + timedelta(days=1)) for slot in _slots(schedule, day) if slot > now
    ]
    return min(upcoming) if upcoming else None


def schedules_run_due(*, now: datetime | None = None) -> int:
    """Run every network's latest send slot that has not run yet; returns how many ran.

    Each run plans the changed groups of the last INCOST_RESTATEMENT_DAYS (AppsFlyer asks for the
    last 7 days every time data is revised; older changes go with Send now or a Backfill). A missed
    slot (cron down) is caught up only within SCHEDULE_CATCH_UP_MINUTES, never one from before the
    schedule (or the network) existed: the next slot covers the rest. When the changes need more
    requests than the network's share of the day's calls, the longest-waiting apps go first and the
    rest wait their turn (services.budget). The ScheduledRun row makes
    each slot run once however many cron processes there are.
    """
    now = now or timezone.now()
    ran = 0
    for network in networks_with_token():
        schedule = send_schedule_for(network=network)
        if not schedule.enabled:
            continue
        slot = latest_slot(schedule, now)
        since = schedule.updated_at or network.created_at
        catch_up = timedelta(minutes=settings.SCHEDULE_CATCH_UP_MINUTES)
        if slot is None or now - slot > catch_up or slot < since:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(network=network, slot=slot)
        except IntegrityError:
            continue  # this slot has run already
        plan = fair_send_create(network=network, trigger=Trigger.SCHEDULE, at_send_time=True, now=now).plan
        ScheduledRun.objects.filter(pk=run.pk).update(submissions_created=plan.requests)
        logger.info("Scheduled send for %s at %s: %s", network.slug, slot, plan.summary())
        ran += 1
    return ran
