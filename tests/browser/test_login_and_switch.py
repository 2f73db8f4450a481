import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from incost_portal.networks.models import Network, Role
from incost_portal.networks.services import membership_set, network_create
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ops_logs_in_sees_the_dashboard_switches_network_and_logs_out(page) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.contrib.auth import get_user_model

    call_command("seed_demo", stdout=StringIO())
    ops = get_user_model().objects.get(username="demo-ops")
    second = network_create(name="Second Network", slug="second")
    membership_set(network=second, user=ops, role=Role.REVIEWER)
    demo, other = Network.objects.get(slug="demo"), Network.objects.get(slug="other")

    log_in(page, "demo-ops", "incost-demo")
    expect(page).to_have_url(re.compile(rf"/n/{demo.code}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Network")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Dashboard")

    switcher = page.get_by_test_id("network-switcher")
    switcher.locator("summary").click()
    menu = switcher.get_by_role("menuitem")
    expect(menu).to_have_count(2)
    expect(switcher).not_to_contain_text("Other Network")
    switcher.get_by_role("menuitem", name=re.compile("Second Network")).click()
    expect(page).to_have_url(re.compile(rf"/n/{second.code}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Second Network")

    # A network the user is not in: typed by hand, it is not found, and nothing of it shows.
    response = page.goto(f"/n/{other.code}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text("Other Network")

    page.goto("/")
    expect(page).to_have_url(re.compile(rf"/n/{second.code}/$"))  # the network used last
    page.locator("summary", has_text="demo-ops").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"/n/{demo.code}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
