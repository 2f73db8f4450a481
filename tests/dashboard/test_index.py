import datetime as dt

from django.utils import timezone

from incost_portal.networks.services import api_token_set
from incost_portal.submissions.models import State
from tests.builders import submission
from tests.cast import BaseTestCase


class DashboardTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        self.login(self.ops)
        response = self.client.get(self.url("dashboard:index"))
        self.assertContains(response, "Acme Ads")
        self.assertContains(response, "Getting started")
        self.assertContains(response, "Store the AppsFlyer API token")

    def test_it_shows_the_token_only_by_its_last_four(self) -> None:
        token = "eyJ" + "a" * 700 + "WXYZ"
        api_token_set(network=self.network, plaintext=token, user=self.admin)
        self.login(self.reviewer)
        response = self.client.get(self.url("dashboard:index"))
        self.assertContains(response, "…WXYZ")
        self.assertNotContains(response, token[:40])

    def test_it_counts_the_jobs_that_need_attention(self) -> None:
        app, now = self.cast.ios_app, timezone.now()
        for _ in range(2):
            submission(app, State.FAILED, finished_at=now - dt.timedelta(days=1))
        submission(app, State.FAILED, finished_at=now - dt.timedelta(days=8))  # older than a week
        submission(app, State.NEEDS_RETRY)
        for _ in range(3):
            submission(app, State.PLANNED)
        submission(self.cast.other_app, State.FAILED, finished_at=now)  # another network's
        self.login(self.ops)
        response = self.client.get(self.url("dashboard:index"))
        self.assertContains(response, "2 job(s) failed in the last 7 days.")
        self.assertContains(response, "1 job(s) wait to be retried.")
        self.assertContains(response, "3 job(s) wait for tomorrow&#x27;s call budget.")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        response = self.client.get(self.url("dashboard:index"))
        assert response.status_code == 404

    def test_it_requires_login(self) -> None:
        response = self.client.get(self.url("dashboard:index"))
        self.assertRedirects(response, f"/accounts/login/?next={self.url('dashboard:index')}")

    def test_it_rejects_post_from_reviewer(self) -> None:
        self.login(self.reviewer)
        response = self.client.post(self.url("dashboard:index"))
        assert response.status_code == 403


class HomeTestCase(BaseTestCase):
    def test_it_lands_on_the_users_network(self) -> None:
        self.login(self.ops)
        response = self.client.get("/")
        self.assertRedirects(response, self.url("dashboard:index"))

    def test_it_remembers_the_network_used_last(self) -> None:
        from incost_portal.networks.models import Role
        from incost_portal.networks.services import membership_set

        membership_set(network=self.cast.other_network, user=self.ops, role=Role.OPS)
        self.login(self.ops)
        self.client.get(self.url("dashboard:index", network=self.cast.other_network))
        response = self.client.get("/")
        self.assertRedirects(response, self.url("dashboard:index", network=self.cast.other_network))

    def test_it_says_what_to_do_without_a_network(self) -> None:
        from django.contrib.auth import get_user_model

        lonely = get_user_model().objects.create_user("lonely", "l@example.org", "x")
        self.login(lonely)
        self.assertContains(self.client.get("/"), "not in a network yet")


class SwitcherTestCase(BaseTestCase):
    def test_it_lists_only_the_users_networks(self) -> None:
        self.login(self.ops)
        response = self.client.get(self.url("dashboard:index"))
        self.assertContains(response, 'data-testid="network-switcher"')
        self.assertNotContains(response, "Other Ads")
