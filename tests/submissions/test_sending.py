"""Plan, send and poll against the sandbox over HTTP, one step at a time (the workers' services)."""

import json
import time
import uuid
from datetime import timedelta

import django_rq
import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rq.job import Job, JobStatus

from incost_portal.costs.models import CostGroupTotal
from incost_portal.incost.limiter import limiter_default
from incost_portal.submissions.models import IllegalTransition, State, Submission, SubmissionEvent, Trigger
from incost_portal.submissions.services.dispatch import submissions_dispatch_due
from incost_portal.submissions.services.enqueue import QUEUE, job_id_for
from incost_portal.submissions.services.planning import send_plan_create, submission_resend
from incost_portal.submissions.services.sending import submission_poll, submission_send
from tests.builders import ANDROID, IOS, cost_rows, day
from tests.waiting import wait_for
from tests.wiring import Wired, queued_jobs_run

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {
    "INCOST_POLL_DELAY_SECONDS": 0,
    "INCOST_POLL_INTERVAL_SECONDS": 0,
    "INCOST_RETRY_SERVER_ISSUE_SECONDS": 0,
    "INCOST_RETRY_ERROR_PROCESSING_SECONDS": 0,
    "INCOST_RETRY_BACKOFF_SECONDS": 0,
    "INCOST_LIMITER_WAIT_SECONDS": 1,
}


def drive() -> None:
    """Do what the workers do, in this process, until nothing is left in flight."""

    def nothing_in_flight() -> bool:
        submissions_dispatch_due()
        pending = list(Submission.objects.exclude(state__in=[State.APPLIED, State.FAILED]))
        for submission in pending:
            submission_send(submission_id=submission.pk)
            submission_poll(submission_id=submission.pk)
        return not pending

    wait_for(
        nothing_in_flight,
        interval=0.1,
        message=lambda: f"still in flight: {list(Submission.objects.values_list('state', 'error_code'))}",
    )


@override_settings(**FAST)
def test_changed_cost_reaches_applied_and_the_ledger_equals_the_portal(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 4)) + cost_rows(ANDROID, range(1, 3), geos=("US", "DE")))
    plan = send_plan_create(network=wired.network, trigger=Trigger.MANUAL, user=wired.user)
    assert (plan.requests, plan.queued_now, plan.groups_sent) == (2, 2, 5)
    ios = Submission.objects.get(app=wired.ios)
    assert ios.state == State.QUEUED and ios.row_count == 6
    body = json.loads(ios.payload_body)
    assert {row["app_id"] for row in body} == {IOS} and isinstance(body[0]["spend"], float)

    assert submission_send(submission_id=ios.pk) == State.SUBMITTED
    ios.refresh_from_db()
    assert ios.job_id and ios.upload_attempts == 1
    drive()
    assert set(Submission.objects.values_list("state", flat=True)) == {State.APPLIED}
    assert wired.ledger() == wired.portal_totals()
    applied = Submission.objects.get(app=wired.ios)
    assert applied.matched_records_percentage is not None
    kinds = list(applied.events.values_list("kind", flat=True))
    assert kinds[0] == "queued" and "upload" in kinds and kinds[-1] == "applied"


@override_settings(**FAST)
def test_the_totals_say_which_groups_hold_what_was_applied(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 4)))
    send_plan_create(network=wired.network)
    assert not CostGroupTotal.objects.filter(applied=True).exists()  # planned, not Applied yet
    drive()
    assert set(CostGroupTotal.objects.values_list("applied", flat=True)) == {True}
    # A correction of one day: that group waits again, the others stay Applied.
    wired.put_cost(cost_rows(IOS, range(2, 3), spend="99.5"))
    waiting = CostGroupTotal.objects.filter(applied=False)
    assert [total.date for total in waiting] == [day(2)]
    send_plan_create(network=wired.network)
    drive()
    assert set(CostGroupTotal.objects.values_list("applied", flat=True)) == {True}


