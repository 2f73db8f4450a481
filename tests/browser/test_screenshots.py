"""README screenshots of the main pages with demo-like data. Skipped unless SCREENSHOTS_DIR is set:

SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/browser/test_screenshots.py
"""

import datetime as dt
import io
import os
import random
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from incost_portal.costs.services import cost_upload_create
from incost_portal.networks.models import App, Role
from incost_portal.networks.services import app_create, media_source_create, membership_set, network_create
from tests.browser.conftest import log_in
from tests.builders import ANDROID, IOS, cost_rows, csv_bytes
from tests.submissions.workers import workers_running
from tests.wiring import Wired

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("SCREENSHOTS_DIR"), reason="SCREENSHOTS_DIR is not set"),
]

SOURCES = ("demo_int", "demo_video_int", "demo_search_int")


def _day(back: int) -> str:
    return (timezone.now().date() - dt.timedelta(days=back)).isoformat()


def _history(apps: list[str]) -> bytes:
    chance = random.Random(7)
    rows = []
    for back in range(1, 46):
        for app in apps:
            for source_index, source in enumerate(SOURCES):
                for campaign in range(3):
                    base = (220, 140, 60)[source_index] * (1.3 if app.startswith("id") else 1)
                    rows.append({"date": _day(back), "app_id": app, "media_source": source,
                                 "campaign_id": f"{source[5:8]}{campaign}",
                                 "campaign_name": f"autumn_{campaign}",
                                 "geo": ("US", "DE", "BR")[campaign], "currency": "USD",
                                 "spend": f"{base * chance.uniform(0.5, 1.4) / 3:.2f}"})  # fmt: skip
    return csv_bytes(rows)


def test_screenshots(page, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    out = Path(os.environ["SCREENSHOTS_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    network = network_create(name="Demo Network", slug="demo")
    ops = get_user_model().objects.create_user("demo-ops", "ops@example.org", "incost-demo")
    membership_set(network=network, user=ops, role=Role.OPS)
    for source in SOURCES:
        media_source_create(network=network, name=source)
    app_create(network=network, app_id="id888123456", name="iOS test app", platform=App.Platform.IOS)
    app_create(network=network, app_id="com.cost.app", name="Android test app", time_zone="America/New_York")
    history = cost_upload_create(
        network=network, user=ops, file=io.BytesIO(_history(["id888123456", "com.cost.app"])),
        name="autumn-campaigns.csv", accept=True,
    )  # fmt: skip
    assert history.status == "accepted", history.issue_counts
    cost_upload_create(
        network=network, user=ops, name="pasted.json",
        file=io.BytesIO(b'[{"date": "%s", "app_id": "id888123456", "media_source": "demo_int",'
                        b' "campaign_id": "x1", "campaign_name": "x", "currency": "USD", "spend": 12.5}]'
                        % _day(1).encode()),
    )  # fmt: skip
    bad = [
        {"date": _day(2), "app_id": "id888123456", "media_source": "demo_int", "campaign_id": "aut0",
         "campaign_name": "autumn_0", "geo": "US", "currency": "USD", "spend": "120.50"},
        {"date": _day(2), "app_id": "id888123456", "media_source": "demo_int", "campaign_id": "aut1",
         "campaign_name": "autumn_1", "geo": "UK", "currency": "USD", "spend": "80"},
        {"date": _day(-3), "app_id": "id888123456", "media_source": "demo_int", "campaign_id": "aut2",
         "campaign_name": "autumn_2", "geo": "DE", "currency": "USD", "spend": "45.10"},
        {"date": _day(2), "app_id": "com.cost.app", "media_source": "demo_tv_int", "campaign_id": "tv1",
         "campaign_name": "tv launch", "geo": "BR", "currency": "USD", "spend": "300"},
        {"date": _day(2), "app_id": "com.cost.app", "media_source": "demo_video_int", "campaign_id": "vid1",
         "campaign_name": "video_1", "geo": "BR", "currency": "USD", "spend": "-5"},
    ]  # fmt: skip
    preview = cost_upload_create(
        network=network, user=ops, file=io.BytesIO(csv_bytes(bad)), name="week-47.csv"
    )
    base = f"/n/{network.code}"

    log_in(page, "demo-ops", "incost-demo")
    page.goto(f"{base}/costs/uploads/{preview.code}/")
    page.screenshot(path=str(out / "upload-preview-errors.png"), full_page=True)
    page.goto(f"{base}/costs/")
    page.screenshot(path=str(out / "costs-chart.png"), full_page=False)
    page.goto(f"{base}/costs/uploads/")
    page.screenshot(path=str(out / "uploads-history.png"), full_page=True)
    page.goto(f"{base}/costs/upload/")
    page.screenshot(path=str(out / "upload-form.png"), full_page=True)
    # A phone: the top bar folds into one menu, the grid scrolls in its card.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/costs/uploads/{preview.code}/")
    page.get_by_test_id("narrow-menu").locator("summary").click()
    page.screenshot(path=str(out / "phone-preview-menu.png"), full_page=False)


def test_screenshots_of_the_dashboard_and_jobs(page, wired: Wired, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """Six weeks of cost sent to the sandbox and Applied, a correction not sent yet, a media source
    AppsFlyer does not know (its job fails with ic213)."""
    out = Path(os.environ["SCREENSHOTS_DIR"])
    settings.MEDIA_ROOT = str(tmp_path / "media")
    wired.user.set_password("incost-demo")
    wired.user.save()
    wired.put_cost(
        cost_rows(IOS, range(4, 46), geos=("US", "DE")) + cost_rows(ANDROID, range(4, 40), spend="7.25")
    )
    base = f"/n/{wired.network.code}"
    log_in(page, wired.user.get_username(), "incost-demo")
    with workers_running(tmp_path, count=1, cron=True):
        page.goto(f"{base}/jobs/")
        page.get_by_role("button", name="Send now").click()
        expect(page.locator('#jobs-table [data-state="applied"]')).to_have_count(2, timeout=120_000)
        wired.put_cost(cost_rows(ANDROID, range(2, 4), source="unregistered_int"))
        page.get_by_role("button", name="Send now").click()
        expect(page.locator('#jobs-table [data-state="failed"]')).to_have_count(1, timeout=60_000)
    wired.put_cost(cost_rows(IOS, range(4, 7), spend="12"))  # corrected, waiting for the next send
    page.goto(f"{base}/")
    page.screenshot(path=str(out / "dashboard.png"), full_page=False)
    page.goto(f"{base}/jobs/")
    page.screenshot(path=str(out / "jobs.png"), full_page=False)
