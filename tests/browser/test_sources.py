"""An admin adds an HTTPS source in the browser, tests it (the preview, nothing stored), fetches it
now, and sees the run with its held group and issues; its jobs run in this process as a worker
runs them, against a real reporting server on a local port."""

import re

import pytest
from playwright.sync_api import expect

from incost_portal.costs.models import CostRow
from incost_portal.networks.models import Role
from incost_portal.networks.services import membership_set
from incost_portal.sources.models import SourceRun
from tests.browser.conftest import log_in
from tests.builders import IOS, cost_rows, csv_bytes
from tests.sources.conftest import FAST
from tests.sources.reports import reports_running
from tests.sources.running import jobs_run
from tests.wiring import Wired

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_admin_adds_tests_and_fetches_an_https_source(page, wired: Wired, settings) -> None:  # type: ignore[no-untyped-def]
    for name, value in FAST.items():
        setattr(settings, name, value)
    membership_set(network=wired.network, user=wired.user, role=Role.ADMIN)
    wired.user.set_password("admin passphrase 3")
    wired.user.save()
    # The report calls spend "Cost"; yesterday's group has a negative one.
    rows = [
        {**{k: v for k, v in row.items() if k != "spend"}, "Cost": "4"} for row in cost_rows(IOS, range(1, 3))
    ]
    rows[0]["Cost"] = "-2"
    with reports_running() as reports:
        reports.set("/daily.csv", body=csv_bytes(rows), require={"X-Api-Key": "report-key-0042"})
        log_in(page, "ops-acme", "admin passphrase 3")
        page.goto(f"/n/{wired.network.code}/settings/")
        page.get_by_role("navigation", name="Settings").get_by_role("link", name="Cost sources").click()
        page.get_by_role("link", name="Add a source").click()
        expect(page.get_by_label("Bucket", exact=True)).to_be_hidden()  # only the chosen kind's settings show
        page.get_by_label("S3-compatible bucket").check()
        expect(page.get_by_label("Bucket", exact=True)).to_be_visible()
        expect(page.get_by_label("Report URL")).to_be_hidden()
        page.get_by_label("HTTPS report").check()
        page.get_by_label("Name").fill("Daily report")
        page.get_by_label("Report URL").fill(reports.url("/daily.csv?from={date_from}&to={date_to}"))
        page.get_by_label("Request headers").fill("X-Api-Key: report-key-0042")
        page.get_by_label("Column mapping").fill("Cost = nope")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("not an InCost field")).to_be_visible()
        expect(page.get_by_label("Name")).to_have_value("Daily report")  # what was typed stays
        page.get_by_label("Column mapping").fill("Cost = spend")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", name="Daily report")).to_be_visible()
        expect(page.get_by_text("X-Api-Key: …0042")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("report-key-0042")

        page.get_by_role("button", name="Test (dry run)").click()
        expect(page.get_by_role("heading", name="Test of Daily report")).to_be_visible()
        jobs_run()
        summary = page.get_by_test_id("run-summary")
        expect(summary).to_contain_text("Accepted, some groups held", timeout=15_000)
        expect(summary).to_contain_text("A test: nothing was stored")
        expect(page.get_by_test_id("issues")).to_contain_text("ic217")
        assert not CostRow.objects.exists()

        page.get_by_role("link", name="All runs").click()
        page.get_by_role("button", name="Fetch now").click()
        expect(page.get_by_role("heading", name="Run of Daily report")).to_be_visible()
        jobs_run()
        expect(page.get_by_test_id("run-summary")).to_contain_text(
            "Accepted, some groups held", timeout=15_000
        )
        held = page.get_by_test_id("held-groups")
        expect(held).to_contain_text(IOS)
        expect(held).to_contain_text("ic217")
        expect(page.get_by_test_id("issues")).to_contain_text("Spend -2 is negative")
        page.get_by_role("link", name=re.compile(r"daily\.csv")).first.click()
        expect(page).to_have_url(re.compile(r"/costs/uploads/"))
    assert SourceRun.objects.filter(dry_run=False).get().groups_replaced == 1
    assert CostRow.objects.filter(network=wired.network).count() == 2
