"""The dispatcher: RQ cron runs it every minute. The database says what is due; the queue is a nudge.

It starts planned work whose time has come, re-enqueues due work whose job may have been lost
(Redis restarted, enqueue failed), and takes back claims that outlived their lease (a worker
killed mid-call). Taking back a send is safe because a later upload of the same app, date and
media source replaces the earlier one at AppsFlyer, and groups are never split across requests.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from incost_portal.submissions.models import Event, State, Submission, SubmissionEvent
from incost_portal.submissions.services.enqueue import poll_enqueue, send_enqueue

logger = logging.getLogger(__name__)


@dataclass
class DispatchResult:
    started: int = 0
    requeued: int = 0
    recovered: int = 0
    enqueue_failed: int = 0


def _recovered(submission: Submission, to: State, message: str, now: datetime) -> bool:
    if not submission.move(to, claimed_at=None, due_at=now):
        return False
    SubmissionEvent.objects.create(submission=submission, kind=Event.RECOVERED, ok=False, message=message)
    return True


def submissions_dispatch_due(
    *, now: datetime | None = None, requeue_after_seconds: int | None = None
) -> DispatchResult:
    """Start, re-enqueue and recover submissions so that every one reaches a final state."""
    now = now or timezone.now()
    result = DispatchResult()
    lease = timedelta(seconds=settings.SUBMISSION_LEASE_SECONDS)
    if requeue_after_seconds is None:
        requeue_after_seconds = settings.DISPATCH_REQUEUE_AFTER_SECONDS
    stale = now - timedelta(seconds=requeue_after_seconds)

    for submission in Submission.objects.filter(
        state__in=[State.SENDING, State.POLLING], claimed_at__lt=now - lease
    ):
        if submission.state == State.SENDING:
            done = _recovered(
                submission,
                State.NEEDS_RETRY,
                "The worker stopped during the upload; the request is sent again.",
                now,
            )
        else:
            done = _recovered(
                submission, State.SUBMITTED, "The worker stopped while reading the status.", now
            )
        result.recovered += int(done)

    for submission in Submission.objects.filter(
        state__in=[State.PLANNED, State.NEEDS_RETRY], due_at__lte=now
    ):
        if submission.move(State.QUEUED):
            SubmissionEvent.objects.create(submission=submission, kind=Event.QUEUED)
            result.started += 1
            result.enqueue_failed += int(not send_enqueue(submission.pk, submission.due_at))

    # Due and waiting longer than a worker would take to pick it up: its job may be gone. The
    # touch of updated_at spaces these nudges out, so a long backlog does not fill the queue.
    for state, enqueue in ((State.QUEUED, send_enqueue), (State.SUBMITTED, poll_enqueue)):
        waiting = Submission.objects.filter(state=state, due_at__lte=now, updated_at__lt=stale)
        rows = list(waiting.values_list("pk", "due_at")[:5000])
        Submission.objects.filter(pk__in=[pk for pk, _ in rows], state=state).update(updated_at=now)
        for submission_id, due_at in rows:
            result.requeued += 1
            result.enqueue_failed += int(not enqueue(submission_id, due_at))
    if result.recovered or result.enqueue_failed:
        logger.info("Dispatch: %s", result)
    return result
