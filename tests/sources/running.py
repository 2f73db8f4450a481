"""Sources as the tests drive them: a source made for a wired network, a run requested and worked
off by a worker in this process, the cost sent to the sandbox."""

from typing import Any

import django_rq

from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.services.config import source_create
from incost_portal.sources.services.runs import source_run_request
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.dispatch import submissions_dispatch_due
from incost_portal.submissions.services.planning import send_plan_create
from incost_portal.submissions.services.sending import submission_poll, submission_send
from tests.waiting import wait_for
from tests.wiring import QuietWorker, Wired


def jobs_run() -> None:
    """Run the queued jobs (and those they queue: retries) in this process until none is left."""
    django_rq.get_worker("incost", "default", worker_class=QuietWorker).work(burst=True)


def https_source(wired: Wired, url: str, **values: Any) -> Source:
    headers = values.pop("headers", None)
    return source_create(
        network=wired.network,
        user=wired.user,
        values={"name": values.pop("name", "Report"), "kind": "https", "url_template": url, **values},
        headers=headers,
    )


def run_now(source: Source, *, dry_run: bool = False) -> SourceRun:
    """Fetch now, and run the queued jobs (retries included) until none is left."""
    run = source_run_request(source=source, dry_run=dry_run)
    jobs_run()
    run.refresh_from_db()
    return run


def send_all(wired: Wired) -> None:
    """Plan every changed group and send and poll them, as the workers do, until all are final."""
    send_plan_create(network=wired.network)

    def nothing_in_flight() -> bool:
        submissions_dispatch_due()
        pending = list(Submission.objects.exclude(state__in=[State.APPLIED, State.FAILED]))
        for submission in pending:
            submission_send(submission_id=submission.pk)
            submission_poll(submission_id=submission.pk)
        return not pending

    wait_for(nothing_in_flight, interval=0.1, message=lambda: str(Submission.objects.values_list("state")))
    assert set(Submission.objects.values_list("state", flat=True)) == {State.APPLIED}
