"""Small journeys in the browser: an admin invites and copies the link; the dashboard's "to fix"
leads to the uploads in question and disappears once fixed; a job waiting for AppsFlyer says
when it is read next."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incost_portal.costs.services import cost_upload_create
from incost_portal.submissions.models import State
from tests.browser.conftest import log_in
from tests.builders import csv_bytes, row, submission, today
from tests.cast import PASSWORD, Cast, make_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(tmp_path: Path, settings) -> Cast:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return make_cast()


def test_an_admin_invites_and_copies_the_link(page, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    log_in(page, "alice", PASSWORD)
    page.goto(f"/n/{cast.network.code}/settings/members/")
    page.get_by_label("Email").fill("newbie@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    card = page.get_by_test_id("new-invitation")
    expect(card).to_contain_text("Email is not set up on this portal")
    link = page.get_by_label("Invitation link").input_value()
    assert re.match(r"http://(localhost|127\.0\.0\.1):\d+/invitations/\S+/$", link), link
    card.get_by_role("button", name="Copy link").click()
    expect(card.get_by_role("button", name="Copied")).to_be_visible()


def test_the_dashboards_to_fix_leads_to_the_uploads_and_goes_once_fixed(page, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    data = csv_bytes([row(date=today(2), geo="US"), row(date=today(2), campaign_id="c2", geo="XX")])
    cost_upload_create(network=cast.network, user=cast.ops, file=io.BytesIO(data), name="week.csv")
    log_in(page, "olga", PASSWORD)
    page.get_by_role("link", name="1 upload of the last 7 days has errors to fix.").click()
    expect(page).to_have_url(re.compile(r"/costs/uploads/\?status=invalid$"))
    page.get_by_role("link", name="week.csv").click()
    page.get_by_label("Row 3 geo").fill("DE")
    page.get_by_label("Row 3 geo").press("Enter")
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("Nothing blocks this file")
    page.goto(f"/n/{cast.network.code}/")
    expect(page.get_by_text("errors to fix")).to_have_count(0)


def test_a_job_waiting_for_appsflyer_says_when_it_is_read_next(page, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    waiting = submission(cast.ios_app, State.SUBMITTED, due_at=timezone.now() + timedelta(seconds=100))
    log_in(page, "rita", PASSWORD)
    page.goto(f"/n/{cast.network.code}/jobs/{waiting.code}/")
    expect(page.get_by_test_id("next-read")).to_contain_text("about 2 minutes after it")
    expect(page.get_by_test_id("next-read")).to_contain_text(
        re.compile(r"read next \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
    )
