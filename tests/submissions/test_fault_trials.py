"""Fifty trials of killing every worker (SIGKILL) at a random moment of a send, against a sandbox
that is slow and fails now and then. After each trial every group is Applied and the sandbox's
ledger equals the portal's current cost: nothing lost, nothing counted twice, no ic111."""

import os
import random
from pathlib import Path

import pytest
from django.test import override_settings

from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.planning import send_plan_create
from tests.builders import ANDROID, IOS, cost_rows
from tests.submissions.test_workers import FAST, assert_nothing_lost_nothing_doubled, settle
from tests.submissions.workers import (
    NO_WAITS,
    SHORT_MINUTE,
    SHORT_MINUTE_SECONDS,
    as_settings,
    workers_running,
)
from tests.waiting import wait_for
from tests.wiring import Wired

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TRIALS = int(os.environ.get("FAULT_TRIALS", "50"))
LATENCY_SECONDS = 0.25
# A lease a little longer than a send takes: a claim of a killed worker comes back soon.
LEASE = {"SUBMISSION_LEASE_SECONDS": "1", "DISPATCH_REQUEUE_AFTER_SECONDS": "1"}


@FAST
def test_workers_killed_at_random_moments(wired: Wired, tmp_path: Path) -> None:
    rng = random.Random(2026)
    wired.sandbox.configure(
        latency_ms=int(LATENCY_SECONDS * 1000),
        in_progress_seconds=0.0,
        minute_seconds=SHORT_MINUTE_SECONDS,
        server_error_share=0.05,
        dropped_connection_share=0.05,
        seed=5,
    )
    wired.put_cost(cost_rows(IOS, range(1, 5)) + cost_rows(ANDROID, range(1, 5)))
    env = {**NO_WAITS, **SHORT_MINUTE, **LEASE}
    killed_while_sending = 0
    with (
        workers_running(tmp_path, count=2, **env) as workers,
        override_settings(**as_settings(env)),
    ):
        for trial in range(TRIALS):
            # A correction of some days: their groups change and are sent again.
            days = range(1 + trial % 4, 2 + trial % 4)
            spend = f"{10 + trial}.{rng.randint(0, 99):02d}"
            wired.put_cost(cost_rows(IOS, days, spend=spend) + cost_rows(ANDROID, days, spend=spend))
            uploads_before = upload_count(wired)
            with override_settings(INCOST_MAX_REQUEST_BYTES=1024):
                assert send_plan_create(network=wired.network).requests >= 1
            # Kill at a moment of a send chosen at random, each a condition (never a clock): while
            # the upload is at the sandbox and the worker waits for its answer, or once no request
            # is being sent any more (between two sends, or before a status read).
            wait_for(lambda: upload_count(wired) > uploads_before, message=workers.logs)  # noqa: B023
            if rng.random() < 0.5:
                wait_for(
                    lambda: not Submission.objects.filter(state=State.SENDING).exists(), message=workers.logs
                )
            killed_while_sending += Submission.objects.filter(state=State.SENDING).exists()
            workers.kill_all()
            workers.start(2)
            settle(wired, workers)
            assert_nothing_lost_nothing_doubled(wired)
    # The kills did land in the middle of sends, not only between them.
    assert killed_while_sending >= TRIALS // 5, killed_while_sending


def upload_count(wired: Wired) -> int:
    calls = wired.sandbox.get("/sandbox/calls", partner=wired.partner)["calls"]
    return sum(call["method"] == "POST" for call in calls)
