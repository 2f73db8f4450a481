"""Putting submission work on the RQ queue. Only a submission's id travels; Redis being down loses
nothing, because the dispatcher finds due rows in the database and enqueues them again."""

import logging
from datetime import timedelta

import django_rq
import redis
from django.db import transaction

logger = logging.getLogger(__name__)
QUEUE = "incost"


def _enqueue(func_path: str, submission_id: int, delay_seconds: float) -> bool:
    try:
        queue = django_rq.get_queue(QUEUE)
        if delay_seconds > 0:
            queue.enqueue_in(timedelta(seconds=delay_seconds), func_path, submission_id)
        else:
            queue.enqueue(func_path, submission_id)
    except redis.RedisError as error:
        # The row is safe in the database: the dispatcher will enqueue it once Redis answers.
        logger.warning("Could not enqueue %s(%s): %s", func_path, submission_id, type(error).__name__)
        return False
    return True


def send_enqueue(submission_id: int, *, delay_seconds: float = 0) -> bool:
    return _enqueue("incost_portal.submissions.jobs.submission_send_job", submission_id, delay_seconds)


def poll_enqueue(submission_id: int, *, delay_seconds: float = 0) -> bool:
    return _enqueue("incost_portal.submissions.jobs.submission_poll_job", submission_id, delay_seconds)


def send_enqueue_on_commit(submission_id: int, *, delay_seconds: float = 0) -> None:
    transaction.on_commit(lambda: send_enqueue(submission_id, delay_seconds=delay_seconds))


def poll_enqueue_on_commit(submission_id: int, *, delay_seconds: float = 0) -> None:
    transaction.on_commit(lambda: poll_enqueue(submission_id, delay_seconds=delay_seconds))
