"""Fixing a cell on the preview: a new, checked version of the upload."""

import json

from incost_portal.costs.models import CostUpload
from tests.builders import csv_bytes, today
from tests.costs.pages import CostPagesTestCase, row


class FixTestCase(CostPagesTestCase):
    def test_fixing_the_last_error_makes_a_checked_new_version(self) -> None:
        data = csv_bytes([row(), row(campaign_id="c2", geo="XX")])
        upload = self.make_upload(data, name="mine.csv")
        self.login(self.ops)
        response = self.client.post(
            self.url("costs:upload_fix", upload.code), {"row": 3, "field": "geo", "value": "DE"}
        )
        fixed = CostUpload.objects.exclude(pk=upload.pk).get()
        self.assertRedirects(response, self.url("costs:upload_detail", fixed.code))
        assert fixed.status == CostUpload.Status.VALID and fixed.source == CostUpload.Source.GRID
        assert fixed.original_name == "mine (fix 1).csv" and fixed.row_count == 2
        upload.refresh_from_db()
        assert upload.status == CostUpload.Status.INVALID and upload.superseded_by == fixed
        with upload.file.open("rb") as original:
            assert original.read() == data  # the file as uploaded is kept

    def test_a_fixed_version_is_no_longer_counted_as_to_fix(self) -> None:
        rows = [row(date=today(2)), row(campaign_id="c2", geo="XX", date=today(2))]
        upload = self.make_upload(csv_bytes(rows), name="mine.csv")
        self.login(self.ops)
        dashboard = self.client.get(self.url("dashboard:index"))
        to_fix = self.url("costs:uploads") + "?status=invalid"
        self.assertContains(dashboard, "1 upload of the last 7 days has errors to fix.")
        self.assertContains(dashboard, f'href="{to_fix}"')
        self.client.post(self.url("costs:upload_fix", upload.code), {"row": 3, "field": "geo", "value": "DE"})
        self.assertNotContains(self.client.get(self.url("dashboard:index")), "errors to fix")
        # The history lists both, the first as superseded by its fix; "with errors" lists neither.
        history = self.client.get(self.url("costs:uploads"), {"versions": "all"})
        self.assertContains(history, "Superseded")
        self.assertContains(history, "(fix 1).csv</a>")
        self.assertNotContains(self.client.get(to_fix), "(fix 1)")

    def test_htmx_gets_the_new_version_in_place(self) -> None:
        upload = self.make_upload(csv_bytes([row(geo="XX", date=today(-2))]))
        self.login(self.ops)
        response = self.client.post(
            self.url("costs:upload_fix", upload.code),
            {"row": 2, "field": "geo", "value": "FR"},
            headers={"HX-Request": "true"},
        )
        fixed = CostUpload.objects.exclude(pk=upload.pk).get()
        assert response["HX-Push-Url"] == self.url("costs:upload_detail", fixed.code)
        html = response.content.decode()
        assert html.startswith('\n<div id="preview"') or '<div id="preview"' in html[:200]
        assert "ic219" not in html and "ic212" in self.cell(html, 2, "date")
        assert "Row 2 geo changed" in html

    def test_a_json_fix_keeps_other_quoted_spends_quoted(self) -> None:
        body = json.dumps([row(spend="12.5"), row(campaign_id="c2", spend=3, geo="XX")]).encode()
        upload = self.make_upload(body, name="push.json")
        assert upload.issue_counts == {"ic219": 1, "pv102": 1}
        self.login(self.ops)
        self.client.post(self.url("costs:upload_fix", upload.code), {"row": 2, "field": "geo", "value": "US"})
        fixed = CostUpload.objects.exclude(pk=upload.pk).get()
        assert fixed.file_format == "json" and fixed.issue_counts == {"pv102": 1}
        self.client.post(
            self.url("costs:upload_fix", fixed.code), {"row": 1, "field": "spend", "value": "12.5"}
        )
        final = CostUpload.objects.order_by("-pk").first()
        assert final is not None and final.status == CostUpload.Status.VALID, final.issue_counts
        with final.file.open("rb") as stored:
            assert [r["spend"] for r in json.load(stored)] == [12.5, 3]

    def test_a_file_with_unknown_columns_is_fixed_in_the_file(self) -> None:
        upload = self.make_upload(csv_bytes([row(geo="XX", cost_center="x")]))
        self.login(self.ops)
        response = self.client.post(
            self.url("costs:upload_fix", upload.code), {"row": 2, "field": "geo", "value": "DE"}, follow=True
        )
        self.assertContains(response, "not InCost fields")
        assert CostUpload.objects.count() == 1

    def test_a_missing_mandatory_column_can_be_filled_in(self) -> None:
        values = row()
        del values["campaign_name"]
        upload = self.make_upload(csv_bytes([values]))
        assert "ic248" in upload.issue_counts
        self.login(self.ops)
        self.client.post(
            self.url("costs:upload_fix", upload.code), {"row": 2, "field": "campaign_name", "value": "x"}
        )
        fixed = CostUpload.objects.exclude(pk=upload.pk).get()
        assert fixed.status == CostUpload.Status.VALID, fixed.issue_counts

    def test_an_accepted_upload_is_not_fixed(self) -> None:
        upload = self.stored(csv_bytes([row()]))
        self.login(self.ops)
        response = self.client.post(
            self.url("costs:upload_fix", upload.code), {"row": 2, "field": "geo", "value": "DE"}, follow=True
        )
        self.assertContains(response, "change its rows on the Costs page")
        assert CostUpload.objects.count() == 1

    def test_it_rejects_get_reviewers_and_outsiders(self) -> None:
        upload = self.make_upload(csv_bytes([row(geo="XX")]))
        data = {"row": 2, "field": "geo", "value": "DE"}
        self.login(self.ops)
        assert self.client.get(self.url("costs:upload_fix", upload.code)).status_code == 405
        self.login(self.reviewer)
        assert self.client.post(self.url("costs:upload_fix", upload.code), data).status_code == 403
        self.login(self.outsider)
        assert self.client.post(self.url("costs:upload_fix", upload.code), data).status_code == 404
        assert CostUpload.objects.count() == 1
