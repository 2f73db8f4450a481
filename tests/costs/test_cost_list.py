"""The Costs page: the stored rows with filters and chart, and their CSV export."""

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incost_portal.costs.models import CostRow
from tests.builders import csv_bytes, today
from tests.costs.pages import IOS, CostPagesTestCase, row


class CostListTestCase(CostPagesTestCase):
    def test_it_works(self) -> None:
        self.stored(csv_bytes([row(campaign_id="c-list-1"), row(campaign_id="c2", media_source="acme_int")]))
        self.login(self.reviewer)
        response = self.client.get(self.url("costs:list"))
        self.assertContains(response, "c-list-1")
        self.assertContains(response, "12.5 USD")
        self.assertContains(response, 'data-testid="spend-chart"')
        self.assertContains(response, "25.00")  # the USD total
        self.assertNotContains(response, "Edit</a>")  # a reviewer gets no change controls
        self.assertNotContains(response, '<button type="submit" class="linklike danger"')

    def test_it_shows_an_empty_state(self) -> None:
        self.login(self.ops)
        self.assertContains(self.client.get(self.url("costs:list")), "No cost data yet")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("costs:list")).status_code == 404

    def test_it_filters(self) -> None:
        self.stored(
            csv_bytes(
                [
                    row(campaign_id="alpha"),
                    row(campaign_id="beta", date=today(10)),
                    row(campaign_id="gamma", app_id="com.acme.game", date=today(4)),
                ]
            )
        )
        self.login(self.ops)
        url = self.url("costs:list")
        response = self.client.get(url, {"campaign": "alp"})
        self.assertContains(response, "alpha")
        self.assertNotContains(response, "beta")
        response = self.client.get(url, {"date_from": today(12), "date_to": today(8)})
        self.assertContains(response, "beta")
        self.assertNotContains(response, "alpha")
        response = self.client.get(url, {"app": str(self.cast.android_app.code)})
        self.assertContains(response, "gamma")
        self.assertNotContains(response, ">alpha<")
        assert "alpha" not in response.content.decode().split("cost-rows")[-1]

    def test_it_shows_only_the_networks_rows(self) -> None:
        CostRow.objects.create(
            network=self.cast.other_network, app=self.cast.other_app, date=timezone.now().date(),
            media_source="x", campaign_id="not-ours", campaign_name="x", currency="USD", spend=1,
            updated_at=timezone.now(),
        )  # fmt: skip
        self.login(self.ops)
        self.assertNotContains(self.client.get(self.url("costs:list")), "not-ours")

    def test_the_export_is_safe_against_formulas(self) -> None:
        self.stored(csv_bytes([row(campaign_name="@SUM(A1)")]))
        self.login(self.reviewer)
        response = self.client.get(self.url("costs:export"))
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert lines[0][:3] == ["date", "app_id", "media_source"]
        assert "'@SUM(A1)" in lines[1] and "12.5" in lines[1]

    def test_the_page_costs_the_same_queries_whatever_the_data(self) -> None:
        self.stored(csv_bytes([row()]))
        self.login(self.ops)
        url = self.url("costs:list")
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        self.stored(
            csv_bytes(
                [
                    row(campaign_id=f"c{n}", date=today(d), app_id=app)
                    for n in range(30)
                    for d in (1, 2, 5)
                    for app in (IOS, "com.acme.game")
                ]
            )
        )
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        assert response.status_code == 200
        assert len(many) == len(few), [q["sql"][:100] for q in many.captured_queries]
