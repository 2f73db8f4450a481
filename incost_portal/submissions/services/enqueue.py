"""Putting submission work on the RQ queue. Only a submission's id travels; Redis being down loses
nothing, because the dispatcher finds due rows in the database and enqueues them again.

A job's id names the submission, the step and the time it is due for, so enqueueing the same step
twice (the dispatcher's nudge while the first job still waits in the queue) adds nothing.
"""

import logging
from datetime import datetime, timedelta

import django_rq
import redis
from django.db import transaction
from django.utils import timezone
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.queue import Queue

logger = logging.getLogger(__name__)
QUEUE = "incost"
SEND = "incost_portal.submissions.jobs.submission_send_job"
POLL = "incost_portal.submissions.jobs.submission_poll_job"
# RQ's scheduler moves due jobs to the queue every second or so.
SCHEDULER_GRACE_SECONDS = 5


def job_id_for(step: str, submission_id: int, due_at: datetime) -> str:
    return f"{step}-{submission_id}-{int(due_at.timestamp() * 1000)}"


def _enqueue(func_path: str, step: str, submission_id: int, due_at: datetime) -> bool:
    job_id = job_id_for(step, submission_id, due_at)
    try:
        queue = django_rq.get_queue(QUEUE)
        now = timezone.now()
        if _job_waits(queue, job_id, due_at, now):
            return True
        if due_at > now:
            queue.enqueue_at(_whole_second_after(due_at), func_path, submission_id, job_id=job_id)
        else:
            queue.enqueue(func_path, submission_id, job_id=job_id)
    except redis.RedisError as error:
        # The row is safe in the database: the dispatcher will enqueue it once Redis answers.
        logger.warning("Could not enqueue %s: %s", job_id, type(error).__name__)
        return False
    return True


def _job_waits(queue: Queue, job_id: str, due_at: datetime, now: datetime) -> bool:
    """Whether the step's job will still run by itself, so enqueueing it again adds nothing.

    Only a job in the queue's list, or scheduled and not yet overdue, will. A job whose status says
    queued but that is in no list was taken by a worker killed before it started it (RQ's
    intermediate queue); one that says started, while its submission still waits for that step, ran
    in a worker that died (a live one claims the row in milliseconds). Both are run again.
    """
    try:
        status = Job.fetch(job_id, connection=queue.connection).get_status()
    except NoSuchJobError:
        return False
    if status == JobStatus.SCHEDULED:
        # Past its time it is stuck (its scheduler died with a killed worker and still holds the
        # lock): queue it now rather than wait for the lock to expire.
        return due_at >= now - timedelta(seconds=SCHEDULER_GRACE_SECONDS)
    return status == JobStatus.QUEUED and queue.get_job_position(job_id) is not None


def _whole_second_after(due_at: datetime) -> datetime:
    """RQ keeps a scheduled time in whole seconds, dropping the fraction, so a job could run up to a
    second before its submission is due, find nothing to do, and leave it to the dispatcher."""
    return due_at.replace(microsecond=0) + timedelta(seconds=1) if due_at.microsecond else due_at


def send_enqueue(submission_id: int, due_at: datetime) -> bool:
    return _enqueue(SEND, "send", submission_id, due_at)


def poll_enqueue(submission_id: int, due_at: datetime) -> bool:
    return _enqueue(POLL, "poll", submission_id, due_at)


def send_enqueue_on_commit(submission_id: int, due_at: datetime) -> None:
    transaction.on_commit(lambda: send_enqueue(submission_id, due_at))


def follow_up_enqueue(*, submission_id: int) -> bool:
    """Plan the groups of an ended request again, in a worker (see planning.follow_up_plan); the
    next schedule or Send now covers a job Redis lost."""
    try:
        django_rq.get_queue(QUEUE).enqueue("incost_portal.submissions.jobs.follow_up_job", submission_id)
    except redis.RedisError as error:
        logger.warning(
            "Could not enqueue the follow-up of submission %s: %s", submission_id, type(error).__name__
        )
        return False
    return True


def send_plan_enqueue(
    *, network_id: int, trigger: str, user_id: int | None = None, days: int | None = None
) -> bool:
    """Plan in a worker (planning a large network takes a while); the schedule covers a lost job."""
    try:
        django_rq.get_queue(QUEUE).enqueue(
            "incost_portal.submissions.jobs.send_plan_job", network_id, trigger, user_id, days
        )
    except redis.RedisError as error:
        logger.warning("Could not enqueue a send plan for network %s: %s", network_id, type(error).__name__)
        return False
    return True
