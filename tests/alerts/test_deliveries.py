"""Messages: one on open and one on resolve to every channel, signed webhooks, emails with text and
HTML parts, Slack lines, retries then failure, flapping held back, mutes, subscriptions, digests."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone
from standardwebhooks.webhooks import WebhookVerificationError

from incost_portal.alerts.models import Channel, Condition, Delivery, Mode
from incost_portal.alerts.services.channels import channel_create, channel_test, subscription_set
from incost_portal.alerts.services.conditions import condition_mute
from incost_portal.alerts.services.deliveries import deliveries_dispatch_due, digests_create
from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks.models import App
from tests.alerts.messaging import evaluate, jobs_run, queues_empty, verified
from tests.cast import Cast
from tests.receivers import Receiver, Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("alert_settings")]


@pytest.fixture
def alert_settings(settings: Any) -> Iterator[None]:
    """Webhooks to the test's receiver on 127.0.0.1, retries at once, empty queues."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ALERT_RETRY_SECONDS = 0
    settings.ALERT_DELIVERY_ATTEMPTS = 3
    settings.ALERT_FLAP_MINUTES = 30
    settings.SITE_URL = "https://portal.example.com"
    queues_empty()
    yield
    queues_empty()


def remove_app(cast: Cast, removed: bool = True) -> None:
    App.objects.filter(pk=cast.android_app.pk).update(enabled=not removed)


def test_a_webhook_gets_one_signed_message_on_open_and_one_on_resolve(
    cast: Cast, webhook_receiver: Receiver
) -> None:
    channel, secret = channel_create(
        network=cast.network, kind="webhook", name="ops hook", url=webhook_receiver.url(), actor=cast.admin
    )
    assert secret.startswith("whsec_")
    assert secret.encode() not in bytes(channel.secret_ciphertext)
    remove_app(cast)
    evaluate(cast.network)
    jobs_run()
    evaluate(cast.network)  # still removed: nothing more
    jobs_run()
    [opened] = webhook_receiver.received("/hook")
    body = verified(opened, secret)
    assert body["type"] == "alert.opened"
    assert body["data"]["kind"] == "app_removed" and body["data"]["app_id"] == "com.acme.game"
    assert body["data"]["url"] == f"https://portal.example.com/n/{cast.network.code}/apps/"
    assert body["data"]["network"]["name"] == "Acme Ads"
    with pytest.raises(WebhookVerificationError):
        verified(opened, "whsec_" + "A" * 44)

    remove_app(cast, removed=False)
    evaluate(cast.network)
    jobs_run()
    _opened, resolved = webhook_receiver.received("/hook")
    assert verified(resolved, secret)["type"] == "alert.resolved"
    assert verified(resolved, secret)["data"]["resolved_at"]
    log = list(
        Delivery.objects.filter(channel=channel).values_list("event", "status", "status_code", "attempts")
    )
    assert sorted(log) == [("opened", "sent", 200, 1), ("resolved", "sent", 200, 1)]


def test_members_get_an_email_with_text_and_html_parts(cast: Cast) -> None:
    channel_create(network=cast.network, kind="email", name="", actor=cast.admin)
    remove_app(cast)
    evaluate(cast.network)
    jobs_run()
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["alice@example.org", "olga@example.org", "rita@example.org"]
    message = mail.outbox[0]
    assert message.subject == "[Acme Ads] com.acme.game was removed from the app permission list"
    assert "switch Send cost off" in message.body
    assert f"https://portal.example.com/n/{cast.network.code}/apps/" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "<h2>com.acme.game was removed" in html


