"""In Chromium, under the portal's Content-Security-Policy: no page is refused anything, and
htmx (the app send-cost toggle, the preview's cell fix, the live jobs table) and the confirm
dialogs still work."""

import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from incost_portal.costs.services import cost_upload_create
from incost_portal.networks.models import App
from incost_portal.submissions.models import State, Submission
from tests.browser.conftest import log_in
from tests.cast import PASSWORD, Cast
from tests.hardening.pages import own_objects
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports every refusal on the console ("Refused to apply inline style ...", "Refused to
# execute inline script ..."); the page also hears a securitypolicyviolation event for each.
VIOLATION_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def refusals(messages: list[str]) -> list[str]:
    return [text for text in messages if "Refused to" in text or "CSP violation" in text]


def test_no_page_is_refused_anything_and_htmx_still_works(
    page: Any, cast: Cast, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    objects = own_objects(cast.network)
    day = Submission.objects.get(code=objects["submission_code"]).date_from
    body = (
        "date,app_id,media_source,campaign_id,campaign_name,geo,currency,spend\n"
        f"{day},id123456789,acme_int,c1,spring,XX,USD,4\n"
    )
    bad = cost_upload_create(
        network=cast.network, user=cast.admin, file=io.BytesIO(body.encode()), name="geo.csv"
    )
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.add_init_script(VIOLATION_LISTENER)
    log_in(page, "alice", PASSWORD)
    base = f"/n/{cast.network.code}"
    pages = [
        "/", "/costs/", "/costs/upload/", f"/costs/uploads/{bad.code}/", "/costs/uploads/", "/jobs/",
        f"/jobs/{objects['submission_code']}/", "/apps/", "/settings/", "/settings/token/",
        "/settings/members/", "/settings/media-sources/", "/settings/schedule/", "/settings/audit/",
        "/onboarding/",
    ]  # fmt: skip
    for path in pages:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        expect(page.locator("main h1").first).to_be_visible()
    assert refusals(console) == [], console

    # htmx: the app send-cost toggle swaps its form in place.
    page.goto(f"{base}/apps/")
    toggle = page.get_by_label("Send cost for id123456789")
    was_on = App.objects.get(app_id="id123456789").send_cost
    toggle.click()
    expect(page.get_by_label("Send cost for id123456789")).to_be_checked(checked=not was_on)
    expect(page.locator("form", has=page.get_by_label("Send cost for id123456789"))).to_contain_text(
        "Off" if was_on else "On"
    )
    assert App.objects.get(app_id="id123456789").send_cost is not was_on

    # htmx: a cell fixed in the preview is checked again and swapped in.
    page.goto(f"{base}/costs/uploads/{bad.code}/")
    page.get_by_label("Row 2 geo").fill("DE")
    page.get_by_label("Row 2 geo").press("Enter")
    expect(page.locator(".message").first).to_contain_text("Row 2 geo changed")
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("Nothing blocks this file")
    expect(page).to_have_url(re.compile(r"/costs/uploads/[0-9a-f-]+/$"))

    # htmx: the jobs table reads itself again while a job is on its way.
    page.goto(f"{base}/jobs/")
    expect(page.locator('#jobs-table [data-state="queued"]')).to_have_count(1)
    job = Submission.objects.get(code=objects["submission_code"])
    for state in (State.SENDING, State.SUBMITTED, State.POLLING, State.APPLIED):  # as a worker moves it
        assert job.move(state)
    expect(page.locator('#jobs-table [data-state="applied"]')).to_have_count(1, timeout=10_000)

    # The confirm dialogs (data-confirm, static/js/confirm.js): dismissed, nothing is removed.
    page.goto(f"{base}/settings/members/")
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-confirm]").first.get_by_role("button", name="Remove").click()
    expect(page.locator("main h1")).to_be_visible()
    assert dialogs and dialogs[0].startswith("Remove ")
    assert page.url.endswith("/settings/members/")
    assert refusals(console) == [], console

    # The canary: an inline style put in now is refused, so the listener above would have heard.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")

    def refused() -> list[str]:
        page.evaluate("0")  # a round trip to the browser: the messages it sent meanwhile are read
        return refusals(console)

    wait_for(refused, timeout=10, message=lambda: str(console))