@override_settings(**FAST)
def test_only_changed_groups_are_sent_again(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 4)))
    send_plan_create(network=wired.network)
    drive()
    again = send_plan_create(network=wired.network)
    assert (again.requests, again.groups_unchanged) == (0, 3)

    wired.put_cost(cost_rows(IOS, range(2, 3), spend="99.25"))  # a correction of one day
    plan = send_plan_create(network=wired.network)
    assert (plan.requests, plan.groups_sent, plan.groups_unchanged) == (1, 1, 2)
    drive()
    assert wired.ledger() == wired.portal_totals()  # replaced, not added


@override_settings(**FAST)
def test_a_group_changed_in_flight_follows_by_itself_when_its_request_ends(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 3)))
    first = send_plan_create(network=wired.network)
    assert first.requests == 1
    submission_send(submission_id=Submission.objects.get().pk)  # on its way at AppsFlyer
    wired.put_cost(cost_rows(IOS, range(1, 2), spend="11"))  # one of its two groups changes
    plan = send_plan_create(network=wired.network)
    assert (plan.requests, plan.groups_following, plan.groups_in_flight) == (0, 1, 1)
    assert "follow by themselves as soon as those requests end" in plan.summary()
    drive()  # the first request is Applied: its groups are planned again, no one presses anything
    queued_jobs_run()  # the follow-up job, and the send it queues
    drive()
    follow_up = Submission.objects.get(trigger=Trigger.FOLLOW_UP)
    assert follow_up.state == State.APPLIED and follow_up.groups.count() == 1  # only the changed one
    assert wired.ledger() == wired.portal_totals()  # the latest rows, nothing counted twice
    queued_jobs_run()  # the follow-up's own follow-up finds nothing changed: no request, no noise
    assert Submission.objects.count() == 2


@override_settings(**FAST)
def test_a_validation_error_is_final_until_the_data_changes(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 2), source="unregistered_int"))
    send_plan_create(network=wired.network)
    drive()
    failed = Submission.objects.get()
    assert failed.state == State.FAILED and failed.error_code == "ic213"
    assert "unregistered_int" in failed.error_message
    again = send_plan_create(network=wired.network)
    assert (again.requests, again.groups_failed_unchanged) == (0, 1)
    # A user who insists can resend it.
    assert submission_resend(network=wired.network, submission=failed, user=wired.user).requests == 1


@override_settings(**FAST)
def test_server_trouble_is_retried_until_applied(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 3)))
    wired.sandbox.configure(ic300_share=1.0)
    send_plan_create(network=wired.network)
    submission = Submission.objects.get()
    assert submission_send(submission_id=submission.pk) == State.NEEDS_RETRY
    submission.refresh_from_db()
    assert submission.error_code == "ic300"
    wired.sandbox.configure(ic300_share=0.0, processing_error_share=1.0)
    submissions_dispatch_due()
    assert submission_send(submission_id=submission.pk) == State.SUBMITTED
    assert submission_poll(submission_id=submission.pk) == State.NEEDS_RETRY  # Error processing data
    wired.sandbox.configure(processing_error_share=0.0)
    drive()
    submission.refresh_from_db()
    assert submission.state == State.APPLIED and submission.upload_attempts == 3
    assert wired.ledger() == wired.portal_totals()


@override_settings(**FAST)
def test_requests_beyond_todays_budget_wait_for_tomorrow(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 3)) + cost_rows(ANDROID, range(1, 3)))
    limiter, fingerprint = limiter_default(), wired.network.api_tokens.get().fingerprint
    limiter.reset(fingerprint)
    for _ in range(limiter.limits["incost"][1] - 5):  # the day's calls, all but five, are used
        limiter.redis.zadd(f"{limiter.prefix}:{fingerprint}:incost:day", {uuid.uuid4().hex: time.time()})
    with override_settings(INCOST_MAX_REQUEST_BYTES=400):  # one group a request: 4 requests
        plan = send_plan_create(network=wired.network)
    limiter.reset(fingerprint)
    assert (plan.requests, plan.queued_now, plan.waiting_for_budget) == (4, 2, 2)
    assert "wait for tomorrow's call budget" in plan.summary()
    later = Submission.objects.filter(state=State.PLANNED)
    assert later.count() == 2
    assert all(s.due_at > timezone.now() + timedelta(hours=23) for s in later)


def test_states_refuse_impossible_moves_and_claims_are_exclusive(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 2)))
    send_plan_create(network=wired.network)
    first, second = Submission.objects.get(), Submission.objects.get()
    with pytest.raises(IllegalTransition):
        first.move(State.APPLIED)
    assert first.move(State.SENDING, claimed_at=timezone.now())
    assert not second.move(State.SENDING, claimed_at=timezone.now())  # the other worker loses


@override_settings(**FAST, SUBMISSION_LEASE_SECONDS=1)
def test_the_dispatcher_takes_back_a_dead_workers_claim(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 2)))
    send_plan_create(network=wired.network)
    submission = Submission.objects.get()
    submission.move(State.SENDING, claimed_at=timezone.now() - timedelta(seconds=5))  # then the worker died
    result = submissions_dispatch_due()
    assert result.recovered == 1
    submission.refresh_from_db()
    assert submission.state == State.QUEUED
    assert SubmissionEvent.objects.filter(submission=submission, kind="recovered").exists()
    drive()
    assert wired.ledger() == wired.portal_totals()


@pytest.mark.parametrize("killed", ["before it started the job", "while it ran the job"])
@override_settings(**FAST)
def test_a_job_lost_with_a_killed_worker_is_enqueued_again(wired: Wired, killed: str) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 2)))
    send_plan_create(network=wired.network)
    submission = Submission.objects.get()
    queue = django_rq.get_queue(QUEUE)
    job_id = job_id_for("send", submission.pk, submission.due_at)
    assert queue.get_job_position(job_id) == 0
    # A worker takes the job off the queue (RQ moves it to its intermediate list) and is killed.
    queue.connection.lmove(queue.key, queue.intermediate_queue_key)
    if killed == "while it ran the job":
        Job.fetch(job_id, connection=queue.connection).set_status(JobStatus.STARTED)
    assert queue.get_job_position(job_id) is None

    result = submissions_dispatch_due(requeue_after_seconds=0)
    assert result.requeued == 1 and not result.enqueue_failed
    assert queue.get_job_position(job_id) == 0  # on the queue again, for the next worker
    # A job that waits in the queue is not added twice by the next nudge.
    submissions_dispatch_due(requeue_after_seconds=0)
    assert queue.count == 1
    drive()
    assert wired.ledger() == wired.portal_totals()


@pytest.mark.parametrize(
    ("fault", "waits"),
    [
        # AppsFlyer's own words: try again in 10 minutes (ic300), 15 minutes (Error processing data).
        ({"ic300_share": 1.0}, [600, 600]),
        ({"processing_error_share": 1.0}, [900, 900]),
        # A server error or a dropped connection: backoff from 30 s, doubling.
        ({"server_error_share": 1.0}, [30, 60, 120]),
        ({"dropped_connection_share": 1.0}, [30, 60, 120]),
    ],
    ids=["ic300", "error processing data", "server error", "dropped connection"],
)
def test_each_retry_waits_as_long_as_the_spec_says(
    wired: Wired, fault: dict[str, float], waits: list[int]
) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 2)))
    send_plan_create(network=wired.network)
    submission = Submission.objects.get()
    wired.sandbox.configure(**fault)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        for wait in waits:
            before = timezone.now()
            if submission_send(submission_id=submission.pk) == State.SUBMITTED:
                # Error processing data is how the job ends: read once its poll is due.
                clock.shift(settings.INCOST_POLL_DELAY_SECONDS)
                before = timezone.now()
                submission_poll(submission_id=submission.pk)
            after = timezone.now()
            submission.refresh_from_db()
            assert submission.state == State.NEEDS_RETRY
            assert before + timedelta(seconds=wait) <= submission.due_at <= after + timedelta(seconds=wait)
            # Not a moment sooner, whoever asks: a worker, or the dispatcher.
            clock.shift(wait - 1)
            submissions_dispatch_due()
            assert submission_send(submission_id=submission.pk) is None
            submission.refresh_from_db()
            assert submission.state == State.NEEDS_RETRY
            clock.shift(1)
