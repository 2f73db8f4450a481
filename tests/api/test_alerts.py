"""GET /api/v1/alerts and /api/v1/alert-channels: the same conditions and channels as the pages,
for the key's network only."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incost_portal.alerts.models import Channel, Condition, Delivery
from incost_portal.alerts.services.channels import channel_create
from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks import token_vault
from tests.alerts.builders import alert_condition
from tests.api.conftest import Keys
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def local_receivers(settings: Any) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]


def test_alerts_lists_the_networks_conditions_newest_first_and_filters_them(keys: Keys, cast: Cast) -> None:
    older = alert_condition(cast.network, resolved_at=timezone.now())
    Condition.objects.filter(pk=older.pk).update(opened_at=timezone.now() - timedelta(days=1))
    open_one = alert_condition(cast.network, kind="token_missing", subject="", title="No AppsFlyer token")
    alert_condition(cast.other_network, title="not mine")

    answer = keys.read.get("/api/v1/alerts")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [item["id"] for item in items] == [str(open_one.code), str(older.code)]
    assert items[0]["kind_label"] == "AppsFlyer token missing" and items[0]["resolved_at"] is None
    assert items[1]["app_id"] is None and items[1]["resolved_at"]
    opened = keys.read.get("/api/v1/alerts", params={"state": "open"}).json()["items"]
    assert [item["title"] for item in opened] == ["No AppsFlyer token"]
    assert (
        keys.read.get("/api/v1/alerts", params={"kind": "app_removed", "limit": 1}).json()["next_cursor"]
        is None
    )
    assert [i["title"] for i in keys.other.get("/api/v1/alerts").json()["items"]] == ["not mine"]
    bad = keys.read.get("/api/v1/alerts", params={"state": "closed"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_a_webhook_channel_is_made_with_its_secret_shown_once(
    keys: Keys, cast: Cast, webhook_receiver: Any
) -> None:
    made = keys.write.post(
        "/api/v1/alert-channels", json={"kind": "webhook", "name": "ops", "url": webhook_receiver.url()}
    )
    assert made.status_code == 201, made.text
    body = made.json()
    channel = Channel.objects.get(network=cast.network)
    assert body["id"] == str(channel.code) and body["secret"].startswith("whsec_")
    assert token_vault.decrypt(bytes(channel.secret_ciphertext)) == body["secret"]
    listed = keys.read.get("/api/v1/alert-channels").json()["items"]
    assert listed == [{k: v for k, v in body.items() if k != "secret"}]
    assert listed[0]["sends_to"] == f"http://127.0.0.1:{webhook_receiver.port}/…"
    assert keys.other.get("/api/v1/alert-channels").json()["items"] == []
    audit = AuditEvent.objects.get(action=Action.ALERT_CHANNEL_ADDED)
    assert audit.actor == cast.admin  # the key's creator


def test_bad_channels_are_refused_with_a_message(keys: Keys) -> None:
    refused = keys.write.post(
        "/api/v1/alert-channels", json={"kind": "webhook", "url": "http://169.254.169.254/"}
    )
    assert refused.status_code == 422 and "a cloud metadata address" in refused.json()["error"]["message"]
    unknown = keys.write.post("/api/v1/alert-channels", json={"kind": "pager"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_request"
    read_only = keys.read.post("/api/v1/alert-channels", json={"kind": "email"})
    assert read_only.status_code == 403
    assert not Channel.objects.exists()


def test_a_channel_is_tested_and_removed_only_in_its_network(keys: Keys, cast: Cast) -> None:
    mine, _ = channel_create(network=cast.network, kind="email", name="", actor=cast.admin)
    theirs, _ = channel_create(network=cast.other_network, kind="email", name="", actor=cast.outsider)
    assert keys.write.post(f"/api/v1/alert-channels/{theirs.code}/test").status_code == 404
    assert keys.write.delete(f"/api/v1/alert-channels/{theirs.code}").status_code == 404
    tested = keys.write.post(f"/api/v1/alert-channels/{mine.code}/test")
    assert tested.status_code == 202
    delivery = Delivery.objects.get(code=tested.json()["delivery_id"])
    assert (delivery.channel, delivery.event, delivery.recipient) == (mine, "test", cast.admin)
    assert keys.write.delete(f"/api/v1/alert-channels/{mine.code}").status_code == 204
    assert list(Channel.objects.all()) == [theirs]
    assert keys.write.delete(f"/api/v1/alert-channels/{mine.code}").status_code == 404
