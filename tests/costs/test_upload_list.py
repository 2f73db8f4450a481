"""The Uploads page: every upload of the network, filtered by status."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import csv_bytes
from tests.costs.pages import CostPagesTestCase, row


class UploadListTestCase(CostPagesTestCase):
    def test_it_works_and_filters_by_status(self) -> None:
        self.make_upload(csv_bytes([row()]), name="good.csv")
        self.make_upload(csv_bytes([row(geo="XX")]), name="bad.csv")
        self.login(self.reviewer)
        response = self.client.get(self.url("costs:uploads"))
        self.assertContains(response, "good.csv")
        self.assertContains(response, "bad.csv")
        self.assertNotContains(response, "Upload cost</a>")
        response = self.client.get(self.url("costs:uploads") + "?status=invalid")
        self.assertContains(response, "bad.csv")
        self.assertNotContains(response, "good.csv")

    def test_it_shows_an_empty_state(self) -> None:
        self.login(self.ops)
        self.assertContains(self.client.get(self.url("costs:uploads")), "Nothing uploaded yet")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("costs:uploads")).status_code == 404

    def test_the_page_costs_the_same_queries_whatever_the_data(self) -> None:
        self.make_upload(csv_bytes([row()]))
        self.login(self.ops)
        self.client.get(self.url("costs:uploads"))
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url("costs:uploads"))
        for n in range(12):
            self.make_upload(csv_bytes([row(campaign_id=f"x{n}")]))
        with CaptureQueriesContext(connection) as many:
            self.client.get(self.url("costs:uploads"))
        assert len(many) == len(few)
