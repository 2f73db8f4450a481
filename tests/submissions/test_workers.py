"""Sending with real RQ worker processes, real Redis and the sandbox over HTTP, through failures.

In every case each group ends Applied and the sandbox's ledger equals the portal's current cost:
nothing lost, nothing counted twice, and AppsFlyer never had to answer ic111.
"""

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from incost_portal.runtime.redis_server import embedded_redis_start, free_port
from incost_portal.submissions.models import State, Submission, Trigger
from incost_portal.submissions.services.dispatch import submissions_dispatch_due
from incost_portal.submissions.services.planning import send_plan_create
from tests.builders import ANDROID, IOS, cost_rows, today
from tests.submissions.workers import FAST_SENDING, Workers, as_settings, workers_running
from tests.waiting import wait_for
from tests.wiring import Wired

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The same shortened waits in this process (plans, the dispatcher) as in the workers.
FAST = override_settings(**as_settings(FAST_SENDING))


def settle(
    wired: Wired, workers: Workers, *, seconds: float = 120, tick: Callable[[], None] | None = None
) -> None:
    """Run the dispatcher as RQ cron would, until every submission is final."""

    def every_submission_final() -> bool:
        if tick:
            tick()
        submissions_dispatch_due()
        return not Submission.objects.exclude(state__in=[State.APPLIED, State.FAILED]).exists()

    def where_it_stopped() -> str:
        states = list(Submission.objects.values_list("state", "error_code", "upload_attempts"))
        return f"{states}\n{workers.logs()}"

    wait_for(every_submission_final, timeout=seconds, interval=0.1, message=where_it_stopped)


def sending_started(wired: Wired) -> bool:
    """An upload of this network's has reached the sandbox (its answer may still be on its way)."""
    calls = wired.sandbox.get("/sandbox/calls", partner=wired.partner)["calls"]
    return any(call["method"] == "POST" for call in calls)


def assert_nothing_lost_nothing_doubled(wired: Wired) -> None:
    assert set(Submission.objects.values_list("state", flat=True)) == {State.APPLIED}
    assert wired.ledger() == wired.portal_totals()
    # The ledger holds each current row once: no row of an earlier upload survives beside it.
    assert len(wired.ledger_rows()) == sum(1 for _ in wired.network.cost_rows.all())
    refused = [
        call
        for call in wired.sandbox.get("/sandbox/calls", partner=wired.partner)["calls"]
        if not call["counted"]
    ]
    assert refused == [], "AppsFlyer answered ic111"


def many_requests(wired: Wired, days: int = 6) -> int:
    """Cost over several days and two apps, packed one group a request: many requests to follow."""
    wired.put_cost(cost_rows(IOS, range(1, days + 1), campaigns=3) + cost_rows(ANDROID, range(1, days + 1)))
    with override_settings(INCOST_MAX_REQUEST_BYTES=700):
        plan = send_plan_create(network=wired.network)
    assert plan.requests == plan.queued_now > days
    return plan.requests


@FAST
def test_workers_bring_every_group_to_applied(wired: Wired, tmp_path: Path) -> None:
    many_requests(wired)
    with workers_running(tmp_path, count=2) as workers:
        settle(wired, workers)
    assert_nothing_lost_nothing_doubled(wired)


@FAST
@override_settings(SUBMISSION_LEASE_SECONDS=3)  # a send takes 1.5 s here: a dead worker's claim soon after
def test_a_worker_killed_in_the_middle_of_a_send(wired: Wired, tmp_path: Path) -> None:
    # Jobs in progress for a second: after the kill, polls are scheduled while the dead worker's
    # RQ scheduler lock still stands, and the dispatcher must see them through.
    wired.sandbox.configure(latency_ms=1500, in_progress_seconds=1.0)
    many_requests(wired, days=4)
    with workers_running(tmp_path, count=2, SUBMISSION_LEASE_SECONDS="3") as workers:
        # The sandbox holds each answer 1.5 s: once it has a call, the request is on the wire.
        wait_for(lambda: sending_started(wired), message=workers.logs)
        workers.kill_all()
        assert Submission.objects.filter(state=State.SENDING).exists()  # left claimed by the dead
        wired.sandbox.configure(latency_ms=0)
        workers.start(2)
        settle(wired, workers)
    assert_nothing_lost_nothing_doubled(wired)
    kinds = list(Submission.objects.values_list("events__kind", "events__message"))
    assert Submission.objects.filter(events__kind="recovered").exists(), kinds


