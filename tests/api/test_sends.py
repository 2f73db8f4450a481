"""Cost pushed through the API and sent with POST /api/v1/sends reaches the sandbox, Applied."""

from typing import Any

import pytest
from django.test import override_settings

from incost_portal.api.models import Scope
from incost_portal.api.services import api_key_create
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.dispatch import submissions_dispatch_due
from incost_portal.submissions.services.sending import submission_poll
from tests.api.conftest import ApiClient
from tests.builders import ANDROID, IOS, cost_rows, json_bytes
from tests.waiting import wait_for
from tests.wiring import Wired, queued_jobs_run

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {"INCOST_POLL_DELAY_SECONDS": 0, "INCOST_POLL_INTERVAL_SECONDS": 0, "INCOST_LIMITER_WAIT_SECONDS": 1}


def rows_of(app_id: str, days: range, spend: str) -> list[dict[str, Any]]:
    return [{**row, "spend": float(row["spend"])} for row in cost_rows(app_id, days, spend=spend)]


def all_applied() -> bool:
    """Run the queued sends (a burst SimpleWorker) and the status reads due, as the workers would."""
    submissions_dispatch_due()
    queued_jobs_run()
    for job in Submission.objects.filter(state=State.SUBMITTED):
        submission_poll(submission_id=job.pk)
    return not Submission.objects.exclude(state=State.APPLIED).exists()


@override_settings(**FAST)
def test_a_push_then_a_send_reaches_applied_and_the_ledger_equals_the_portal(
    live_server: Any, wired: Wired
) -> None:
    api = ApiClient(live_server.url, api_key_create(network=wired.network, name="etl", user=None).secret)
    pushed = api.post(
        "/api/v1/costs",
        data=json_bytes(rows_of(IOS, range(1, 4), "10.5") + rows_of(ANDROID, range(1, 3), "2")),
        headers={"Content-Type": "application/json"},
    )
    assert pushed.status_code == 200, pushed.text
    assert {g["state"] for g in api.get("/api/v1/groups").json()["items"]} == {"to_send"}

    sent = api.post("/api/v1/sends", json={}, headers={"Idempotency-Key": "send-1"})
    assert sent.status_code == 200, sent.text
    plan = sent.json()
    assert plan["trigger"] == "manual" and (plan["requests"], plan["groups_sent"]) == (2, 5)
    assert plan["summary"].startswith("5 changed group(s) in 2 request(s)")
    # A retry of the same send gets the same answer and plans nothing again.
    retried = api.post("/api/v1/sends", json={}, headers={"Idempotency-Key": "send-1"})
    assert retried.json() == plan and retried.headers["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 2
    wait_for(all_applied, message=lambda: str(list(Submission.objects.values_list("state", "error_code"))))
    assert wired.ledger() == wired.portal_totals()

    groups = api.get("/api/v1/groups").json()["items"]
    assert len(groups) == 5 and {g["state"] for g in groups} == {"applied"}
    assert all(g["matched_records_percentage"] is not None for g in groups)
    jobs = api.get("/api/v1/jobs").json()["items"]
    assert {job["state"] for job in jobs} == {"applied"} and all(job["appsflyer_job_id"] for job in jobs)
    detail = api.get(f"/api/v1/jobs/{jobs[0]['id']}").json()
    kinds = [event["kind"] for event in detail["events"]]
    assert kinds[0] == "queued" and "upload" in kinds and kinds[-1] == "applied"
    assert all(event["http_status"] == 200 for event in detail["events"] if event["kind"] == "upload")
    status = api.get("/api/v1/status").json()
    assert status["token"]["present"] and status["calls"]["used_today"] >= 4
    assert status["waiting"]["groups_not_applied"] == 0

    # Nothing changed: a backfill sends nothing again; a resend sends the job's groups anyway.
    backfill = api.post("/api/v1/sends", json={"days": 7}).json()
    assert backfill["trigger"] == "backfill" and backfill["requests"] == 0
    assert backfill["groups_unchanged"] == 5
    resent = api.post(f"/api/v1/jobs/{jobs[0]['id']}/resend")
    assert resent.status_code == 200 and resent.json()["requests"] == 1
    wait_for(all_applied)
    assert wired.ledger() == wired.portal_totals()


def test_sends_without_a_token_say_so(live_server: Any, cast: Any) -> None:
    key = api_key_create(network=cast.network, name="etl", scope=Scope.WRITE, user=None).secret
    plan = ApiClient(live_server.url, key).post("/api/v1/sends").json()
    assert plan["no_token"] and plan["summary"] == "Nothing was sent: the network has no AppsFlyer API token."
