"""An admin sets the token, tests it, syncs apps and runs the onboarding test to all-pass against the
sandbox (its jobs run in this process, as a worker runs them); a reviewer follows the same page
without any control to change it."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from incost_portal.networks.models import Role
from incost_portal.networks.services import membership_set, network_create
from tests.browser.conftest import log_in
from tests.sandbox.running import Sandbox
from tests.wiring import incost_queue_empty, queued_jobs_run

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_admin_runs_onboarding_to_all_pass_and_reviewer_follows(
    page, sandbox: Sandbox, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.INCOST_POLL_DELAY_SECONDS = 0  # the sandbox's jobs end at once: read their status then
    incost_queue_empty()
    _, token = sandbox.partner(media_sources=("acme_int",))
    network = network_create(name="Acme Ads", slug="acme", api_base_url=sandbox.api_url)
    users = get_user_model().objects
    admin = users.create_user("alice", "alice@example.org", "a long passphrase 1")
    users.create_user("pdm", "pdm@example.org", "a long passphrase 2")
    membership_set(network=network, user=admin, role=Role.ADMIN)
    membership_set(network=network, user=users.get(username="pdm"), role=Role.REVIEWER)
    base = f"/n/{network.code}"

    log_in(page, "alice", "a long passphrase 1")
    page.goto(f"{base}/settings/token/")
    page.get_by_label("AppsFlyer V2.0 API token").fill(token)
    page.get_by_role("button", name="Save the token").click()
    expect(page.locator(".message.success")).to_contain_text(f"Token …{token[-4:]} saved")
    assert token[:-4] not in page.content()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator(".message")).to_contain_text("The token works: 2 app(s) enabled")

    page.goto(f"{base}/settings/media-sources/")
    page.get_by_label("Name").fill("acme_int")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("table")).to_contain_text("acme_int")

    page.goto(f"{base}/apps/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".message")).to_contain_text("App list synced: 2 listed")
    expect(page.locator("table")).to_contain_text("id888123456")

    page.goto(f"{base}/onboarding/")
    for key in ("token", "token_valid", "apps"):
        expect(page.locator(f'[data-step="{key}"]')).to_have_attribute("data-status", "pass")
    page.get_by_role("button", name="Send test cost for a test app").click()
    expect(page.locator(".message")).to_contain_text("Test cost for")
    expect(page.locator('[data-step="no_errors"]')).to_have_attribute("data-status", "waiting")
    queued_jobs_run()  # the send, and the job's status read
    # The page updates itself (htmx) once the job has moved on.
    expect(page.locator('[data-step="no_errors"]')).to_have_attribute("data-status", "pass", timeout=30_000)
    for step in page.locator("[data-step]").all():
        expect(step).to_have_attribute("data-status", "pass")
    expect(page.locator(".message.success").last).to_contain_text("Every step passes")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report").click()
    assert "every step passes" in Path(download.value.path()).read_text()

    page.locator("summary", has_text="alice").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "pdm", "a long passphrase 2")
    page.goto(f"{base}/onboarding/")
    expect(page.locator('[data-step="matched"]')).to_have_attribute("data-status", "pass")
    expect(page.locator("main button")).to_have_count(0)
    expect(page.get_by_role("link", name="Download the report")).to_be_visible()
    page.goto(f"{base}/settings/")
    expect(page.locator("main")).not_to_contain_text("Replace, test or revoke")
    # A reviewer's settings: the overview and where cost comes from, read only; no admin page.
    expect(page.get_by_role("navigation", name="Settings").get_by_role("link")).to_have_text(
        ["Overview", "Cost sources"]
    )
    assert re.search(r"…" + re.escape(token[-4:]), page.content())
