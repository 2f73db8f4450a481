"""Alerts in the browser: an admin adds a signed webhook (its secret shown once) and sends a test;
the dashboard's line leads to the Alerts page, where a condition is acknowledged and muted."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from incost_portal.alerts.services.conditions import conditions_evaluate
from incost_portal.networks.models import App
from tests.alerts.messaging import jobs_run, queues_empty, verified
from tests.browser.conftest import log_in
from tests.cast import PASSWORD, Cast, make_cast
from tests.receivers import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(tmp_path: Path, settings: Any) -> Cast:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    queues_empty()
    return make_cast()


def test_an_admin_adds_a_webhook_and_sends_a_test(page, cast: Cast, webhook_receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    log_in(page, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="Alert channels")).to_be_visible()
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("Name").fill("ops hook")
    page.get_by_label("URL").fill("http://10.0.0.9/hook")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("10.0.0.9, a private address")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("ops hook")  # what was typed is kept
    page.get_by_label("URL").fill(webhook_receiver.url())
    page.get_by_role("button", name="Add", exact=True).click()
    secret = page.get_by_test_id("webhook-secret").inner_text()
    assert secret.startswith("whsec_")

    page.get_by_role("row", name=re.compile("ops hook")).get_by_role("button", name="Send test").click()
    expect(page.get_by_role("status")).to_contain_text("A test message is on its way to http://127.0.0.1:")
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)  # shown once
    jobs_run()
    assert verified(webhook_receiver.received("/hook")[0], secret)["type"] == "alert.test"
    page.reload()
    expect(page.get_by_test_id("delivery-log")).to_contain_text("Sent")
    expect(page.get_by_test_id("delivery-log").get_by_role("cell", name="200")).to_be_visible()

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("row", name=re.compile("ops hook")).get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("Channel ops hook removed.")


def test_the_dashboard_leads_to_the_alerts_page_to_acknowledge_and_mute(page, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    App.objects.filter(pk=cast.android_app.pk).update(enabled=False)
    conditions_evaluate(network=cast.network)
    log_in(page, "olga", PASSWORD)
    page.get_by_test_id("open-alerts-line").get_by_role("link", name="1 alert open").click()
    expect(page).to_have_url(re.compile(r"/alerts/$"))
    expect(page.get_by_role("link", name="Alerts", exact=True).first).to_have_attribute(
        "aria-current", "page"
    )
    open_now = page.get_by_test_id("open-alerts")
    expect(open_now).to_contain_text("com.acme.game was removed from the app permission list")
    expect(open_now).to_contain_text("UTC")
    open_now.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged")
    expect(page.get_by_test_id("open-alerts")).to_contain_text("olga, ")
    page.get_by_label("Hours to mute").fill("2")
    page.get_by_role("button", name="Mute").click()
    expect(page.get_by_role("status")).to_contain_text("Muted for 2 hours")
    expect(page.get_by_test_id("open-alerts")).to_contain_text("Muted until")

    App.objects.filter(pk=cast.android_app.pk).update(enabled=True)
    conditions_evaluate(network=cast.network)
    page.reload()
    expect(page.get_by_test_id("open-alerts")).to_contain_text("Nothing is wrong right now.")
    expect(page.get_by_test_id("alert-history")).to_contain_text("com.acme.game was removed")
