"""Cached page fragments (networks.page_cache): a page served from the cache is never an older
page, never another viewer's (their CSRF token, their buttons), and reads none of the network's
data; the network's data version moves when a change commits, and only then."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incost_portal.costs.editing import cost_row_edit
from incost_portal.costs.models import CostRow
from incost_portal.networks import page_cache
from incost_portal.networks.access import Access
from incost_portal.networks.models import Network, Role
from incost_portal.networks.services import (
    api_token_revoke,
    api_token_set,
    app_send_cost_set,
    membership_set,
    network_create,
)
from incost_portal.submissions.models import State
from tests.cast import PASSWORD
from tests.costs.rows import csv_bytes
from tests.costs.test_views import CostPagesTestCase, row
from tests.submissions.test_views import JobsTestCase

PAGES = ("dashboard:index", "costs:list", "submissions:list")
# What a page served from the cache may still read: the session, the user, their memberships (with
# the network and its data version) and, for the dashboard's calls of today, the token.
LAYOUT_TABLES = {"django_session", "auth_user", "networks_membership", "networks_apitoken"}
TOKEN = "eyJ" + "t" * 60 + "ABCD"


def tables_read(queries: CaptureQueriesContext) -> set[str]:
    return {table for query in queries for table in re.findall(r'FROM "(\w+)"', query["sql"])}


def form_token(html: str, action: str) -> str:
    form = html[html.index(f'action="{action}"') :]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]


class CachedPagesTestCase(CostPagesTestCase, JobsTestCase):
    def test_a_page_served_again_reads_none_of_the_networks_data(self) -> None:
        self.stored(csv_bytes([row()]))
        self.job()
        api_token_set(network=self.network, plaintext=TOKEN, user=self.admin)
        self.login(self.ops)
        for name in PAGES:
            url = self.url(name)
            with CaptureQueriesContext(connection) as first:
                self.client.get(url)
            with CaptureQueriesContext(connection) as again:
                response = self.client.get(url)
            assert response.status_code == 200
            assert not tables_read(again) - LAYOUT_TABLES, (name, tables_read(again))
            assert tables_read(first) - LAYOUT_TABLES, name  # the first one did read the data
        self.assertContains(self.client.get(self.url("costs:list")), "12.5 USD")

    def test_a_change_shows_at_once(self) -> None:
        self.stored(csv_bytes([row()]))
        job = self.job(state=State.SUBMITTED)
        self.login(self.ops)
        pages = {name: self.client.get(self.url(name)) for name in PAGES}  # all cached now
        self.assertContains(pages["costs:list"], "12.5 USD")
        self.assertContains(pages["dashboard:index"], "Missing")  # no token yet

        stored = CostRow.objects.get(network=self.network)
        cost_row_edit(network=self.network, row=stored, user=self.ops, changes={"spend": "20"})
        costs = self.client.get(self.url("costs:list"))
        self.assertContains(costs, "20 USD")
        self.assertNotContains(costs, "12.5 USD")

        live = self.client.get(self.url("submissions:list"), headers={"HX-Request": "true"})
        self.assertContains(live, 'hx-trigger="every 3s"')
        assert job.move(State.POLLING) and job.move(State.APPLIED)
        done = self.client.get(self.url("submissions:list"), headers={"HX-Request": "true"})
        self.assertNotContains(done, 'hx-trigger="every 3s"')  # the live list stops polling
        self.assertContains(done, "Applied")

        api_token_set(network=self.network, plaintext=TOKEN, user=self.admin)
        self.assertContains(self.client.get(self.url("dashboard:index")), "…ABCD")
        app_send_cost_set(network=self.network, app=self.cast.ios_app, send_cost=False, actor=self.admin)
        self.assertContains(self.client.get(self.url("dashboard:index")), "Sending is off for id123456789")
        api_token_revoke(network=self.network, actor=self.admin)
        self.assertContains(self.client.get(self.url("dashboard:index")), "Missing")

        renamed = Network.objects.get(pk=self.network.pk)
        renamed.name = "Acme Media"
        renamed.save()
        self.assertContains(self.client.get(self.url("costs:list")), "Acme Media")

    def test_each_viewer_gets_a_token_of_their_own_in_the_cached_forms(self) -> None:
        self.stored(csv_bytes([row(campaign_id="c1"), row(campaign_id="c2")]))
        users = get_user_model().objects
        second = users.create_user("otto", "otto@example.org", PASSWORD)
        membership_set(network=self.network, user=second, role=Role.OPS)
        first_client, second_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
        first_client.force_login(self.ops)
        second_client.force_login(second)
        url = self.url("costs:list")
        first_page = first_client.get(url).content.decode()
        second_page = second_client.get(url).content.decode()  # served from the cache
        target = CostRow.objects.get(network=self.network, campaign_id="c2")
        action = self.url("costs:row_delete", target.pk)
        assert page_cache.CSRF_PLACEHOLDER not in first_page + second_page
        # The second viewer's form carries their own token: the first viewer's would be refused.
        assert form_token(second_page, action) != form_token(first_page, action)
        response = second_client.post(action, {"csrfmiddlewaretoken": form_token(second_page, action)})
        assert response.status_code == 302
        assert not CostRow.objects.filter(pk=target.pk).exists()

    def test_readers_and_writers_are_served_their_own_buttons(self) -> None:
        self.stored(csv_bytes([row()]))
        self.login(self.reviewer)
        self.assertNotContains(self.client.get(self.url("costs:list")), "Delete")
        self.login(self.ops)
        self.assertContains(self.client.get(self.url("costs:list")), "Delete")
        self.login(self.reviewer)
        self.assertNotContains(self.client.get(self.url("costs:list")), "Delete")

    def test_filters_are_cached_apart(self) -> None:
        self.job(state=State.FAILED)
        self.job(app=self.cast.android_app)
        self.login(self.ops)
        url = self.url("submissions:list")
        self.assertContains(self.client.get(url), "<code>com.acme.game</code>")
        self.assertNotContains(self.client.get(url, {"state": "failed"}), "<code>com.acme.game</code>")
        self.assertContains(self.client.get(url), "<code>com.acme.game</code>")


def test_a_saved_old_copy_of_the_network_keeps_its_version(db: None) -> None:
    network = network_create(name="Acme Ads", slug="acme")
    stale = Network.objects.get(pk=network.pk)
    page_cache.network_changed(network.pk)
    moved = Network.objects.get(pk=network.pk).data_version
    stale.name = "Acme Media"
    stale.save()
    stale.refresh_from_db()
    # Its name is saved, and the version goes on from where it was (the save moves it), never back.
    assert (stale.name, stale.data_version) == ("Acme Media", moved + 1)


@pytest.mark.django_db(transaction=True)
def test_the_version_moves_when_the_change_commits_and_only_then() -> None:
    network = network_create(name="Acme Ads", slug="acme")

    def version() -> int:
        return Network.objects.get(pk=network.pk).data_version

    start = version()
    with transaction.atomic():
        page_cache.network_changed(network.pk)
        assert version() == start  # a page rendered now reads the old data: the old version fits
    assert version() == start + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        page_cache.network_changed(network.pk)
        raise RuntimeError("the write failed")
    assert version() == start + 1  # nothing changed, nothing moved
    page_cache.network_changed(network.pk)  # outside a transaction: at once
    assert version() == start + 2


def test_fragment_keys_follow_the_version_the_viewer_and_the_clock(db: None) -> None:
    network = network_create(name="Acme Ads", slug="acme")
    at = dt.datetime(2026, 12, 4, 10, 0, 5, tzinfo=dt.UTC)

    def key(
        per: str = page_cache.PER_DAY,
        now: dt.datetime = at,
        access: int = Access.READ,
        query: str = "state=failed",
    ) -> str:
        return page_cache.fragment_key("jobs", network=network, access=access, vary=[query], per=per, now=now)

    later_that_minute, next_minute = at + dt.timedelta(seconds=50), at + dt.timedelta(seconds=55)
    assert key(page_cache.PER_MINUTE) == key(page_cache.PER_MINUTE, later_that_minute)
    assert key(page_cache.PER_MINUTE) != key(page_cache.PER_MINUTE, next_minute)
    assert key() == key(now=at + dt.timedelta(hours=13)) != key(now=at + dt.timedelta(days=1))
    assert key() != key(access=Access.WRITE)
    assert key() != key(query="state=applied")
    before = key()
    page_cache.network_changed(network.pk)
    network.refresh_from_db()
    assert key() != before


def test_a_fragment_inside_another_leaves_the_token_to_the_outer_one(cast) -> None:  # type: ignore[no-untyped-def]
    """Nested fragments: the outer one is cached with the stand-in, and every viewer's token goes in
    when the outer one is served (a real token cached inside would be the first viewer's)."""
    from django.template import Context, Template

    from incost_portal.networks.access import tenancy_for

    page = Template(
        "{% load page_fragments %}{% cached_fragment 'outer' %}"
        "{% cached_fragment 'inner' %}{% csrf_token %}{% endcached_fragment %}{% endcached_fragment %}"
    )
    tenancy = tenancy_for(cast.ops, cast.network.code)
    first = page.render(Context({"tenancy": tenancy, "csrf_token": "first-viewers-token"}))
    second = page.render(Context({"tenancy": tenancy, "csrf_token": "second-viewers-token"}))
    assert 'value="first-viewers-token"' in first
    assert 'value="second-viewers-token"' in second and "first-viewers-token" not in second
