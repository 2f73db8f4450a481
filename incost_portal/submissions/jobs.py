"""RQ jobs: each takes ids, fetches, and calls one service (the token never travels in a job)."""

import dataclasses
from typing import Any

from django.contrib.auth import get_user_model

from incost_portal.networks.models import Network
from incost_portal.submissions.services.budget import freshness_run_due
from incost_portal.submissions.services.dispatch import submissions_dispatch_due
from incost_portal.submissions.services.planning import follow_up_plan, send_plan_create
from incost_portal.submissions.services.schedules import schedules_run_due
from incost_portal.submissions.services.sending import submission_poll, submission_send


def submission_send_job(submission_id: int) -> str | None:
    state = submission_send(submission_id=submission_id)
    return str(state) if state else None


def submission_poll_job(submission_id: int) -> str | None:
    state = submission_poll(submission_id=submission_id)
    return str(state) if state else None


def send_plan_job(
    network_id: int, trigger: str, user_id: int | None = None, days: int | None = None, force: bool = False
) -> dict[str, Any]:
    network = Network.objects.get(pk=network_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    plan = send_plan_create(network=network, trigger=trigger, user=user, days=days, force=force)
    return {"summary": plan.summary(), "requests": plan.requests}


def follow_up_job(submission_id: int) -> dict[str, Any] | None:
    plan = follow_up_plan(submission_id=submission_id)
    return {"summary": plan.summary(), "requests": plan.requests} if plan else None


def submissions_dispatch_job() -> dict[str, int]:
    return dataclasses.asdict(submissions_dispatch_due())


def schedules_run_job() -> int:
    return schedules_run_due()


def freshness_run_job() -> int:
    return freshness_run_due()
