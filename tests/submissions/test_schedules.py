import datetime as dt

import pytest

from incost_portal.networks.models import SendSchedule
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


def test_each_slot_runs_once_for_networks_with_a_token(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext="eyJ" + "t" * 700, user=None)
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
    SendSchedule.objects.filter(network=cast.network).update(enabled=True, send_times=["01:00"])
    assert schedules_run_due(now=at(23, 0)) == 0  # 22 hours late: the next slot will send it
