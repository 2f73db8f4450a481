from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from incost_portal.networks.models import App, Membership, Network


class SeedDemoTestCase(TestCase):
    def test_it_is_idempotent_and_prints_the_logins(self) -> None:
        out = StringIO()
        call_command("seed_demo", stdout=out)
        call_command("seed_demo", stdout=StringIO())
        assert Network.objects.filter(slug__in=["demo", "other"]).count() == 2
        demo = Network.objects.get(slug="demo")
        assert demo.name == "Demo Network"
        assert set(App.objects.filter(network=demo).values_list("app_id", "time_zone", "currency")) == {
            ("id888123456", "UTC", "USD"),
            ("com.cost.app", "UTC", "USD"),
        }
        assert demo.media_sources.filter(name="demo_int").exists()
        roles = dict(Membership.objects.filter(network=demo).values_list("user__username", "role"))
        assert roles == {"demo-admin": "admin", "demo-ops": "ops", "demo-reviewer": "reviewer"}
        assert not Membership.objects.filter(network=demo, user__username="other-admin").exists()
        printed = out.getvalue()
        for username in ("demo-admin", "demo-ops", "demo-reviewer", "other-admin", "incost-demo"):
            assert username in printed
        response = self.client.post("/accounts/login/", {"username": "demo-ops", "password": "incost-demo"})
        assert response.status_code == 302

    def test_it_gives_the_demo_network_two_weeks_of_accepted_cost_once(self) -> None:
        from incost_portal.costs.models import CostRow, CostUpload

        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo", stdout=StringIO())
        demo = Network.objects.get(slug="demo")
        assert CostUpload.objects.filter(network=demo, status=CostUpload.Status.ACCEPTED).count() == 1
        assert CostRow.objects.filter(network=demo).count() == 2 * 14 * 3 * 2
        assert not CostRow.objects.filter(network__slug="other").exists()
