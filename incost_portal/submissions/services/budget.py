"""Sharing a token's daily calls among a network's apps, and sending between send times.

AppsFlyer gives a token 1,000 upload and status calls a day (INCOST_CALLS_PER_DAY); a request costs
at least two (its upload and one status read), so a day carries at most 500 requests. A network
whose apps change more often than that cannot send everything at every send time: the portal
shares what it has.

How much an automatic send (a send time, or the freshness tick between them) may use now:
- The calls left in the token's day window (the shared limiter's sliding 24 hours), less those
  owed by requests already on their way (an upload and a read for each not yet uploaded, a read
  for each uploaded and not yet final).
- Of those, the share: "as fresh as the budget allows" (Freshness.FRESH, the default) spreads the
  day evenly, pace_window()'s calls (an hour's share of the day, rounded to whole requests) in
  every sliding window of that length, at every tick and send time, so that later changes always
  find calls and no stretch of the day starves; "at scheduled times only" gives each send time
  its equal share of the day (calls a day / send times a day) and nothing between them.
- Nothing more, even on a quiet day with calls to spare: the day window slides, so calls spent in
  a burst are missing for 24 hours, and under sustained load a burst is paid back by hours with
  nothing to send (the freshness figure of `make bench` measured it: the mean wait rose from
  about the lower bound to 1.6 times it). A large one-off change (a morning's upload for 300
  apps) goes at the pace, the longest-waiting apps first, and the dashboard's forecast says when
  each goes; Send now sends it all at once when that is wanted.
- A request's status is read once after AppsFlyer's 2 minutes (INCOST_POLL_DELAY_SECONDS), then
  with a doubling back-off (sending._poll_interval); every read is counted as it is made (the
  limiter counts it), so slow jobs lower the pace's next shares by themselves. The portal never
  sends a group while an earlier request for it is on its way (the later change follows when that
  request ends, planning.follow_up_plan), so no read is ever of a request whose groups a later
  request has carried: each read counts in full, and the forecast counts one read a request.

Who goes first when the share does not cover the waiting work, so that no app starves:
- Apps in order of how long they have waited: never Applied first, then by the time of their
  last Applied request, oldest first (apps with a request on their way are skipped: their changes
  follow it). Each app gets an equal turn (the share over the waiting apps, at least one request),
  and once served it goes to the back of the line.
- Within an app, requests with never-sent groups first, then the most recent dates; what does not
  fit waits as changed groups (not frozen into requests), so it goes later with its latest content.

The freshness tick runs every FRESHNESS_TICK_MINUTES (RQ cron) for networks on Freshness.FRESH.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from incost_portal.costs.models import CostGroupTotal
from incost_portal.incost.limiter import limiter_default
from incost_portal.networks.models import App, Freshness, Network, SendSchedule
from incost_portal.networks.selectors import api_token_active, networks_with_token, send_schedule_for
from incost_portal.submissions.models import IN_FLIGHT, State, Submission, Trigger
from incost_portal.submissions.services.planning import (
    CALLS_PER_REQUEST,
    SendPlan,
    app_plan_create,
    send_plan_audit,
)

logger = logging.getLogger(__name__)

# States whose request still has its upload to make, and those with only status reads left.
_NOT_UPLOADED = (State.QUEUED, State.SENDING, State.NEEDS_RETRY)
_UPLOADED = (State.SUBMITTED, State.POLLING)


def pace_window() -> tuple[int, float]:
    """(calls, seconds): the pace's share, an hour's worth of the day's calls rounded to whole
    requests, and the span it is counted over: the time the day takes to earn them (for 1,000 a
    day: 42 calls in 60.5 minutes) less one freshness tick, since a share that frees up just after
    a tick is used only at the next one (without it the day carried 924 calls, not 1,000). The
    limiter's day window stays the hard limit."""
    per_day = settings.INCOST_CALLS_PER_DAY
    day = settings.INCOST_LIMITER_DAY_SECONDS
    calls = CALLS_PER_REQUEST * max(1, round(per_day / 24 / CALLS_PER_REQUEST))
    earned = day * calls / per_day
    return calls, max(earned / 2, earned - settings.FRESHNESS_TICK_MINUTES * 60)


