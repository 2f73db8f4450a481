"""Shared steps of the alerts tests: evaluate as the cron tick does, run the queued jobs, read what
was received."""

import json
from datetime import datetime
from typing import Any

import django_rq
from django.test import TestCase
from rq.registry import ScheduledJobRegistry
from standardwebhooks.webhooks import Webhook

from incost_portal.alerts.services.conditions import Evaluation, conditions_evaluate
from incost_portal.networks.models import Network
from tests.receivers import Received


def evaluate(network: Network, now: datetime | None = None) -> Evaluation:
    """One evaluation, with its on-commit enqueues run (the test holds one transaction open)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return conditions_evaluate(network=network, now=now)


def jobs_run() -> None:
    """Run the queued jobs, and those they queue (a retry due at once), in this process as a worker
    would, until none is left; a job's error fails the test. django-rq holds an enqueue made inside
    a transaction until it commits, and the test holds one open: each round lets them out."""
    queues = [django_rq.get_queue(name) for name in ("default", "incost")]
    while any(queue.count for queue in queues):
        with TestCase.captureOnCommitCallbacks(execute=True):
            for queue in queues:
                for job_id in queue.job_ids:
                    queue.remove(job_id)
                    job = queue.fetch_job(job_id)
                    if job is not None:
                        job.perform()


def queues_empty() -> None:
    for name in ("default", "incost"):
        queue = django_rq.get_queue(name)
        queue.empty()
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def verified(received: Received, secret: str) -> dict[str, Any]:
    """The webhook's body, once its Standard Webhooks signature is verified with the secret (as a
    receiver does; raises WebhookVerificationError when it does not match)."""
    payload = Webhook(secret).verify(received.body, received.headers)
    assert payload == json.loads(received.body)
    return payload
