"""Two worker processes, three runs of one source requested at once: the runs never overlap (the
report never sees two requests of the source at the same time), and each ends accepted."""

import threading
from pathlib import Path

import pytest

from incost_portal.sources.models import SourceRun
from incost_portal.sources.services.runs import source_run_request
from tests.builders import IOS, cost_rows, csv_bytes
from tests.sources.reports import Reports
from tests.sources.running import https_source
from tests.sources.test_s3 import WORKER_SETTINGS
from tests.submissions.workers import workers_running
from tests.waiting import wait_for
from tests.wiring import Wired

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_runs_of_one_source_never_overlap(wired: Wired, reports: Reports, tmp_path: Path) -> None:
    # Each answer takes a moment (the event is never set: it is the report's latency).
    reports.set(
        "/cost.csv", body=csv_bytes(cost_rows(IOS, range(1, 3))), delay=threading.Event(), delay_seconds=0.5
    )
    source = https_source(wired, reports.url("/cost.csv"))
    with workers_running(tmp_path, count=2, **WORKER_SETTINGS) as workers:
        runs = [source_run_request(source=source) for _ in range(3)]

        def all_final() -> bool:
            return all(run.is_final for run in SourceRun.objects.filter(pk__in=[r.pk for r in runs]))

        wait_for(all_final, timeout=90, message=workers.logs)
    outcomes = set(SourceRun.objects.values_list("outcome", flat=True))
    assert outcomes == {SourceRun.Outcome.SUCCEEDED}
    assert len(reports.requests_to("/cost.csv")) == 3
    assert reports.most_in_flight == 1