@dataclass
class Allowance:
    """What an automatic send may use now, and why (the forecast shows it)."""

    calls_used: int  # in the day window
    calls_left: int  # in the day window, less what requests on their way still owe
    calls_owed: int
    share_calls: int  # the pace's (or the send time's) share, less what it already used
    requests: int  # what may be made now

    @property
    def known(self) -> bool:
        return self.calls_used >= 0


def calls_owed(*, network: Network) -> int:
    """Calls that requests on their way will still make: an upload and a read for each not yet
    uploaded, a read for each uploaded (one count over the (network, state) index)."""
    states = list(
        Submission.objects.filter(network=network, state__in=[*_NOT_UPLOADED, *_UPLOADED])
        .order_by()
        .values_list("state", flat=True)
    )
    return sum(CALLS_PER_REQUEST if state in _NOT_UPLOADED else 1 for state in states)


def allowance_for(
    *,
    network: Network,
    schedule: SendSchedule,
    at_send_time: bool,
) -> Allowance:
    """How many requests an automatic send of the network may make now (see the module's rule)."""
    token = api_token_active(network=network)
    per_day = settings.INCOST_CALLS_PER_DAY
    if token is None:
        return Allowance(0, 0, 0, 0, 0)
    limiter = limiter_default()
    try:
        used = limiter.calls_used_today(token.fingerprint)
        window_calls, window_seconds = pace_window()
        used_in_window = limiter.calls_since(token.fingerprint, window_seconds)
    except redis.RedisError:
        # Nothing leaves without the limiter anyway; plan nothing rather than guess.
        return Allowance(-1, 0, 0, 0, 0)
    owed = calls_owed(network=network)
    left = max(0, per_day - used - owed)
    if schedule.freshness == Freshness.SCHEDULED and not at_send_time:
        return Allowance(used, left, owed, 0, 0)  # nothing between send times
    if schedule.freshness == Freshness.SCHEDULED:
        share = per_day // max(1, len(schedule.send_times))
    else:
        share = max(0, window_calls - used_in_window - owed)
    calls = min(left, share)
    # A share's last call may start a request whose status read falls in the next share.
    requests = min(-(-calls // CALLS_PER_REQUEST), left // CALLS_PER_REQUEST)
    return Allowance(used, left, owed, share, max(0, requests))


@dataclass
class WaitingApp:
    app: App
    last_applied_at: datetime | None  # None: never Applied


def waiting_apps(
    *, network: Network, now: datetime, days: int | None = None, every_app: bool = False
) -> list[WaitingApp]:
    """The network's sending apps with changed cost in the last `days` (the whole window when
    None; `every_app`: changed or not) and no request on its way, longest-waiting first.

    Three lean queries: the changed groups' apps (the group totals' flag, over the (network, date)
    index), the apps on their way (the (network, state) index), and the apps with one index probe
    each for their last Applied time."""
    days = days or settings.INCOST_WINDOW_DAYS
    # A day early: each app's window is in its own time zone; the planner applies it exactly.
    earliest = now.date() - timedelta(days=days + 1)
    changed = set(
        CostGroupTotal.objects.filter(network=network, date__gte=earliest, applied=False)
        .order_by()
        .values_list("app_id", flat=True)
        .distinct()
    )
    busy = set(
        Submission.objects.filter(network=network, state__in=list(IN_FLIGHT))
        .order_by()
        .values_list("app_id", flat=True)
        .distinct()
    )
    wanted = changed - busy
    if not wanted and not every_app:
        return []
    last_applied = Submission.objects.filter(
        app=OuterRef("pk"), state=State.APPLIED, finished_at__isnull=False
    ).order_by("-finished_at")
    apps = App.objects.filter(network=network, enabled=True, send_cost=True)
    apps = (apps.exclude(pk__in=busy) if every_app else apps.filter(pk__in=wanted)).annotate(
        last_applied_at=Subquery(last_applied.values("finished_at")[:1])
    )
    waiting = [WaitingApp(app, app.last_applied_at) for app in apps]  # type: ignore[attr-defined]
    never = datetime.min.replace(tzinfo=now.tzinfo)
    waiting.sort(key=lambda w: (w.last_applied_at or never, w.app.app_id))
    return waiting


@dataclass
class FairSend:
    plan: SendPlan
    allowance: Allowance
    apps_waiting: int = 0
    apps_served: list[str] = field(default_factory=list)
    left: int = 0  # requests still allowed

    def __post_init__(self) -> None:
        self.left = self.allowance.requests


def fair_send_create(
    *,
    network: Network,
    trigger: str,
    at_send_time: bool,
    now: datetime | None = None,
) -> FairSend:
    """An automatic send: the changed groups of the last INCOST_RESTATEMENT_DAYS, within the
    network's share of the budget, the longest-waiting apps first (the module's rule).

    The line is read from the group totals' `applied` flag (cheap whatever the network's size); a
    change that keeps a group's spend and row count (a renamed campaign) does not show there, so
    at a send time, calls remaining after the line go to every other app in turn, whose groups
    the planner compares by content as always."""
    now = now or timezone.now()
    days = settings.INCOST_RESTATEMENT_DAYS
    schedule = send_schedule_for(network=network)
    with transaction.atomic():
        # One automatic send at a time per network: two would each spend the same share.
        Network.objects.select_for_update().filter(pk=network.pk).first()
        waiting = waiting_apps(network=network, now=now, days=days)
        allowance = allowance_for(network=network, schedule=schedule, at_send_time=at_send_time)
        result = FairSend(plan=SendPlan(), allowance=allowance)
        result.apps_waiting = len(waiting)
        looked = _serve(result, waiting, network=network, trigger=trigger, now=now, days=days)
        if at_send_time and result.left > 0:
            others = waiting_apps(network=network, now=now, days=days, every_app=True)
            others = [entry for entry in others if entry.app.app_id not in looked]
            looked.update(_serve(result, others, network=network, trigger=trigger, now=now, days=days))
        plan = result.plan
        unreached = [entry for entry in waiting if entry.app.app_id not in looked]
        plan.groups_waiting_turn = sum(looked.values())
        plan.apps_waiting_turn = sum(1 for n in looked.values() if n) + len(unreached)
        send_plan_audit(network=network, plan=plan, trigger=trigger, days=days)
    return result


def _serve(
    result: FairSend, line: list[WaitingApp], *, network: Network, trigger: str, now: datetime, days: int
) -> dict[str, int]:
    """Plan the apps of `line` in equal turns within `result.left` requests; an app with more than
    its turn goes round again while requests remain. Returns, per app looked at, its changed
    groups still waiting their turn."""
    plan, looked = result.plan, {}
    while line and result.left > 0:
        turn = max(1, result.left // len(line))
        again = []
        for entry in line:
            if result.left <= 0:
                break
            sub = SendPlan()
            app_plan_create(
                network=network,
                app=entry.app,
                plan=sub,
                trigger=trigger,
                now=now,
                budget_requests=result.left,
                days=days,
                max_requests=min(turn, result.left),
            )
            if entry.app.app_id not in looked:
                plan.add(sub)  # the first look at the app says what it had
            else:
                plan.requests += sub.requests
                plan.queued_now += sub.queued_now
                plan.groups_sent += sub.groups_sent
            looked[entry.app.app_id] = sub.groups_waiting_turn
            result.left -= sub.requests
            if sub.requests and entry.app.app_id not in result.apps_served:
                result.apps_served.append(entry.app.app_id)
            if sub.groups_waiting_turn:
                again.append(entry)
        line = again
    return looked


def freshness_run_due(*, now: datetime | None = None) -> int:
    """The freshness tick: for every network on "as fresh as the budget allows" with its schedule
    on, send what changed within its share now. Returns the requests made."""
    now = now or timezone.now()
    made = 0
    for network in networks_with_token():
        schedule = send_schedule_for(network=network)
        if not schedule.enabled or schedule.freshness != Freshness.FRESH:
            continue
        result = fair_send_create(network=network, trigger=Trigger.FRESHNESS, at_send_time=False, now=now)
        if result.plan.requests:
            logger.info("Fresh send for %s: %s", network.slug, result.plan.summary())
        made += result.plan.requests
    return made
