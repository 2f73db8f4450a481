"""The portal's own InCost client, pointed at the portal's /incost/ with a portal key as its token,
uploads and polls; the portal stores, plans, sends to the sandbox and reads AppsFlyer's answer
(workers run in this process, RQ's burst SimpleWorker), and the job reaches Applied."""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from incost_portal.api.services import PREFIX_LENGTH
from incost_portal.incost.answers import JobStatus
from incost_portal.incost.client import InCostClient
from incost_portal.incost.codes import TERMINAL_STATUSES
from incost_portal.submissions.models import State, Submission
from tests.api.incost_compat import APPS, Compat, Speaker
from tests.builders import IOS, body, day, incost_row, today
from tests.hardening.secrets_scan import database_dump, every_log_at_debug, pieces_found, redis_dump
from tests.waiting import wait_for
from tests.wiring import queued_jobs_run

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {
    "INCOST_COMPAT_SEND_DELAY_SECONDS": 0,
    "INCOST_POLL_DELAY_SECONDS": 0,
    "INCOST_POLL_INTERVAL_SECONDS": 0,
    "INCOST_LIMITER_WAIT_SECONDS": 1,
}


def client_of(compat: Compat) -> InCostClient:
    return InCostClient(base_url=compat.write.base, token=compat.write.token or "")


def finished(client: InCostClient, job_id: str) -> JobStatus:
    """Run the workers and read the job until it ends, as a caller polling the portal would."""

    def ended() -> JobStatus | None:
        queued_jobs_run()
        status = client.job_status(app_id=IOS, job_id=job_id)
        return status if status.status in TERMINAL_STATUSES else None

    return wait_for(ended, timeout=60, interval=0.1, message=lambda: str(list(Submission.objects.values())))


@override_settings(**FAST)
def test_the_portals_client_uploads_through_the_portal_and_reaches_applied(
    compat: Compat, sandbox: Any
) -> None:
    # Clicks stay in the session's sandbox: a campaign of this test's own, so no other test matches them.
    clicked = f"k{uuid.uuid4().hex[:12]}"
    clicks = {"app_id": IOS, "media_source": "acme_int", "campaign_id": clicked, "count": 5}
    sandbox.post("/sandbox/clicks", clicks)
    client = client_of(compat)
    rows = [
        incost_row(campaign_id=clicked),
        incost_row(campaign_id=f"{clicked}x"),
        incost_row(campaign_id=clicked, date=today(2), spend=4),
    ]
    accepted = client.upload(app_id=IOS, body=body(*rows))
    assert client.job_status(app_id=IOS, job_id=accepted.job_id).status == "In progress"

    status = finished(client, accepted.job_id)
    assert status.status == "Applied"
    # Two of the three rows have clicks at AppsFlyer: its jobs matched 2/3 of what this job carried.
    assert status.matched_records_percentage == Decimal("66.67")
    assert (status.date_from, status.date_to) == (day(2), day(1))
    assert compat.wired.ledger() == compat.wired.portal_totals()
    assert set(Submission.objects.values_list("state", flat=True)) == {State.APPLIED}
    # Applied the same content again: nothing is sent twice, and the job is Applied at once.
    again = client.upload(app_id=IOS, body=body(*rows))
    assert finished(client, again.job_id).status == "Applied"
    assert Submission.objects.count() == 1


@override_settings(**FAST)
def test_a_group_replaced_before_it_was_sent_ends_its_first_job_too(compat: Compat) -> None:
    client = client_of(compat)
    first = client.upload(app_id=IOS, body=body(incost_row(spend=1)))
    second = client.upload(app_id=IOS, body=body(incost_row(spend=2)))
    assert finished(client, second.job_id).status == "Applied"
    assert finished(client, first.job_id).status == "Applied"
    assert compat.wired.ledger() == {(IOS, today(1), "acme_int"): Decimal(2)}


@override_settings(**FAST)
def test_what_appsflyer_refuses_is_the_jobs_validation_error_with_its_code(compat: Compat) -> None:
    # Registered in the portal, not at AppsFlyer: the portal lets it through, AppsFlyer answers ic213.
    client = client_of(compat)
    accepted = client.upload(app_id=IOS, body=body(incost_row(media_source="unregistered_int")))
    status = finished(client, accepted.job_id)
    assert (status.status, status.error_code) == ("Validation error", "ic213")


@override_settings(**FAST)
def test_the_key_is_nowhere_but_its_visible_prefix(compat: Compat) -> None:
    """After uploads, refusals, the workers' run to Applied and status reads, with every log at
    DEBUG: no 12 characters in a row of the key past its prefix in a log line, a Redis key or value
    (RQ jobs opened), or any column of any table."""
    secret = compat.write.token or ""
    hidden = secret[PREFIX_LENGTH:]
    with every_log_at_debug() as logs:
        client = client_of(compat)
        accepted = client.upload(app_id=IOS, body=body(incost_row()))
        assert finished(client, accepted.job_id).status == "Applied"
        compat.write.upload(IOS, b"[{")  # refused at once
        compat.read.upload(IOS, body(incost_row()))  # a read key writing: in the audit trail
        Speaker(compat.write.base, secret[:-2] + "zz").call("GET", APPS)  # a wrong key
    places = [("log", line) for line in logs.lines]
    places += list(redis_dump(settings.REDIS_URL)) + list(database_dump())
    assert [(where, pieces_found(hidden, text)) for where, text in places if pieces_found(hidden, text)] == []
    assert any(secret[:PREFIX_LENGTH] in text for _, text in database_dump())  # the search can find
