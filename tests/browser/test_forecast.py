"""In Chromium: the dashboard loads today's forecast after the page (htmx), for a reader too."""

from typing import Any

import pytest
from playwright.sync_api import expect

from incost_portal.networks.services import api_token_set
from tests.browser.conftest import log_in
from tests.cast import PASSWORD, Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_shows_todays_forecast(page: Any, cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext="eyJ" + "t" * 700, user=None)
    log_in(page, "rita", PASSWORD)  # the reviewer: read access is enough
    page.goto(f"/n/{cast.network.code}/")
    forecast = page.locator("#forecast")
    expect(forecast).to_contain_text("Calls used in the last 24 hours")
    expect(forecast).to_contain_text("Nothing waits")
