"""When sources run by themselves: shortly before each scheduled send (or every N hours), queued
once however many cron processes there are; runs whose job or worker was lost are not left behind."""

import datetime as dt

import django_rq
import pytest
from django.test import override_settings

from incost_portal.networks.selectors import send_schedule_for
from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.schedule import source_next_run
from incost_portal.sources.services.config import source_create
from incost_portal.sources.services.runs import sources_run_due
from tests.cast import Cast
from tests.waiting import at_once

pytestmark = pytest.mark.django_db(transaction=True)
NOON = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def make(cast: Cast, **values: object) -> Source:
    return source_create(
        network=cast.network,
        user=cast.admin,
        values={"name": "Report", "kind": "https", "url_template": "https://r.example.com/c.csv", **values},
        now=NOON,
    )


@override_settings(SOURCE_LEAD_MINUTES=10)
def test_by_default_a_source_runs_shortly_before_each_scheduled_send(cast: Cast) -> None:
    schedule = send_schedule_for(network=cast.network)
    schedule.send_times = ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"]
    schedule.save()
    source = make(cast)
    assert source.next_run_at == dt.datetime(2026, 12, 4, 15, 50, tzinfo=dt.UTC)
    at_1550 = dt.datetime(2026, 12, 4, 15, 50, tzinfo=dt.UTC)
    assert source_next_run(source, at_1550) == dt.datetime(2026, 12, 4, 19, 50, tzinfo=dt.UTC)
    assert make(cast, name="Hourly", every_hours=3).next_run_at == NOON + dt.timedelta(hours=3)
    assert make(cast, name="Off", enabled=False).next_run_at is None


def test_a_due_source_is_queued_once_by_two_crons_at_once(cast: Cast) -> None:
    source = make(cast, every_hours=1)
    queue = django_rq.get_queue("default")
    queue.empty()
    later = NOON + dt.timedelta(hours=1, minutes=1)
    assert sorted(at_once(lambda: sources_run_due(now=later))) == [0, 1]
    run = SourceRun.objects.get()
    assert (run.trigger, run.dry_run) == (SourceRun.Trigger.SCHEDULE, False)
    assert [job.args for job in queue.get_jobs()] == [(run.pk,)]
    source.refresh_from_db()
    assert source.next_run_at == later + dt.timedelta(hours=1)
    assert sources_run_due(now=later + dt.timedelta(minutes=1)) == 0
    queue.empty()


@override_settings(SOURCE_REQUEUE_AFTER_SECONDS=60, SOURCE_RUN_TIMEOUT_SECONDS=600)
def test_a_run_whose_job_was_lost_is_queued_again_and_one_whose_worker_died_fails(cast: Cast) -> None:
    source = make(cast, every_hours=24)
    queue = django_rq.get_queue("default")
    queue.empty()
    now = dt.datetime.now(dt.UTC)
    lost = SourceRun.objects.create(source=source, network=cast.network)
    SourceRun.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(minutes=5))
    dead = SourceRun.objects.create(
        source=source, network=cast.network, outcome=SourceRun.Outcome.RUNNING,
        started_at=now - dt.timedelta(minutes=20),
    )  # fmt: skip
    sources_run_due(now=now)
    assert [job.args for job in queue.get_jobs()] == [(lost.pk,)]
    dead.refresh_from_db()
    assert dead.outcome == SourceRun.Outcome.FAILED and "time limit" in dead.error
    queue.empty()
