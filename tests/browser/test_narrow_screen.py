"""A phone's width (390 px): every page of the navigation fits, for every role, and the menu reaches
every page and Log out."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from incost_portal.networks.models import Network
from incost_portal.submissions.models import State, Submission
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 390


def overflow(page) -> str:  # type: ignore[no-untyped-def]
    """'' when the page fits its viewport, else the widest elements that stick out."""
    return page.evaluate(
        """(width) => {
            if (document.documentElement.scrollWidth <= width) return "";
            const wide = [...document.querySelectorAll("body *")]
              .filter((el) => el.getBoundingClientRect().right > width + 0.5)
              .filter((el) => !el.closest(".table, .card"))
              .slice(0, 5)
              .map((el) => el.tagName + "." + el.className + " "
                + Math.round(el.getBoundingClientRect().right));
            return document.documentElement.scrollWidth + " px: " + wide.join(", ");
        }""",
        WIDTH,
    )


def jobs_listed(network: Network) -> None:
    """A few jobs, one failed with a long message: the Jobs table is the widest of the pages."""
    app = network.apps.filter(enabled=True).first()
    day = timezone.now().date()
    for state, code in ((State.APPLIED, ""), (State.FAILED, "ic213"), (State.SUBMITTED, "")):
        Submission.objects.create(
            network=network, app=app, state=state, payload=b"[]", payload_sha256="x", payload_bytes=2,
            row_count=12, currency="USD", date_from=day, date_to=day, spend_total=Decimal("1234.5"),
            job_id="4f2c9a7e-1b3d-4c5e-8f60-7a8b9c0d1e2f", error_code=code,
            error_message="media_source was not found. Verify and resubmit." if code else "",
        )  # fmt: skip


@pytest.mark.parametrize("username", ["demo-admin", "demo-ops", "demo-reviewer"])
def test_every_page_fits_a_phone_and_the_menu_reaches_it(browser, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    call_command("seed_demo", stdout=StringIO())
    demo = Network.objects.get(slug="demo")
    jobs_listed(demo)
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, username, "incost-demo")
        expect(page).to_have_url(re.compile(rf"/n/{demo.code}/$"))
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        menu = page.get_by_test_id("narrow-menu")
        menu.locator("summary").click()
        targets = [
            link.get_attribute("href")
            for link in menu.get_by_role("navigation").get_by_role("link").all()
            if f"/n/{demo.code}/" in (link.get_attribute("href") or "")
        ]
        assert len(targets) == 7, targets  # Dashboard, Costs, Jobs, Apps, Alerts, Onboarding, Settings
        # The settings' own pages (all of them for an admin) and the upload page for writers.
        page.goto(f"/n/{demo.code}/settings/")
        targets += [
            a.get_attribute("href")
            for a in page.get_by_role("navigation", name="Settings").get_by_role("link").all()
        ]
        targets.append(f"/n/{demo.code}/jobs/{Submission.objects.filter(network=demo).first().code}/")
        if username != "demo-reviewer":
            targets.append(f"/n/{demo.code}/costs/upload/")
        for path in dict.fromkeys(targets):
            page.goto(path)
            assert overflow(page) == "", f"{username} {path}: {overflow(page)}"
            # Each page reaches the others through the menu.
            page.get_by_test_id("narrow-menu").locator("summary").click()
            expect(page.get_by_test_id("narrow-menu").get_by_role("link", name="Dashboard")).to_be_visible()
            page.get_by_test_id("narrow-menu").locator("summary").click()
        page.get_by_test_id("narrow-menu").locator("summary").click()
        page.get_by_test_id("narrow-menu").get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/accounts/(logout|login)/"))
    finally:
        context.close()
