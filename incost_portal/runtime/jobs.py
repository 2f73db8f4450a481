"""Housekeeping jobs run by RQ cron (see incost_portal/cron.py)."""

from django.core.management import call_command

from incost_portal.api.idempotency import idempotent_requests_prune
from incost_portal.api.incost_compat.services import incost_jobs_prune
from incost_portal.costs.services import cost_upload_files_prune
from incost_portal.submissions.services.retention import (
    submission_events_summarise,
    submission_payloads_compress,
    submission_payloads_prune,
)


def sessions_clear() -> None:
    """Drop expired login sessions."""
    call_command("clearsessions")


# Batches per run: an hourly run removes up to this many batches of each kind, then stops.
PRUNE_BATCHES = 50


def storage_prune() -> dict[str, int]:
    """Retention (hourly): payloads and upload files past their periods, timelines summarised,
    payloads stored before compression compressed, API idempotency keys older than a day; each in
    small batches until none is left."""
    steps = {
        "payloads removed": submission_payloads_prune,
        "payloads compressed": submission_payloads_compress,
        "status reads removed": submission_events_summarise,
        "upload files removed": cost_upload_files_prune,
        "idempotency keys removed": idempotent_requests_prune,
        "InCost endpoint jobs removed": incost_jobs_prune,
    }
    done = dict.fromkeys(steps, 0)
    for name, step in steps.items():
        for _ in range(PRUNE_BATCHES):
            count = step()
            done[name] += count
            if not count:
                break
    return done
