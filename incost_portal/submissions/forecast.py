"""Today's forecast for the dashboard: calls used, calls the waiting work needs, and the apps that
will be late (after the next scheduled send time) with when they will go.

A handful of lean reads (services.budget's allowance and waiting line, the planned requests, the
schedule), loaded into the dashboard by htmx after the page: it never slows the page itself.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from incost_portal.networks.models import App, Freshness, Network
from incost_portal.networks.selectors import send_schedule_for
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.budget import allowance_for, pace_window, waiting_apps
from incost_portal.submissions.services.planning import CALLS_PER_REQUEST
from incost_portal.submissions.services.schedules import next_slot

LATE_SHOWN = 10


@dataclass
class LateApp:
    app: App
    goes_at: datetime


@dataclass
class Forecast:
    calls_used: int | None  # None: Redis cannot be read
    calls_per_day: int
    calls_owed: int  # by requests on their way
    calls_needed: int  # by those and by the work waiting to be sent
    apps_waiting: int
    requests_planned: int  # waiting for tomorrow's budget (Send now beyond it)
    automatic: bool  # the schedule is on
    freshness: str
    next_send: datetime | None
    all_sent_by: datetime | None = None
    late: list[LateApp] = field(default_factory=list)
    late_count: int = 0

    @property
    def fits(self) -> bool:
        return self.calls_used is not None and self.calls_used + self.calls_needed <= self.calls_per_day

    @property
    def late_more(self) -> int:
        return self.late_count - len(self.late)


def _turn(position: int, *, now_share: int, per_turn: int) -> int:
    """Which turn the app at `position` of the line goes in: the first `now_share` in the first
    (0), then `per_turn` in each following one."""
    if position < now_share:
        return 0
    return 1 + (position - now_share) // max(1, per_turn)


def forecast_for(*, network: Network, now: datetime | None = None) -> Forecast:
    """The day's forecast of the network's automatic sends (services.budget's rule)."""
    now = now or timezone.now()
    schedule = send_schedule_for(network=network)
    line = waiting_apps(network=network, now=now, days=settings.INCOST_RESTATEMENT_DAYS)
    planned = Submission.objects.filter(network=network, state=State.PLANNED).count()
    fresh = schedule.freshness == Freshness.FRESH
    slot = next_slot(schedule, now)
    allowance = allowance_for(network=network, schedule=schedule, at_send_time=not fresh)
    forecast = Forecast(
        calls_used=allowance.calls_used if allowance.known else None,
        calls_per_day=settings.INCOST_CALLS_PER_DAY,
        calls_owed=allowance.calls_owed,
        calls_needed=allowance.calls_owed + CALLS_PER_REQUEST * (len(line) + planned),
        apps_waiting=len(line),
        requests_planned=planned,
        automatic=schedule.enabled and bool(schedule.send_times),
        freshness=schedule.freshness,
        next_send=slot,
    )
    if not forecast.automatic or not line or slot is None or not allowance.known:
        return forecast
    if fresh:
        window_calls, window_seconds = pace_window()
        first = now + timedelta(minutes=settings.FRESHNESS_TICK_MINUTES)
        per_turn, every = window_calls // CALLS_PER_REQUEST, timedelta(seconds=window_seconds)
        turns = [_turn(i, now_share=allowance.requests, per_turn=per_turn) for i in range(len(line))]
        times = [first + every * turn for turn in turns]
    else:
        per_turn = settings.INCOST_CALLS_PER_DAY // len(schedule.send_times) // CALLS_PER_REQUEST
        turns = [_turn(i, now_share=allowance.requests, per_turn=per_turn) for i in range(len(line))]
        slots = [slot]
        while len(slots) <= turns[-1]:
            slots.append(next_slot(schedule, slots[-1]) or slots[-1] + timedelta(days=1))
        times = [slots[turn] for turn in turns]
    forecast.all_sent_by = times[-1]
    late = [LateApp(entry.app, at) for entry, at in zip(line, times, strict=True) if at > slot]
    forecast.late_count = len(late)
    forecast.late = late[:LATE_SHOWN]
    return forecast
