"""Alerts as they run in production: real RQ worker processes and RQ cron (the evaluation every
ALERTS_EVALUATE_INTERVAL_SECONDS), the sandbox over HTTP, a real SMTP server and a webhook receiver
that verifies each signature with the channel's secret."""

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import django_rq
import pytest
from django.test import override_settings
from rq.registry import FinishedJobRegistry

from incost_portal.alerts.models import AlertSettings, Condition, Delivery
from incost_portal.alerts.services.channels import channel_create
from incost_portal.networks.models import App, Role
from incost_portal.networks.selectors import api_token_active
from incost_portal.networks.services import api_token_plaintext, api_token_set, membership_set
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.planning import send_plan_create
from tests.alerts.messaging import verified
from tests.builders import ANDROID, IOS, cost_rows
from tests.receivers import Receiver, Reply, SmtpServer
from tests.submissions.workers import FAST_SENDING, Workers, as_settings, workers_running
from tests.waiting import wait_for
from tests.wiring import Wired

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ALERTS_FAST = {
    "ALERTS_EVALUATE_INTERVAL_SECONDS": "1",
    "ALERT_RETRY_SECONDS": "1",
    "ALERT_DELIVERY_ATTEMPTS": "3",
    "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",
    "SITE_URL": "https://portal.example.com",
}
FAST = override_settings(**as_settings(FAST_SENDING), OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"])
# What the sandbox answers a token it does not know: 401.
UNKNOWN_TOKEN = "eyJhbGciOiJIUzI1NiJ9." + "A" * 700


@pytest.fixture
def running(wired: Wired, smtp_server: SmtpServer, tmp_path: Path) -> Iterator[Workers]:
    """Two workers and RQ cron, sending email through the test's SMTP server."""
    django_rq.get_queue("default").empty()
    with workers_running(tmp_path, count=2, cron=True, **ALERTS_FAST, **smtp_server.env) as workers:
        yield workers


def evaluations() -> int:
    """How many evaluation ticks have finished (RQ keeps each finished job for a while)."""
    registry = FinishedJobRegistry(queue=django_rq.get_queue("default"))
    jobs = django_rq.get_queue("default").job_class.fetch_many(
        registry.get_job_ids(), connection=registry.connection
    )
    return sum(1 for job in jobs if job is not None and job.func_name.endswith("alerts_evaluate_job"))


def subject(message: EmailMessage) -> str:
    return str(message["Subject"]).strip()


def channels(wired: Wired, receiver: Receiver) -> str:
    """An email channel and a signed webhook for the wired network; its ops member gets the emails.
    Returns the webhook's secret."""
    channel_create(network=wired.network, kind="email", name="", actor=wired.user)
    _, secret = channel_create(
        network=wired.network, kind="webhook", name="hook", url=receiver.url(), actor=wired.user
    )
    return secret


def send(wired: Wired, rows: list[dict[str, object]]) -> None:
    wired.put_cost(rows)
    send_plan_create(network=wired.network)


@FAST
def test_a_rejected_token_is_announced_once_by_email_and_webhook_and_its_recovery_once(
    wired: Wired, smtp_server: SmtpServer, webhook_receiver: Receiver, running: Workers
) -> None:
    secret = channels(wired, webhook_receiver)
    address = wired.user.email
    real_token = api_token_plaintext(token=api_token_active(network=wired.network))
    api_token_set(network=wired.network, plaintext=UNKNOWN_TOKEN, user=None)
    send(wired, cost_rows(IOS, range(1, 3)))

    wait_for(lambda: len(smtp_server.to(address)) >= 1, timeout=90, message=running.logs)
    wait_for(lambda: len(webhook_receiver.received("/hook")) >= 1, timeout=60, message=running.logs)
    [email] = smtp_server.to(address)
    assert subject(email).startswith("[Acme acme] AppsFlyer rejects the API token …AAAA (HTTP 401)")
    assert email.get_body(("plain",)) is not None and email.get_body(("html",)) is not None
    assert "https://portal.example.com/n/" in email.get_body(("plain",)).get_content()
    [hook] = webhook_receiver.received("/hook")
    body = verified(hook, secret)
    assert (body["type"], body["data"]["kind"]) == ("alert.opened", "token_rejected")
    condition = Condition.objects.get(network=wired.network)
    # Written by the evaluation that opened it: within one cycle.
    assert set(Delivery.objects.values_list("due_at", flat=True)) == {condition.announced_at}

    # Still rejected: more failed sends, several evaluations later, nothing more was sent.
    send(wired, cost_rows(IOS, range(3, 4)))
    wait_for(
        lambda: not Submission.objects.exclude(state=State.FAILED).exists(), timeout=60, message=running.logs
    )
    seen = evaluations()
    wait_for(lambda: evaluations() >= seen + 3, timeout=60, message=running.logs)
    assert len(smtp_server.to(address)) == 1
    assert len(webhook_receiver.received("/hook")) == 1
    assert Condition.objects.filter(network=wired.network).count() == 1

    api_token_set(network=wired.network, plaintext=real_token, user=None)
    wait_for(lambda: len(smtp_server.to(address)) >= 2, timeout=60, message=running.logs)
    wait_for(lambda: len(webhook_receiver.received("/hook")) >= 2, timeout=60, message=running.logs)
    recovery = smtp_server.to(address)[1]
    assert subject(recovery).startswith("[Acme acme] Resolved: AppsFlyer rejects the API token")
    assert verified(webhook_receiver.received("/hook")[1], secret)["type"] == "alert.resolved"
    seen = evaluations()
    wait_for(lambda: evaluations() >= seen + 2, timeout=60, message=running.logs)
    assert (len(smtp_server.to(address)), len(webhook_receiver.received("/hook"))) == (2, 2)


@FAST
def test_a_request_failing_with_ic213_is_one_alert_naming_the_code(
    wired: Wired, smtp_server: SmtpServer, webhook_receiver: Receiver, running: Workers
) -> None:
    secret = channels(wired, webhook_receiver)
    AlertSettings.objects.create(network=wired.network, matched_records_min=0)
    # unregistered_int is in the portal but not registered at AppsFlyer: ic213 for the iOS request.
    send(wired, cost_rows(IOS, range(1, 3), source="unregistered_int") + cost_rows(ANDROID, range(1, 3)))

    wait_for(lambda: len(webhook_receiver.received("/hook")) >= 1, timeout=90, message=running.logs)
    wait_for(lambda: len(smtp_server.to(wired.user.email)) >= 1, timeout=60, message=running.logs)
    body = verified(webhook_receiver.received("/hook")[0], secret)
    assert body["data"]["title"] == f"A request for {IOS} failed: ic213"
    assert body["data"]["app_id"] == IOS
    [email] = smtp_server.to(wired.user.email)
    assert "ic213" in subject(email)
    assert "Settings > Media sources" in email.get_body(("plain",)).get_content()
    wait_for(
        lambda: Submission.objects.filter(state=State.APPLIED).exists(), timeout=60, message=running.logs
    )
    seen = evaluations()
    wait_for(lambda: evaluations() >= seen + 2, timeout=60, message=running.logs)
    assert [(c.kind, c.subject) for c in Condition.objects.all()] == [("request_failed", f"{IOS}:ic213")]
    assert len(webhook_receiver.received("/hook")) == 1 and len(smtp_server.to(wired.user.email)) == 1


@FAST
def test_a_receiver_answering_500_is_retried_then_logged_failed_and_the_email_still_goes(
    wired: Wired, smtp_server: SmtpServer, webhook_receiver: Receiver, running: Workers
) -> None:
    webhook_receiver.answer("/hook", Reply(500, b"receiver down"))
    channels(wired, webhook_receiver)
    admin = wired.user.__class__.objects.create_user("ada", "ada@example.org", "pw")
    membership_set(network=wired.network, user=admin, role=Role.ADMIN)
    App.objects.filter(pk=wired.android.pk).update(enabled=False)

    def webhook_gave_up() -> bool:
        return Delivery.objects.filter(channel__kind="webhook", status=Delivery.Status.FAILED).exists()

    wait_for(webhook_gave_up, timeout=90, message=running.logs)
    [failed] = Delivery.objects.filter(channel__kind="webhook")
    assert (failed.attempts, failed.status_code, failed.error) == (3, 500, "The receiver answered HTTP 500.")
    assert len(webhook_receiver.received("/hook")) == 3
    assert {h.headers["webhook-id"] for h in webhook_receiver.received("/hook")} == {f"msg_{failed.code.hex}"}
    wait_for(lambda: len(smtp_server.messages) >= 2, timeout=60, message=running.logs)
    assert sorted(m["To"] for m in smtp_server.messages) == ["ada@example.org", wired.user.email]
    assert set(Delivery.objects.filter(channel__kind="email").values_list("status", flat=True)) == {"sent"}
