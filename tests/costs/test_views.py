import datetime
from decimal import Decimal

from django.utils import timezone

from incost_portal.costs.models import CostRow
from tests.cast import BaseTestCase


class CostListTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        CostRow.objects.create(
            network=self.network,
            app=self.cast.ios_app,
            date=timezone.now().date(),
            media_source="acme_int",
            campaign_id="c-list-1",
            campaign_name="Spring",
            currency="USD",
            spend=Decimal("12.50000"),
            updated_at=datetime.datetime.now(datetime.UTC),
        )
        self.login(self.reviewer)
        response = self.client.get(self.url("costs:list"))
        self.assertContains(response, "c-list-1")
        self.assertContains(response, "12.5 USD")

    def test_it_shows_an_empty_state(self) -> None:
        self.login(self.ops)
        self.assertContains(self.client.get(self.url("costs:list")), "No cost data yet")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("costs:list")).status_code == 404

    def test_it_shows_only_the_networks_rows(self) -> None:
        CostRow.objects.create(
            network=self.cast.other_network,
            app=self.cast.other_app,
            date=timezone.now().date(),
            media_source="x",
            campaign_id="not-ours",
            campaign_name="x",
            currency="USD",
            spend=1,
            updated_at=datetime.datetime.now(datetime.UTC),
        )
        self.login(self.ops)
        self.assertNotContains(self.client.get(self.url("costs:list")), "not-ours")
