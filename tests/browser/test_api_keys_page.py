"""Settings, API keys in a real browser: create a key, copy it (shown once), revoke it."""

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.cast import PASSWORD, Cast, make_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(tmp_path: Path, settings) -> Cast:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return make_cast()


def test_an_admin_creates_copies_once_and_revokes_a_key(page, cast: Cast, live_server) -> None:  # type: ignore[no-untyped-def]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "alice", PASSWORD)
    page.goto(f"/n/{cast.network.code}/settings/")
    page.get_by_label("Settings").get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("nightly export")
    page.get_by_label("Scope").select_option("read")
    page.get_by_role("button", name="Create the key").click()

    card = page.get_by_test_id("new-api-key")
    expect(card).to_contain_text("shown only this once")
    secret = page.get_by_label("The new API key").input_value()
    assert secret.startswith("icp_")
    card.get_by_role("button", name="Copy key").click()
    expect(card.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    # The key opens the InCost-compatible endpoint (read only: the app list).
    apps = requests.get(
        f"{live_server.url}/incost/mng/apps", headers={"Authorization": f"Bearer {secret}"}, timeout=30
    )
    assert apps.status_code == 200

    # Never shown again.
    page.goto(page.url)
    expect(page.get_by_test_id("new-api-key")).to_have_count(0)
    assert secret not in page.content()
    row = page.get_by_test_id("api-keys").get_by_role("row", name="nightly export")
    expect(row).to_contain_text(f"{secret[:12]}…")
    expect(row).to_contain_text("Read only")
    expect(row).to_contain_text("Active")

    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("no longer works")).to_be_visible()
    assert dialogs and dialogs[0].startswith("Revoke the key nightly export?")
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    apps = requests.get(
        f"{live_server.url}/incost/mng/apps", headers={"Authorization": f"Bearer {secret}"}, timeout=30
    )
    assert apps.status_code == 401
