"""The preview's journeys in the browser: a European CSV checked clean once its decimals and dates
are declared; a duplicate and an old day removed, the rest accepted; the valid groups of another
file accepted alone."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from incost_portal.costs.models import CostRow
from tests.browser.conftest import log_in
from tests.builders import day
from tests.cast import PASSWORD, make_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADER = "date,app_id,media_source,campaign_id,campaign_name,currency,spend"


@pytest.fixture
def base(tmp_path: Path, settings) -> str:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cast = make_cast()
    return f"/n/{cast.network.code}"


def upload(page, base: str, path: Path, **options: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/costs/upload/")
    page.locator("#id_file").set_input_files(str(path))
    if options:
        page.locator("summary", has_text="Options").click()
        for label, value in options.items():
            page.get_by_label(label).select_option(value)
    page.get_by_role("button", name="Upload and check").click()


def test_a_european_csv_is_clean_once_declared(page, base: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    when = day(2)
    lines = ["date;app_id;media_source;campaign_id;campaign_name;currency;spend"]
    lines += [f"{when:%d/%m/%Y};id123456789;acme_int;c{n};spring;USD;1.234,{n}0" for n in range(3)]
    path = tmp_path / "eu.csv"
    path.write_text("\n".join(lines) + "\n")
    log_in(page, "olga", PASSWORD)
    upload(page, base, path)
    expect(page.locator('[data-testid="issue-codes"] tr[data-code="pv102"]')).to_be_visible()
    upload(page, base, path, **{"Decimals in spend": ",", "Dates": "DD/MM/YYYY"})
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("Nothing blocks this file")
    expect(page.get_by_role("button", name="Accept 3 rows")).to_be_visible()


def test_rows_removed_then_the_rest_accepted(page, base: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good, old = day(2).isoformat(), day(120).isoformat()
    path = tmp_path / "mixed.csv"
    path.write_text(
        f"{HEADER}\n{good},id123456789,acme_int,c1,spring,USD,1\n{good},id123456789,acme_int,c2,spring,USD,2\n"
        f"{good},id123456789,acme_int,c1,spring,USD,1\n{old},id123456789,acme_int,c3,spring,USD,3\n"
    )
    log_in(page, "olga", PASSWORD)
    upload(page, base, path)
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("block")
    page.get_by_label("Choose row 4").check()
    page.get_by_label("Choose row 5").check()
    page.get_by_test_id("remove-rows").click()
    expect(page.locator(".message.success")).to_contain_text("2 rows removed")
    expect(page.locator('[data-testid="next-step"]')).to_contain_text("Nothing blocks this file")
    page.get_by_role("button", name="Accept 2 rows").click()
    expect(page.locator(".message.success")).to_contain_text("Accepted: 2 rows stored")


def test_only_the_valid_groups_are_accepted(page, base: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    two, three = day(2).isoformat(), day(3).isoformat()
    path = tmp_path / "other.csv"
    path.write_text(
        f"{HEADER}\n{two},id123456789,acme_int,a1,spring,USD,1\n{two},id123456789,acme_int,a2,spring,USD,-2\n"
        f"{three},id123456789,acme_int,b1,spring,USD,3\n"
    )
    log_in(page, "olga", PASSWORD)
    upload(page, base, path)
    page.get_by_test_id("accept-valid").click()
    expect(page.locator(".message.success")).to_contain_text("1 row stored")
    assert set(CostRow.objects.values_list("campaign_id", flat=True)) == {"b1"}


def test_a_column_set_on_the_chosen_rows(page, base: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    two = day(2).isoformat()
    path = tmp_path / "sources.csv"
    path.write_text(
        f"{HEADER}\n{two},id123456789,old_int,a1,spring,USD,1\n{two},id123456789,old_int,a2,spring,USD,2\n"
        f"{two},id123456789,old_int,a3,spring,USD,3\n"
    )
    log_in(page, "olga", PASSWORD)
    upload(page, base, path)
    page.get_by_label("Choose row 2").check()
    page.get_by_label("Choose row 3").check()
    page.get_by_label("Column").select_option("media_source")
    page.get_by_label("set to").fill("acme_int")
    page.get_by_test_id("set-column").click()
    expect(page.locator(".message.success")).to_contain_text("media_source set")
    # Rows 2 and 3 fixed, row 4 still names the unknown source.
    expect(page.locator('[data-testid="issue-codes"] tr[data-code="ic213"]')).to_contain_text("1")
    expect(page.locator('tr[data-row="4"]')).to_contain_text("ic213")


def test_at_1440_px_spend_and_row_issues_are_in_sight(page, base: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    two = day(2).isoformat()
    header = f"{HEADER},adset_id,adset_name,ad_id,ad_name,site_id,geo,channel,keywords,clicks,impressions"
    extra = "as1,autumn adset,ad1,autumn ad,site1,US,video,cheap flights,10,1000"
    path = tmp_path / "wide.csv"
    path.write_text(
        f"{header}\n{two},id123456789,acme_int,c1,spring,USD,-1,{extra}\n"
        f"{two},id123456789,acme_int,c1,spring,USD,-1,{extra}\n"
    )
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "olga", PASSWORD)
    upload(page, base, path)
    grid = page.get_by_test_id("cost-grid")
    for name in ("spend", "row issues"):
        box = grid.locator("th", has_text=name).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1440, (name, box)
    # The duplicate's message sits beside its row number, in sight.
    issue = page.locator('tr[data-row="3"] td.row-issues')
    expect(issue).to_contain_text("ic222")
    box = issue.bounding_box()
    assert box is not None and box["x"] < 400