def test_subscriptions_choose_kinds_and_the_daily_digest(cast: Cast) -> None:
    channel_create(network=cast.network, kind="email", name="", actor=cast.admin)
    subscription_set(network=cast.network, user=cast.ops, mode=Mode.IMMEDIATE, kinds=["token_rejected"])
    subscription_set(network=cast.network, user=cast.reviewer, mode=Mode.OFF, kinds=[])
    subscription_set(network=cast.network, user=cast.admin, mode=Mode.DIGEST, kinds=[])
    remove_app(cast)
    evaluate(cast.network)
    jobs_run()
    assert mail.outbox == [], "olga chose token alerts only, rita none, alice the digest"
    remove_app(cast, removed=False)
    evaluate(cast.network)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert digests_create() == 1
    jobs_run()
    [digest] = mail.outbox
    assert digest.to == ["alice@example.org"]
    assert digest.subject == "[Acme Ads] Daily alerts digest: 2 change(s)"
    assert "- com.acme.game was removed" in digest.body and "- Resolved: com.acme.game" in digest.body
    assert digests_create() == 0, "each line goes in one digest"


def test_a_slack_compatible_webhook_gets_a_text_line(cast: Cast, webhook_receiver: Receiver) -> None:
    channel_create(
        network=cast.network,
        kind="slack",
        name="#ad-ops",
        url=webhook_receiver.url("/slack"),
        actor=cast.admin,
    )
    remove_app(cast)
    evaluate(cast.network)
    jobs_run()
    [line] = webhook_receiver.received("/slack")
    assert line.headers["content-type"] == "application/json"
    assert line.body.decode().startswith('{"text": "[Acme Ads] com.acme.game was removed')
    assert "webhook-signature" not in line.headers


def test_a_failing_receiver_is_retried_then_logged_failed_and_the_email_still_goes(
    cast: Cast, webhook_receiver: Receiver
) -> None:
    webhook_receiver.answer("/hook", Reply(500, b"down"))
    channel, _ = channel_create(
        network=cast.network, kind="webhook", name="hook", url=webhook_receiver.url(), actor=cast.admin
    )
    channel_create(network=cast.network, kind="email", name="", actor=cast.admin)
    remove_app(cast)
    evaluate(cast.network)
    jobs_run()
    assert len(webhook_receiver.received("/hook")) == 3
    [failed] = Delivery.objects.filter(channel=channel)
    assert (failed.status, failed.attempts, failed.status_code) == ("failed", 3, 500)
    assert failed.error == "The receiver answered HTTP 500."
    assert len(mail.outbox) == 3


def test_flapping_is_held_back_and_announced_only_if_it_lasts(cast: Cast, webhook_receiver: Receiver) -> None:
    channel_create(
        network=cast.network, kind="webhook", name="hook", url=webhook_receiver.url(), actor=cast.admin
    )
    now = timezone.now()
    remove_app(cast)
    evaluate(cast.network, now)
    remove_app(cast, removed=False)
    evaluate(cast.network, now + timedelta(minutes=1))
    # Back 5 minutes after it resolved, gone again at 10: nothing sent about that.
    remove_app(cast)
    evaluate(cast.network, now + timedelta(minutes=5))
    remove_app(cast, removed=False)
    evaluate(cast.network, now + timedelta(minutes=10))
    # Back at 12 and still there when the 30 minutes from the last resolve are over: sent then.
    remove_app(cast)
    evaluate(cast.network, now + timedelta(minutes=12))
    evaluate(cast.network, now + timedelta(minutes=39))
    assert Delivery.objects.filter(condition__isnull=False).count() == 2
    evaluate(cast.network, now + timedelta(minutes=41))
    jobs_run()
    events = [(d.event, d.condition.opened_at) for d in Delivery.objects.order_by("created_at", "id")]
    assert [event for event, _ in events] == ["opened", "resolved", "opened"]
    assert Condition.objects.filter(network=cast.network).count() == 3


def test_a_muted_condition_sends_nothing_until_the_mute_ends(cast: Cast, webhook_receiver: Receiver) -> None:
    channel_create(
        network=cast.network, kind="webhook", name="hook", url=webhook_receiver.url(), actor=cast.admin
    )
    remove_app(cast)
    evaluate(cast.network)
    condition = Condition.objects.get()
    condition_mute(network=cast.network, condition=condition, hours=2, user=cast.ops)
    remove_app(cast, removed=False)
    evaluate(cast.network)
    assert list(Delivery.objects.values_list("event", flat=True)) == ["opened"], "the resolve is muted"
    audit = AuditEvent.objects.get(action=Action.ALERT_MUTED)
    assert (audit.actor, audit.detail["hours"]) == (cast.ops, 2)
    # The mute is on the subject: a new occurrence waits for its end, then is announced.
    remove_app(cast)
    later = timezone.now() + timedelta(hours=1)
    evaluate(cast.network, later)
    assert Delivery.objects.count() == 1
    evaluate(cast.network, later + timedelta(hours=2))
    assert list(Delivery.objects.order_by("id").values_list("event", flat=True)) == ["opened", "opened"]


