import datetime as dt

import pytest
from django.utils import timezone

from incost_portal.networks.models import Network, SendSchedule
from incost_portal.networks.services import api_token_set
from incost_portal.submissions.models import ScheduledRun, Submission
from incost_portal.submissions.services.schedules import latest_slot, next_slot, schedules_run_due
from tests.cast import Cast

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(hour: int, minute: int = 0, day: int = 23) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_slots_are_utc_times_today_or_yesterday() -> None:
    schedule = SendSchedule(send_times=["00:00", "12:00"])
    assert latest_slot(schedule, at(11, 59)) == at(0)
    assert latest_slot(schedule, at(12, 0)) == at(12)
    assert next_slot(schedule, at(12, 0)) == at(0, day=24)
    assert next_slot(SendSchedule(enabled=False), at(1)) is None


def existing_since(cast: Cast, when: dt.datetime) -> None:
    """The network (and so its default schedule) as if created at `when`."""
    Network.objects.filter(pk=cast.network.pk).update(created_at=when)


def test_the_default_is_six_sends_a_day() -> None:
    schedule = SendSchedule()
    assert schedule.send_times == ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"]
    assert next_slot(schedule, at(12, 0)) == at(16)


def test_each_slot_runs_once_for_networks_with_a_token(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext="eyJ" + "t" * 700, user=None)
    existing_since(cast, at(0, day=20))
    SendSchedule.objects.create(network=cast.network, send_times=["00:00", "12:00"])
    SendSchedule.objects.filter(network=cast.network).update(updated_at=at(0, day=20))
    assert schedules_run_due(now=at(12, 1)) == 1
    assert schedules_run_due(now=at(12, 2)) == 0  # the same slot again: nothing
    assert ScheduledRun.objects.get().slot == at(12)
    assert schedules_run_due(now=at(0, 1, day=24)) == 1
    # The other network has no token: nothing is planned for it.
    assert not ScheduledRun.objects.filter(network=cast.other_network).exists()
    assert not Submission.objects.exists()  # no cost yet, so nothing to send


def test_a_disabled_schedule_or_a_long_missed_slot_does_not_run(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext="eyJ" + "t" * 700, user=None)
    SendSchedule.objects.create(network=cast.network, enabled=False)
    assert schedules_run_due(now=at(12, 1)) == 0
    SendSchedule.objects.filter(network=cast.network).update(
        enabled=True, send_times=["01:00"], updated_at=at(0, day=20)
    )
    existing_since(cast, at(0, day=20))
    assert schedules_run_due(now=at(23, 0)) == 0  # 22 hours late: the next slot will send it
    assert schedules_run_due(now=at(3, 0)) == 0  # 2 hours late: the same
    assert schedules_run_due(now=at(1, 30)) == 1  # half an hour late: caught up


def test_a_slot_from_before_the_network_existed_never_runs(cast: Cast) -> None:
    # First start: the 04:00 slot passed before the portal knew the network (created at 04:30);
    # nothing runs until 08:00, which the dashboard says is the next send.
    api_token_set(network=cast.network, plaintext="eyJ" + "t" * 700, user=None)
    existing_since(cast, at(4, 30))
    assert schedules_run_due(now=at(4, 31)) == 0
    assert next_slot(SendSchedule(), at(4, 31)) == at(8)
    assert schedules_run_due(now=at(8, 1)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_send_covers_the_last_7_days_and_send_now_the_rest(wired) -> None:  # type: ignore[no-untyped-def]
    from incost_portal.submissions.models import SubmissionGroup
    from incost_portal.submissions.services.planning import send_plan_create
    from tests.builders import IOS, cost_rows

    wired.put_cost(cost_rows(IOS, [2, 10]))  # a day inside the restatement window, one before it
    existing_since_now = timezone.now() - dt.timedelta(days=1)
    Network.objects.filter(pk=wired.network.pk).update(created_at=existing_since_now)
    slot = latest_slot(SendSchedule(), timezone.now())
    assert schedules_run_due(now=slot + dt.timedelta(minutes=1)) == 1
    sent_days = {
        (timezone.now().date() - day).days for day in SubmissionGroup.objects.values_list("date", flat=True)
    }
    assert sent_days == {2}
    send_plan_create(network=wired.network)  # Send now: the 90 days
    sent_days = {
        (timezone.now().date() - day).days for day in SubmissionGroup.objects.values_list("date", flat=True)
    }
    assert sent_days == {2, 10}


def test_schedules_on_the_former_default_move_to_six_a_day_and_chosen_ones_stay(cast: Cast) -> None:
    from importlib import import_module

    from django.apps import apps

    former = SendSchedule.objects.create(network=cast.network, send_times=["00:00", "12:00"])
    chosen = SendSchedule.objects.create(network=cast.other_network, send_times=["06:00", "18:00"])
    import_module("incost_portal.networks.migrations.0005_six_sends_a_day").forward(apps, None)
    former.refresh_from_db()
    chosen.refresh_from_db()
    assert former.send_times == ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"]
    assert chosen.send_times == ["06:00", "18:00"]
