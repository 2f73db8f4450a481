"""Editing and deleting one stored cost row."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incost_portal.costs.models import CostRow, CostUpload
from tests.builders import csv_bytes
from tests.costs.pages import CostPagesTestCase, row, rows


class RowEditTestCase(CostPagesTestCase):
    def setUp(self) -> None:
        self.stored(csv_bytes([row(campaign_id="c1"), row(campaign_id="c2", spend="3")]))
        self.row = CostRow.objects.get(campaign_id="c1")

    def test_it_works(self) -> None:
        self.login(self.ops)
        response = self.client.get(self.url("costs:row_edit", self.row.pk))
        self.assertContains(response, 'value="12.5"')
        data = {
            **{k: v for k, v in row().items() if k not in ("date", "app_id", "media_source")},
            "spend": "20",
        }
        response = self.client.post(self.url("costs:row_edit", self.row.pk), data)
        self.assertRedirects(response, self.url("costs:list"))
        spends = dict(CostRow.objects.values_list("campaign_id", "spend"))
        assert spends == {"c1": Decimal("20"), "c2": Decimal("3")}  # the group's other row kept
        assert CostUpload.objects.filter(source=CostUpload.Source.GRID, status="accepted").count() == 1

    def test_a_bad_value_is_named_and_what_was_typed_kept(self) -> None:
        self.login(self.ops)
        data = {
            **{k: v for k, v in row().items() if k not in ("date", "app_id", "media_source")},
            "geo": "ZZ",
        }
        response = self.client.post(self.url("costs:row_edit", self.row.pk), data)
        self.assertContains(response, "ic219")
        self.assertContains(response, 'value="ZZ"')
        assert CostRow.objects.get(pk=self.row.pk).geo == "US"

    def test_it_requires_write_access_and_membership(self) -> None:
        self.login(self.reviewer)
        assert self.client.get(self.url("costs:row_edit", self.row.pk)).status_code == 403
        self.login(self.outsider)
        assert self.client.get(self.url("costs:row_edit", self.row.pk)).status_code == 404

    def test_delete_sends_the_group_without_the_row(self) -> None:
        self.login(self.ops)
        response = self.client.post(self.url("costs:row_delete", self.row.pk), follow=True)
        self.assertContains(response, "Row deleted")
        assert list(CostRow.objects.values_list("campaign_id", flat=True)) == ["c2"]
        last = CostRow.objects.get()
        response = self.client.post(self.url("costs:row_delete", last.pk), follow=True)
        self.assertContains(response, "set its spend to 0 instead")
        assert CostRow.objects.count() == 1

    def test_delete_rejects_get_reviewers_and_outsiders(self) -> None:
        self.login(self.ops)
        assert self.client.get(self.url("costs:row_delete", self.row.pk)).status_code == 405
        self.login(self.reviewer)
        assert self.client.post(self.url("costs:row_delete", self.row.pk)).status_code == 403
        self.login(self.outsider)
        assert self.client.post(self.url("costs:row_delete", self.row.pk)).status_code == 404
        assert CostRow.objects.count() == 2

    def test_the_row_edit_page_costs_the_same_queries_whatever_the_group(self) -> None:
        self.stored(csv_bytes([row()]))
        first = CostRow.objects.get()
        self.login(self.ops)
        self.client.get(self.url("costs:row_edit", first.pk))
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url("costs:row_edit", first.pk))
        self.stored(csv_bytes(rows(50)))
        member = CostRow.objects.order_by("pk").last()
        assert member is not None
        with CaptureQueriesContext(connection) as many:
            self.client.get(self.url("costs:row_edit", member.pk))
        assert len(many) == len(few)
