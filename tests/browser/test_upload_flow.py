"""Ad ops upload a file with errors, see the codes on the right cells, fix them in the page, accept,
send, and follow the job to Applied in the sandbox (its jobs run in this process, as a worker runs
them); a reviewer then sees the same pages without any control to change them."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.networks.models import Role
from incost_portal.networks.services import membership_set
from incost_portal.submissions.models import State, Submission
from tests.browser.conftest import log_in
from tests.builders import IOS, csv_bytes, day
from tests.wiring import Wired, queued_jobs_run

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def cell(page, row: int, field: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid="cost-grid"] tr[data-row="{row}"] td[data-field="{field}"]')


def test_ops_fix_accept_send_to_applied_and_reviewer_follows(
    page, wired: Wired, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.INCOST_POLL_DELAY_SECONDS = 0  # the sandbox's jobs end at once: read their status then
    settings.MEDIA_ROOT = str(tmp_path / "media")
    users = get_user_model().objects
    wired.user.set_password("ops passphrase 1")
    wired.user.save()
    pdm = users.create_user("pdm", "pdm@example.org", "pdm passphrase 2")
    membership_set(network=wired.network, user=pdm, role=Role.REVIEWER)
    base = f"/n/{wired.network.code}"
    rows = [
        {"date": day(3), "app_id": IOS, "media_source": "acme_int", "campaign_id": "c1",
         "campaign_name": "spring", "geo": "US", "currency": "USD", "spend": "10.5"},
        {"date": day(3), "app_id": IOS, "media_source": "acme_int", "campaign_id": "c2",
         "campaign_name": "spring", "geo": "XX", "currency": "USD", "spend": "4"},
        {"date": day(-2), "app_id": IOS, "media_source": "acme_int", "campaign_id": "c3",
         "campaign_name": "spring", "geo": "FR", "currency": "USD", "spend": "7.25"},
    ]  # fmt: skip
    file = tmp_path / "week.csv"
    file.write_bytes(csv_bytes(rows))

    log_in(page, "ops-acme", "ops passphrase 1")
    page.goto(f"{base}/costs/upload/")
    page.get_by_label("Cost file").set_input_files(str(file))
    expect(page.locator("#dropzone-name")).to_contain_text("week.csv")
    page.get_by_role("button", name="Upload and check").click()

    # The preview: the codes on the right cells, with a plain sentence.
    expect(page.locator("h1")).to_contain_text("week.csv")
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("2 errors block this file")
    expect(page.locator('[data-testid="issue-codes"] tr[data-code="ic219"]')).to_be_visible()
    expect(cell(page, 3, "geo")).to_have_class(re.compile("cell-error"))
    expect(cell(page, 3, "geo")).to_contain_text("ic219")
    expect(cell(page, 3, "geo")).to_contain_text("not a country code AppsFlyer accepts")
    expect(cell(page, 4, "date")).to_have_class(re.compile("cell-error"))
    expect(cell(page, 4, "date")).to_contain_text("ic212")
    expect(cell(page, 3, "date")).not_to_have_class(re.compile("cell-error"))
    original = CostUpload.objects.get()

    # Fix both cells in the page; each change is checked at once.
    page.get_by_label("Row 3 geo").fill("DE")
    page.get_by_label("Row 3 geo").press("Enter")
    expect(page.locator(".message").first).to_contain_text("Row 3 geo changed")
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("1 error blocks this file")
    expect(page.locator('[data-testid="cost-grid"] tr[data-row="3"]')).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/costs/uploads/[0-9a-f-]+/$"))
    assert original.code.hex not in page.url.replace("-", "")
    page.get_by_label("Row 4 date").fill(day(2).isoformat())
    page.get_by_label("Row 4 date").press("Enter")
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("Nothing blocks this file")

    page.get_by_role("button", name="Accept 3 rows").click()
    expect(page.locator(".message.success")).to_contain_text("Accepted: 3 rows stored")
    assert CostRow.objects.filter(network=wired.network).count() == 3
    original.refresh_from_db()
    assert original.status == CostUpload.Status.INVALID  # the file as uploaded is kept as it was

    page.get_by_role("button", name="Send now").click()
    expect(page.locator(".message.success")).to_contain_text("Send now")
    expect(page.locator("h1")).to_contain_text("Jobs")
    queued_jobs_run()  # the plan, the send and the job's status read
    # The Jobs page refreshes itself (htmx) until the job is final.
    expect(page.locator('#jobs-table [data-state="applied"]')).to_have_count(1, timeout=30_000)
    submission = Submission.objects.get(network=wired.network)
    assert submission.state == State.APPLIED and submission.row_count == 3
    assert sum(wired.ledger().values()) == sum(wired.portal_totals().values())

    # The history: the upload as its latest version, every version on asking, and the cost itself.
    page.goto(f"{base}/costs/uploads/")
    expect(page.locator('[data-testid="uploads"] tbody tr')).to_have_count(1)
    expect(page.locator('[data-testid="uploads"]')).to_contain_text("week (fix 2).csv")
    page.goto(f"{base}/costs/uploads/?versions=all")
    expect(page.locator('[data-testid="uploads"] tbody tr')).to_have_count(3)
    page.goto(f"{base}/costs/")
    expect(page.locator('[data-testid="total-rows"]')).to_have_text("3")
    expect(page.locator('[data-testid="spend-chart"] rect')).not_to_have_count(0)

    page.locator("summary", has_text="ops-acme").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "pdm", "pdm passphrase 2")
    accepted = CostUpload.objects.get(status=CostUpload.Status.ACCEPTED)
    for path in (
        f"costs/uploads/{accepted.code}/",
        f"costs/uploads/{original.code}/",
        "costs/uploads/",
        "costs/",
    ):
        page.goto(f"{base}/{path}")
        expect(page.locator("main h1")).to_be_visible()
        # Filters stay (they only read); nothing that would post a change.
        expect(page.locator("main form[method=post]")).to_have_count(0)
        expect(page.locator(".cell-fix")).to_have_count(0)
        expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    page.goto(f"{base}/costs/uploads/{original.code}/")
    expect(cell(page, 3, "geo")).to_contain_text("ic219")
    page.goto(f"{base}/jobs/")
    expect(page.locator('#jobs-table [data-state="applied"]')).to_have_count(1)
    response = page.goto(f"{base}/costs/upload/")
    assert response is not None and response.status == 403
