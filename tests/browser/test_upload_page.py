"""The Upload page in the browser: a file dropped on the box, pasted JSON, the progress bar, a form
that keeps what was typed, and in-place fixes of a pasted body."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.builders import day
from tests.cast import PASSWORD, make_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def base(tmp_path: Path, settings) -> str:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cast = make_cast()
    return f"/n/{cast.network.code}"


def test_a_dropped_file_is_uploaded_with_a_progress_bar(page, base: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, "olga", PASSWORD)
    page.goto(f"{base}/costs/upload/")
    body = (
        "date,app_id,media_source,campaign_id,campaign_name,currency,spend\n"
        f"{day(2).isoformat()},id123456789,acme_int,c1,spring,USD,1.5\n"
    )
    # What a drag from the desktop hands the page: a DataTransfer holding the file.
    transfer = page.evaluate_handle(
        """(body) => { const dt = new DataTransfer();
             dt.items.add(new File([body], "dropped.csv", {type: "text/csv"})); return dt; }""",
        body,
    )
    page.dispatch_event("#dropzone", "dragover", {"dataTransfer": transfer})
    expect(page.locator("#dropzone")).to_have_class(re.compile("over"))
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    expect(page.locator("#dropzone-name")).to_contain_text("dropped.csv")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("h1")).to_contain_text("dropped.csv")
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("Nothing blocks this file")
    expect(page.get_by_role("button", name="Accept 1 row")).to_be_visible()


def test_pasted_json_with_a_quoted_spend_is_fixed_in_place(page, base: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, "olga", PASSWORD)
    page.goto(f"{base}/costs/upload/")
    page.get_by_label("Or paste JSON").fill(
        f'[{{"date": "{day(2).isoformat()}", "app_id": "id123456789", "media_source": "acme_int",'
        ' "campaign_id": "c1", "campaign_name": "spring", "currency": "USD", "spend": "12.5"}]'
    )
    page.locator("summary", has_text="Options").click()
    page.get_by_label("Source time zone").fill("Not/AZone")
    page.get_by_role("button", name="Upload and check").click()
    # The form comes back with the problem named and everything typed still there.
    expect(page.locator(".field-error")).to_contain_text("is not an IANA time zone name")
    expect(page.get_by_label("Source time zone")).to_have_value("Not/AZone")
    expect(page.get_by_label("Or paste JSON")).to_have_value(re.compile('"spend": "12.5"'))
    page.get_by_label("Source time zone").fill("")
    page.get_by_role("button", name="Upload and check").click()

    spend = page.locator('tr[data-row="1"] td[data-field="spend"]')
    expect(spend).to_contain_text("pv102")
    expect(spend).to_contain_text("quoted string")
    page.get_by_label("Row 1 spend").press("Enter")  # the same value, now sent as a number
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("Nothing blocks this file")
    expect(page.locator("h1")).to_contain_text("pasted (fix 1).json")