@FAST
def test_redis_stopped_and_started_during_uploads(wired: Wired, tmp_path: Path) -> None:
    port = free_port()
    own_redis = f"redis://127.0.0.1:{port}/0"
    server = embedded_redis_start(port, Path(tempfile.mkdtemp(prefix="incost-redis-")))
    queues = {name: {**queue, "URL": own_redis} for name, queue in settings.RQ_QUEUES.items()}
    try:
        with override_settings(REDIS_URL=own_redis, RQ_QUEUES=queues):
            wired.put_cost(cost_rows(IOS, range(1, 3)))
            send_plan_create(network=wired.network)
            with workers_running(tmp_path, count=2, redis_url=own_redis) as workers:
                # Stop Redis once the workers are at work: during the uploads.
                wait_for(
                    lambda: not Submission.objects.filter(state=State.QUEUED).exists(), message=workers.logs
                )
                server.terminate()
                server.wait(10)
                # Uploads accepted and planned while Redis is down wait in the database.
                wired.put_cost(cost_rows(ANDROID, range(1, 4)))
                plan = send_plan_create(network=wired.network)
                assert plan.requests == 1
                assert submissions_dispatch_due(requeue_after_seconds=0).enqueue_failed  # nothing lost
                server = embedded_redis_start(port, Path(tempfile.mkdtemp(prefix="incost-redis-")))
                settle(wired, workers, seconds=120, tick=workers.revive)
    finally:
        server.terminate()
        server.wait(10)
    assert_nothing_lost_nothing_doubled(wired)


@FAST
def test_a_third_of_calls_failing(wired: Wired, tmp_path: Path) -> None:
    wired.sandbox.configure(
        server_error_share=0.1,
        ic300_share=0.1,
        processing_error_share=0.1,
        dropped_connection_share=0.05,
        seed=11,
    )
    many_requests(wired, days=5)
    with workers_running(tmp_path, count=2) as workers:
        settle(wired, workers)
    assert_nothing_lost_nothing_doubled(wired)
    retried = Submission.objects.filter(upload_attempts__gt=1).count()
    assert retried > 0  # the faults did happen


@FAST
def test_two_workers_racing_send_each_submission_once(wired: Wired, tmp_path: Path) -> None:
    import django_rq

    from incost_portal.submissions.services.enqueue import QUEUE, SEND

    count = many_requests(wired, days=5)
    queue = django_rq.get_queue(QUEUE)
    # Two more jobs for each, as two dispatchers on two hosts would.
    for submission in Submission.objects.all():
        queue.enqueue(SEND, submission.pk)
        queue.enqueue(SEND, submission.pk)
    with workers_running(tmp_path, count=3) as workers:
        settle(wired, workers)
    jobs = wired.sandbox.get("/sandbox/jobs", partner=wired.partner)["jobs"]
    assert len(jobs) == count
    assert Submission.objects.filter(upload_attempts=1).count() == count
    assert_nothing_lost_nothing_doubled(wired)


@FAST
def test_a_change_accepted_while_its_requests_are_in_progress_follows_by_itself(
    wired: Wired, tmp_path: Path
) -> None:
    wired.sandbox.configure(in_progress_seconds=3600.0)  # AppsFlyer holds the first jobs In progress
    wired.put_cost(cost_rows(IOS, range(1, 4)) + cost_rows(ANDROID, range(1, 3)))
    client = Client()
    client.force_login(wired.user)
    with workers_running(tmp_path, count=2, cron=True) as workers:
        response = client.post(reverse("submissions:send_now", args=[wired.network.code]))
        assert response.status_code == 302
        first = list(Submission.objects.values_list("pk", flat=True))
        assert len(first) == 2  # one request an app

        def read_in_progress() -> bool:
            jobs = Submission.objects.filter(pk__in=first)
            return all(s.state == State.SUBMITTED and s.status_polls >= 1 for s in jobs)

        wait_for(read_in_progress, timeout=60, message=workers.logs)
        # Ad ops correct both apps while AppsFlyer still works on the first requests.
        wired.put_cost(cost_rows(IOS, range(1, 3), spend="99") + cost_rows(ANDROID, range(1, 2), spend="77"))
        # AppsFlyer finishes them (its clock moves past their in-progress time); nobody touches the portal.
        wired.sandbox.configure(in_progress_seconds=1.0)
        wired.sandbox.advance(3600)

        def all_applied_and_followed() -> bool:
            states = set(Submission.objects.values_list("state", flat=True))
            return (
                states == {State.APPLIED}
                and Submission.objects.filter(trigger=Trigger.FOLLOW_UP).count() == 2
            )

        wait_for(
            all_applied_and_followed,
            timeout=120,
            message=lambda: f"{list(Submission.objects.values_list('trigger', 'state'))}\n{workers.logs()}",
        )
    follow_ups = Submission.objects.filter(trigger=Trigger.FOLLOW_UP)
    # Only the changed groups followed: two days of iOS, one of Android.
    changed = [(IOS, today(1)), (IOS, today(2)), (ANDROID, today(1))]
    carried = follow_ups.values_list("app__app_id", "groups__date")
    assert sorted((app, str(day)) for app, day in carried) == sorted(changed)
    assert_nothing_lost_nothing_doubled(wired)