def test_send_test_reaches_each_kind_of_channel(cast: Cast, webhook_receiver: Receiver) -> None:
    hook, secret = channel_create(
        network=cast.network, kind="webhook", name="hook", url=webhook_receiver.url(), actor=cast.admin
    )
    email, _ = channel_create(network=cast.network, kind="email", name="", actor=cast.admin)
    with TestCase.captureOnCommitCallbacks(execute=True):
        channel_test(network=cast.network, channel=hook, user=cast.admin)
        channel_test(network=cast.network, channel=email, user=cast.admin)
    jobs_run()
    [received] = webhook_receiver.received("/hook")
    assert verified(received, secret)["type"] == "alert.test"
    [message] = mail.outbox
    assert message.to == ["alice@example.org"] and "this channel works" in message.body
    assert set(Delivery.objects.values_list("event", "status")) == {("test", "sent")}


def test_a_channel_to_a_private_address_is_refused_with_a_clear_message(cast: Cast) -> None:
    with pytest.raises(ValidationError, match=r"10\.0\.0\.7, a private address"):
        channel_create(
            network=cast.network, kind="webhook", name="x", url="http://10.0.0.7/hook", actor=cast.admin
        )
    with pytest.raises(ValidationError, match="Give the URL"):
        channel_create(network=cast.network, kind="slack", name="x", url="", actor=cast.admin)
    assert Channel.objects.count() == 0


def test_a_webhook_whose_address_became_private_is_not_retried(
    cast: Cast, webhook_receiver: Receiver
) -> None:
    channel, _ = channel_create(
        network=cast.network, kind="webhook", name="hook", url=webhook_receiver.url(), actor=cast.admin
    )
    remove_app(cast)
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=[]):
        evaluate(cast.network)
        jobs_run()
    [delivery] = Delivery.objects.filter(channel=channel)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "a loopback address" in delivery.error
    assert webhook_receiver.received() == []


def test_a_message_whose_job_was_lost_is_sent_by_the_next_tick(
    cast: Cast, webhook_receiver: Receiver
) -> None:
    channel_create(
        network=cast.network, kind="webhook", name="hook", url=webhook_receiver.url(), actor=cast.admin
    )
    remove_app(cast)
    evaluate(cast.network)
    queues_empty()  # Redis lost the job
    assert deliveries_dispatch_due(requeue_after_seconds=60) == 0, "not before the job had its time"
    later = timezone.now() + timedelta(minutes=2)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert deliveries_dispatch_due(now=later, requeue_after_seconds=60) == 1
    jobs_run()
    assert len(webhook_receiver.received("/hook")) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_send_whose_worker_died_is_taken_back_and_sent_once(cast: Cast, webhook_receiver: Receiver) -> None:
    channel_create(
        network=cast.network, kind="webhook", name="hook", url=webhook_receiver.url(), actor=cast.admin
    )
    remove_app(cast)
    evaluate(cast.network)
    queues_empty()
    # A worker claimed it and died before it sent anything.
    Delivery.objects.update(status=Delivery.Status.SENDING, claimed_at=timezone.now(), attempts=1)
    assert deliveries_dispatch_due(requeue_after_seconds=0) == 0, "a live claim is left alone"
    Delivery.objects.update(claimed_at=timezone.now() - timedelta(minutes=6))  # past its lease
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert deliveries_dispatch_due(requeue_after_seconds=0) == 1
    jobs_run()
    assert len(webhook_receiver.received("/hook")) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT
