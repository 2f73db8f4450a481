"""A webhook's signing secret is shown once, on the answer that made the channel, and appears
nowhere else: not in a later page, a log line (every logger at DEBUG), Redis (RQ's jobs), a
message sent, a header the receiver gets, or the database but encrypted."""

import base64
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, TestCase

from incost_portal.alerts.models import Channel
from incost_portal.alerts.services.channels import channel_create
from incost_portal.alerts.services.deliveries import delivery_test_create
from incost_portal.networks.models import App, Role
from incost_portal.networks.services import membership_set
from tests.alerts.messaging import evaluate, jobs_run, queues_empty, verified
from tests.cast import Cast
from tests.hardening.pages import network_pages, own_objects
from tests.hardening.secrets_scan import database_dump, every_log_at_debug, pieces_found, redis_dump
from tests.receivers import Receiver, Reply

pytestmark = pytest.mark.django_db


def test_the_webhook_secret_is_nowhere_but_its_one_page(
    cast: Cast, settings: Any, webhook_receiver: Receiver, private_redis_url: str
) -> None:
    settings.REDIS_URL = private_redis_url
    settings.RQ_QUEUES = {
        name: {**queue, "URL": private_redis_url} for name, queue in settings.RQ_QUEUES.items()
    }
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ALERT_RETRY_SECONDS = 0
    settings.ALERT_DELIVERY_ATTEMPTS = 2
    queues_empty()
    admin = get_user_model().objects.create_user("root-admin", "root@example.org", "pw")
    membership_set(network=cast.network, user=admin, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    base = f"/n/{cast.network.code}"

    with every_log_at_debug() as captured:
        made = client.post(
            f"{base}/settings/alerts/", {"kind": "webhook", "name": "ops", "url": webhook_receiver.url()}
        )
        channel = Channel.objects.get()
        secret = made.text.split('data-testid="webhook-secret">')[1].split("<")[0]
        assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
        client.post(f"{base}/settings/alerts/", {"kind": "email", "name": ""})
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post(f"{base}/settings/alerts/channels/{channel.code}/test/")
        App.objects.filter(pk=cast.android_app.pk).update(enabled=False)
        evaluate(cast.network)
        jobs_run()
        webhook_receiver.answer("/hook", Reply(500, b"down"))  # a failed delivery, logged
        App.objects.filter(pk=cast.android_app.pk).update(enabled=True)
        evaluate(cast.network)
        jobs_run()
        urls = network_pages(cast.network, own_objects(cast.network))
        pages = [client.get(url) for url in urls]

    assert len(webhook_receiver.received()) == 4  # the test, the open, the resolve twice
    assert verified(webhook_receiver.received()[0], secret)["type"] == "alert.test"
    places: list[tuple[str, str]] = [(f"page {p.request['PATH_INFO']}", text_of(p)) for p in pages]
    places += [(f"log line {n}", line) for n, line in enumerate(captured.lines)]
    places += [(f"redis {key}", text) for key, text in redis_dump(private_redis_url)]
    places += [(f"table {table}", text) for table, text in database_dump()]
    places += [
        (f"received {n}", str(r.headers) + r.body.decode()) for n, r in enumerate(webhook_receiver.received())
    ]
    assert any(name.startswith("redis rq:job:alert-delivery") for name, _ in places)
    assert any(name.startswith("table alerts_channel") for name, _ in places)
    assert pieces_found(secret, made.text), "the search finds it where it is shown"
    leaks = [(where, piece) for where, text in places for piece in pieces_found(secret, text)]
    assert leaks == []


def text_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode("latin-1")


def test_a_slack_style_urls_path_is_stored_only_encrypted(
    cast: Cast, settings: Any, webhook_receiver: Receiver, private_redis_url: str
) -> None:
    """An incoming-webhook URL's path is its credential: the database keeps scheme and host only in
    the clear; messages still reach the whole URL."""
    settings.REDIS_URL = private_redis_url
    settings.RQ_QUEUES = {
        name: {**queue, "URL": private_redis_url} for name, queue in settings.RQ_QUEUES.items()
    }
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    queues_empty()
    path = "/services/T0CHANNEL/B0HOOK/q7Zx9KpL2mWv8RtY4nBc"
    channel, _ = channel_create(
        network=cast.network,
        kind=Channel.Kind.SLACK,
        name="ops",
        url=webhook_receiver.url(path),
        actor=cast.admin,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_test_create(channel=channel, user=cast.admin)
    jobs_run()
    assert [received.path for received in webhook_receiver.received()] == [path]
    assert channel.url_shown.endswith("/…") and "q7Zx9KpL2mWv8RtY4nBc" not in channel.url_shown
    leaks = [table for table, text in database_dump() if pieces_found("q7Zx9KpL2mWv8RtY4nBc", text)]
    assert leaks == []
