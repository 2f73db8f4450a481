"""Sending one submission and following its job to a final status, as RQ workers do it.

Each step first claims the row (a conditional state change), so two workers never send or poll
the same submission; every call to AppsFlyer leaves a SubmissionEvent with its outcome. No
database transaction is held open across an HTTP call.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incost_portal.costs.row_store import AppliedGroup, group_applied_record
from incost_portal.incost import codes
from incost_portal.incost.answers import InCostError, JobStatus
from incost_portal.incost.services import incost_client_for
from incost_portal.submissions.models import Event, State, Submission, SubmissionEvent
from incost_portal.submissions.services.enqueue import follow_up_enqueue, poll_enqueue, send_enqueue

logger = logging.getLogger(__name__)

# Codes after which the same request can pass later, and the spec's wait for each.
_SPEC_WAITS = {
    "ic111": "INCOST_RETRY_RATE_LIMIT_SECONDS",
    "ic300": "INCOST_RETRY_SERVER_ISSUE_SECONDS",
}


def _backoff(attempt: int) -> int:
    base = settings.INCOST_RETRY_BACKOFF_SECONDS
    return int(min(base * 2 ** max(attempt - 1, 0), settings.INCOST_RETRY_MAX_BACKOFF_SECONDS))


def _retry_wait(error: InCostError, attempt: int) -> int:
    if error.code in _SPEC_WAITS:
        return int(getattr(settings, _SPEC_WAITS[error.code]))
    if error.retry_after_seconds is not None:
        return error.retry_after_seconds
    return _backoff(attempt)


def _poll_interval(polls_done: int) -> int:
    base = settings.INCOST_POLL_INTERVAL_SECONDS
    return int(min(base * 2 ** max(polls_done - 1, 0), settings.INCOST_POLL_MAX_INTERVAL_SECONDS))


def _event(submission: Submission, kind: Event, *, started: float | None = None, **fields: object) -> None:
    duration = int((time.monotonic() - started) * 1000) if started is not None else None
    SubmissionEvent.objects.create(submission=submission, kind=kind, duration_ms=duration, **fields)


def _error_event(submission: Submission, kind: Event, error: InCostError, started: float) -> None:
    _event(
        submission,
        kind,
        started=started,
        ok=False,
        http_status=error.http_status,
        code=error.code,
        message=error.message[:2000],
    )


def submission_send(*, submission_id: int) -> State | None:
    """Upload a due submission. Returns the state it was left in, or None if it was not ours to send."""
    submission = Submission.objects.select_related("app", "network").filter(pk=submission_id).first()
    if submission is None:
        return None
    now = timezone.now()
    if submission.state == State.NEEDS_RETRY and submission.due_at <= now:
        submission.move(State.QUEUED)
    if submission.state != State.QUEUED or submission.due_at > now:
        return None
    attempt = submission.upload_attempts + 1
    if not submission.move(State.SENDING, claimed_at=now, upload_attempts=attempt):
        return None  # another worker has it

    started = time.monotonic()
    try:
        client = incost_client_for(
            network=submission.network, limiter_wait_seconds=settings.INCOST_LIMITER_WAIT_SECONDS
        )
        try:
            accepted = client.upload(app_id=submission.app.app_id, body=_body(submission))
        finally:
            client.close()
    except InCostError as error:
        return _upload_failed(submission, error, attempt, started)

    _event(submission, Event.UPLOAD, started=started, http_status=200, message=f"job id {accepted.job_id}")
    delay = settings.INCOST_POLL_DELAY_SECONDS
    moved = submission.move(
        State.SUBMITTED,
        job_id=accepted.job_id,
        submitted_at=timezone.now(),
        due_at=timezone.now() + timedelta(seconds=delay),
        claimed_at=None,
        error_code="",
        error_message="",
    )
    if not moved:
        # The reconciler took the row back while we waited (a lease shorter than this call):
        # it will be sent again, which replaces this upload's groups at AppsFlyer.
        logger.warning(
            "Submission %s answered after its lease; job %s is superseded", submission.pk, accepted.job_id
        )
        return None
    poll_enqueue(submission.pk, submission.due_at)
    return State.SUBMITTED


def _upload_failed(submission: Submission, error: InCostError, attempt: int, started: float) -> State:
    nothing_sent = error.http_status is None and error.code in ("ic111", "limiter_unavailable", "no_token")
    if nothing_sent:
        # The limiter (or a missing token) stopped the call before it left: not an attempt.
        wait = error.retry_after_seconds or _backoff(1)
        if error.code == "no_token":
            wait = settings.INCOST_RETRY_MAX_BACKOFF_SECONDS
            _error_event(submission, Event.UPLOAD, error, started)
        submission.move(
            State.QUEUED,
            upload_attempts=attempt - 1,
            due_at=timezone.now() + timedelta(seconds=wait),
            claimed_at=None,
            error_code=error.code if error.code == "no_token" else submission.error_code,
            error_message=error.message if error.code == "no_token" else submission.error_message,
        )
        send_enqueue(submission.pk, submission.due_at)
        return State.QUEUED

    _error_event(submission, Event.UPLOAD, error, started)
    if error.retryable and attempt < settings.INCOST_MAX_UPLOAD_ATTEMPTS:
        wait = _retry_wait(error, attempt)
        submission.move(
            State.NEEDS_RETRY,
            due_at=timezone.now() + timedelta(seconds=wait),
            claimed_at=None,
            error_code=error.code,
            error_message=error.message[:2000],
        )
        _event(submission, Event.RETRY, message=f"next attempt in {wait} s")
        send_enqueue(submission.pk, submission.due_at)
        return State.NEEDS_RETRY

    message = error.message if not error.retryable else f"Gave up after {attempt} attempts: {error.message}"
    if submission.move(State.FAILED, claimed_at=None, error_code=error.code, error_message=message[:2000]):
        _follow_up(submission)
    _event(submission, Event.FAILED, ok=False, code=error.code, message=message[:2000])
    return State.FAILED


def submission_poll(*, submission_id: int) -> State | None:
    """Read a submitted job's status once and move the submission on. None if it was not due or not ours."""
    submission = Submission.objects.select_related("app", "network").filter(pk=submission_id).first()
    now = timezone.now()
    if submission is None or submission.state != State.SUBMITTED or submission.due_at > now:
        return None
    if not submission.move(State.POLLING, claimed_at=now):
        return None

    polls = submission.status_polls + 1
    started = time.monotonic()
    try:
        client = incost_client_for(
            network=submission.network, limiter_wait_seconds=settings.INCOST_LIMITER_WAIT_SECONDS
        )
        try:
            status = client.job_status(app_id=submission.app.app_id, job_id=submission.job_id)
        finally:
            client.close()
    except InCostError as error:
        return _poll_failed(submission, error, polls, started)

    _event(
        submission,
        Event.STATUS,
        started=started,
        ok=status.status not in (codes.VALIDATION_ERROR, codes.FAILED, codes.PROCESSING_ERROR),
        http_status=200,
        code=status.error_code,
        message=_status_words(status),
    )
    return _status_applied_to(submission, status, polls)


def _status_words(status: JobStatus) -> str:
    words = status.status
    if status.matched_records_percentage is not None:
        words += f", matched records {status.matched_records_percentage}%"
    if status.error_message:
        words += f": {status.error_message}"
    return words[:2000]


def _status_applied_to(submission: Submission, status: JobStatus, polls: int) -> State:
    if status.status == codes.APPLIED:
        # One transaction: a request is never Applied without costs knowing what it carried.
        with transaction.atomic():
            moved = submission.move(
                State.APPLIED,
                status_polls=polls,
                claimed_at=None,
                matched_records_percentage=status.matched_records_percentage,
                error_code="",
                error_message="",
            )
            if moved:
                submission_applied_record(submission)
                _follow_up(submission)
        _event(submission, Event.APPLIED)
        return State.APPLIED
    if status.status in (codes.VALIDATION_ERROR, codes.FAILED):
        code = status.error_code or (
            "validation_error" if status.status == codes.VALIDATION_ERROR else "failed"
        )
        message = status.error_message or status.status
        if submission.move(
            State.FAILED, status_polls=polls, claimed_at=None, error_code=code, error_message=message
        ):
            _follow_up(submission)
        _event(submission, Event.FAILED, ok=False, code=code, message=message[:2000])
        return State.FAILED
    if status.status == codes.PROCESSING_ERROR:
        # AppsFlyer's own trouble: the same request is sent again after the spec's wait.
        wait = settings.INCOST_RETRY_ERROR_PROCESSING_SECONDS
        submission.move(
            State.NEEDS_RETRY,
            status_polls=polls,
            claimed_at=None,
            due_at=timezone.now() + timedelta(seconds=wait),
            error_code="error_processing",
            error_message="AppsFlyer reported Error processing data; the request is sent again.",
        )
        _event(submission, Event.RETRY, message=f"sent again in {wait} s")
        send_enqueue(submission.pk, submission.due_at)
        return State.NEEDS_RETRY
    # In progress (or a status we do not know yet): look again later.
    wait = _poll_interval(polls)
    submission.move(
        State.SUBMITTED, status_polls=polls, claimed_at=None, due_at=timezone.now() + timedelta(seconds=wait)
    )
    poll_enqueue(submission.pk, submission.due_at)
    return State.SUBMITTED


def submission_applied_record(submission: Submission) -> None:
    """Tell costs what AppsFlyer now holds of each group this Applied request carried: the
    groups' totals then say whether they still hold it (the dashboard's Applied days)."""
    carried = submission.groups.values_list("app_id", "date", "media_source", "spend", "row_count")
    group_applied_record(
        network_id=submission.network_id,
        currency=submission.currency,
        request_id=submission.pk,
        request_created_at=submission.created_at,
        groups=[AppliedGroup(*group) for group in carried],
    )


def _poll_failed(submission: Submission, error: InCostError, polls: int, started: float) -> State:
    nothing_sent = error.http_status is None and error.code in ("ic111", "limiter_unavailable", "no_token")
    if not nothing_sent:
        _error_event(submission, Event.STATUS, error, started)
    if error.code == "ic224":
        # AppsFlyer does not know the job: the upload did not take. Send it again.
        submission.move(
            State.NEEDS_RETRY,
            status_polls=polls,
            claimed_at=None,
            due_at=timezone.now(),
            job_id="",
            error_code=error.code,
            error_message=error.message[:2000],
        )
        send_enqueue(submission.pk, submission.due_at)
        return State.NEEDS_RETRY
    wait = _retry_wait(error, polls) if error.retryable or nothing_sent else _poll_interval(polls)
    submission.move(
        State.SUBMITTED,
        status_polls=polls - 1 if nothing_sent else polls,
        claimed_at=None,
        due_at=timezone.now() + timedelta(seconds=wait),
    )
    poll_enqueue(submission.pk, submission.due_at)
    return State.SUBMITTED


def _body(submission: Submission) -> bytes:
    body = submission.payload_body
    if body is None:  # retention removes payloads of finished requests only
        raise RuntimeError(f"The payload of submission {submission.pk} was removed while it was on its way.")
    return body


def _follow_up(submission: Submission) -> None:
    """The request ended: its groups are planned again once this commits (see follow_up_plan)."""
    pk = submission.pk
    transaction.on_commit(lambda: follow_up_enqueue(submission_id=pk))
