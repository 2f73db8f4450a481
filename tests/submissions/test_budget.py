"""Sharing the day's calls among a network's apps, and sending between send times (services.budget),
against the sandbox over HTTP."""

import time
import uuid
from datetime import date

import pytest
from django.test import override_settings
from django.utils import timezone

from incost_portal.incost.limiter import limiter_default
from incost_portal.networks.models import Freshness, SendSchedule
from incost_portal.networks.services import send_schedule_update
from incost_portal.submissions.models import State, Submission, Trigger
from incost_portal.submissions.services.budget import (
    allowance_for,
    fair_send_create,
    freshness_run_due,
    pace_window,
    waiting_apps,
)
from incost_portal.submissions.services.planning import SendPlan, app_plan_create, send_plan_create
from incost_portal.submissions.services.schedules import schedules_run_due
from tests.builders import ANDROID, IOS, cost_rows, today
from tests.submissions.test_sending import FAST, drive
from tests.wiring import Wired

pytestmark = pytest.mark.django_db(transaction=True)


def calls_used(wired: Wired, count: int, *, ago: float = 2 * 3600) -> None:
    """As if the token had made `count` calls `ago` seconds ago (its day window holds them; by
    default outside the pace's last hour)."""
    limiter, fingerprint = limiter_default(), wired.network.api_tokens.get().fingerprint
    limiter.reset(fingerprint)
    if count:
        now = time.time() - ago
        calls = {uuid.uuid4().hex: now - n * 0.001 for n in range(count)}
        limiter.redis.zadd(f"{limiter.prefix}:{fingerprint}:incost:day", calls)


def schedule(wired: Wired, freshness: str) -> SendSchedule:
    return send_schedule_update(
        network=wired.network,
        enabled=True,
        send_times=["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"],
        backfill_days=7,
        actor=None,
        freshness=freshness,
    )


def sent_apps(trigger: str = Trigger.FRESHNESS) -> list[str]:
    jobs = Submission.objects.filter(trigger=trigger).order_by("pk")
    return list(jobs.values_list("app__app_id", flat=True))


@override_settings(**FAST)
def test_a_fresh_network_sends_what_changed_between_send_times(wired: Wired) -> None:
    calls_used(wired, 0)
    wired.put_cost(cost_rows(IOS, range(1, 3)))
    schedule(wired, Freshness.SCHEDULED)
    assert freshness_run_due() == 0  # at scheduled times only: it waits for the next one
    schedule(wired, Freshness.FRESH)
    assert freshness_run_due() == 1
    drive()
    assert Submission.objects.get().state == State.APPLIED
    assert wired.ledger() == wired.portal_totals()
    assert freshness_run_due() == 0  # nothing changed since: nothing goes


@override_settings(**FAST)
def test_the_default_schedule_is_as_fresh_as_the_budget_allows(wired: Wired) -> None:
    calls_used(wired, 0)
    assert SendSchedule().freshness == Freshness.FRESH
    wired.put_cost(cost_rows(ANDROID, range(1, 2)))
    assert freshness_run_due() == 1


@override_settings(**FAST)
def test_when_the_share_is_short_the_longest_waiting_app_goes_first_and_none_starves(wired: Wired) -> None:
    schedule(wired, Freshness.FRESH)
    served = []
    for spend in ("1", "2", "3", "4"):
        both = cost_rows(IOS, range(1, 3), spend=spend) + cost_rows(ANDROID, range(1, 3), spend=spend)
        wired.put_cost(both)
        calls_used(wired, 1000 - 3)  # three calls left today: one request
        result = fair_send_create(network=wired.network, trigger=Trigger.FRESHNESS, at_send_time=False)
        assert (result.plan.requests, result.apps_waiting, result.plan.apps_waiting_turn) == (1, 2, 1)
        assert "1 app(s) with changed cost wait their turn" in result.plan.summary()
        served += result.apps_served
        calls_used(wired, 0)
        drive()
    # Both never sent: by app id; then whichever waited longest since its last Applied request.
    assert served == [ANDROID, IOS, ANDROID, IOS]


