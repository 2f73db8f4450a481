"""What AppsFlyer last applied per group (CostGroupApplied) and the totals' `applied` read from it."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from incost_portal.costs.models import CostGroupApplied, CostGroupTotal, CostRow
from incost_portal.costs.row_store import AppliedGroup, group_applied_record, group_totals_refresh
from tests.cast import BaseTestCase


class GroupAppliedTestCase(BaseTestCase):
    day = dt.date(2026, 11, 20)
    at = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)

    def cost(self, *spends: str, currency: str = "USD") -> None:
        first = CostRow.objects.count()
        for n, spend in enumerate(spends, start=first):
            CostRow.objects.create(
                network=self.network, app=self.cast.ios_app, date=self.day, media_source="acme_int",
                campaign_id=f"c{n}", campaign_name=f"c{n}", currency=currency, spend=Decimal(spend),
                updated_at=timezone.now(),
            )  # fmt: skip
        group_totals_refresh(network_id=self.network.pk)

    def record(
        self, spend: str, rows: int, *, request_id: int, at: dt.datetime, currency: str = "USD"
    ) -> None:
        group = AppliedGroup(self.cast.ios_app.pk, self.day, "acme_int", Decimal(spend), rows)
        group_applied_record(
            network_id=self.network.pk, currency=currency, request_id=request_id, request_created_at=at,
            groups=[group],
        )  # fmt: skip

    def applied(self) -> bool:
        return CostGroupTotal.objects.get(network=self.network).applied

    def test_a_total_is_applied_while_it_holds_what_was_applied(self) -> None:
        self.cost("1.5", "2.25")
        assert not self.applied()
        self.record("3.75", 2, request_id=1, at=self.at)
        assert self.applied()
        self.cost("1")  # a third row: no longer what AppsFlyer holds
        assert not self.applied()

    def test_an_older_request_applied_late_does_not_replace_a_newer_one(self) -> None:
        self.cost("2")
        self.record("2", 1, request_id=7, at=self.at)
        self.record("1", 1, request_id=5, at=self.at - dt.timedelta(minutes=5))
        assert self.applied()
        stored = CostGroupApplied.objects.get()
        assert (stored.request_id, stored.spend) == (7, Decimal("2"))

    def test_of_two_requests_made_at_once_the_later_id_wins(self) -> None:
        self.cost("2")
        self.record("2", 1, request_id=8, at=self.at)
        self.record("1", 1, request_id=6, at=self.at)
        assert self.applied()
        self.record("1", 1, request_id=9, at=self.at)
        assert not self.applied()

    def test_what_was_applied_in_another_currency_does_not_count(self) -> None:
        self.cost("2")
        self.record("2", 1, request_id=1, at=self.at, currency="EUR")
        assert not self.applied()