@override_settings(**FAST, INCOST_MAX_REQUEST_BYTES=400)  # one group a request
def test_within_an_app_never_sent_groups_then_recent_dates_go_first(wired: Wired) -> None:
    calls_used(wired, 0)
    wired.put_cost(cost_rows(IOS, [3, 4]))
    send_plan_create(network=wired.network)
    drive()
    # Day 4 and day 3 are restated, days 5 and 2 are new.
    wired.put_cost(cost_rows(IOS, [2, 3, 4, 5], spend="20"))
    plan = SendPlan()
    app_plan_create(
        network=wired.network,
        app=wired.ios,
        plan=plan,
        trigger=Trigger.FRESHNESS,
        now=timezone.now(),
        budget_requests=10,
        max_requests=3,
    )
    dates = sorted(
        Submission.objects.filter(trigger=Trigger.FRESHNESS).values_list("date_from", flat=True), reverse=True
    )
    assert dates == [date.fromisoformat(today(2)), date.fromisoformat(today(3)), date.fromisoformat(today(5))]
    assert (plan.requests, plan.groups_waiting_turn) == (3, 1)  # day 4: the oldest restatement waits


@override_settings(**FAST)
def test_the_day_is_paced_evenly_and_a_scheduled_only_network_shares_per_send_time(wired: Wired) -> None:
    network_schedule = schedule(wired, Freshness.FRESH)

    def allowed(*, at_send_time: bool = False) -> int:
        network = wired.network
        return allowance_for(network=network, schedule=network_schedule, at_send_time=at_send_time).requests

    window_calls, _ = pace_window()
    assert window_calls == 42  # an hour's share of 1,000 calls, in whole requests
    calls_used(wired, 0)
    assert allowed() == 21  # between send times: the hour's share
    assert allowed(at_send_time=True) == 21  # a send time too: a burst would starve later hours
    calls_used(wired, 30, ago=60)
    assert allowed() == 6  # what the last hour left of its share
    calls_used(wired, 700, ago=60)
    assert allowed() == 0 and allowed(at_send_time=True) == 0  # the hour's share is spent, no spare
    network_schedule = schedule(wired, Freshness.SCHEDULED)
    calls_used(wired, 900)
    assert allowed(at_send_time=True) == 50  # a send time's share of the day, what the day has left
    assert allowed(at_send_time=False) == 0  # nothing between send times


@override_settings(**FAST)
def test_a_scheduled_send_takes_the_longest_waiting_within_its_share(wired: Wired) -> None:
    from incost_portal.networks.models import Network

    calls_used(wired, 1000 - 2)  # one request's worth left
    Network.objects.filter(pk=wired.network.pk).update(created_at=timezone.now().replace(year=2020))
    SendSchedule.objects.filter(network=wired.network).delete()
    wired.put_cost(cost_rows(IOS, range(1, 2)) + cost_rows(ANDROID, range(1, 2)))
    now = timezone.now().replace(minute=1)
    now = now.replace(hour=now.hour - now.hour % 4)  # a minute past one of the six send times
    assert schedules_run_due(now=now) == 1
    assert sent_apps(Trigger.SCHEDULE) == [ANDROID]
    # Nothing was frozen for tomorrow: iOS waits as changed cost and goes with its latest rows.
    assert not Submission.objects.filter(state=State.PLANNED).exists()
    assert [w.app.app_id for w in waiting_apps(network=wired.network, now=now)] == [IOS]


@override_settings(**FAST)
def test_a_change_that_keeps_the_spend_still_goes_at_the_next_send_time(wired: Wired) -> None:
    from incost_portal.networks.models import Network

    calls_used(wired, 0)
    Network.objects.filter(pk=wired.network.pk).update(created_at=timezone.now().replace(year=2020))
    rows = cost_rows(IOS, range(1, 2))
    wired.put_cost(rows)
    send_plan_create(network=wired.network)
    drive()
    wired.put_cost([{**r, "campaign_name": "renamed"} for r in rows])  # same spend, same row count
    now = timezone.now().replace(minute=1)
    now = now.replace(hour=now.hour - now.hour % 4)
    assert schedules_run_due(now=now) == 1
    assert sent_apps(Trigger.SCHEDULE) == [IOS]
    drive()
    assert [row["campaign_name"] for row in wired.ledger_rows()] == ["renamed"] * len(rows)
