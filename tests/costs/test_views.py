"""The cost pages: Upload, Preview (fix, accept), Uploads, Costs (filters, chart, edit, delete, export)."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from tests.cast import BaseTestCase
from tests.costs.rows import csv_bytes, json_bytes

IOS = "id123456789"


def day(back: int) -> str:
    return (timezone.now().date() - dt.timedelta(days=back)).isoformat()


def row(**changes: Any) -> dict[str, Any]:
    values = {"date": day(3), "app_id": IOS, "media_source": "acme_int", "campaign_id": "c1",
              "campaign_name": "camp_1", "geo": "US", "currency": "USD", "spend": "12.5"}  # fmt: skip
    values.update(changes)
    return values


def rows(count: int, **changes: Any) -> list[dict[str, Any]]:
    return [row(campaign_id=f"c{n}", **changes) for n in range(count)]


class CostPagesTestCase(BaseTestCase):
    def make_upload(self, data: bytes, name: str = "costs.csv") -> CostUpload:
        return cost_upload_create(network=self.network, user=self.ops, file=io.BytesIO(data), name=name)

    def stored(self, data: bytes) -> CostUpload:
        upload = self.make_upload(data)
        assert upload.status == CostUpload.Status.VALID, list(upload.issues.values_list("code", "message"))
        cost_upload_accept(upload=upload, user=self.ops)
        return upload

    def cell(self, html: str, number: int, field: str) -> str:
        """The HTML of one grid cell (row number, field)."""
        start = html.index(f'<tr data-row="{number}"')
        end = html.index("</tr>", start)
        row_html = html[start:end]
        cell_start = row_html.index(f'data-field="{field}"')
        return row_html[cell_start : row_html.index("</td>", cell_start)]


class UploadPageTestCase(CostPagesTestCase):
    def test_it_works(self) -> None:
        self.login(self.ops)
        response = self.client.get(self.url("costs:upload"))
        self.assertContains(response, "Drop a file here")
        self.assertContains(response, "CSV template")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("costs:upload")).status_code == 404

    def test_it_requires_write_access(self) -> None:
        self.login(self.reviewer)
        assert self.client.get(self.url("costs:upload")).status_code == 403
        file = SimpleUploadedFile("c.csv", csv_bytes([row()]))
        assert self.client.post(self.url("costs:upload"), {"file": file}).status_code == 403
        assert not CostUpload.objects.exists()

    def test_a_file_with_errors_goes_to_its_preview(self) -> None:
        self.login(self.ops)
        data = csv_bytes([row(), row(campaign_id="c2", geo="XX"), row(campaign_id="c3", date=day(-3))])
        response = self.client.post(self.url("costs:upload"), {"file": SimpleUploadedFile("mine.csv", data)})
        upload = CostUpload.objects.get()
        self.assertRedirects(response, self.url("costs:upload_detail", upload.code))
        assert upload.status == CostUpload.Status.INVALID and upload.created_by == self.ops
        assert upload.issue_counts == {"ic212": 1, "ic219": 1}

    def test_pasted_json_is_checked_like_a_file(self) -> None:
        self.login(self.ops)
        body = json_bytes([row(spend=12.5)]).decode()
        response = self.client.post(self.url("costs:upload"), {"body": body})
        upload = CostUpload.objects.get()
        self.assertRedirects(response, self.url("costs:upload_detail", upload.code))
        assert upload.status == CostUpload.Status.VALID
        assert upload.file_format == "json"

    def test_nothing_given_is_a_form_error_keeping_what_was_typed(self) -> None:
        self.login(self.ops)
        response = self.client.post(self.url("costs:upload"), {"source_time_zone": "Europe/Berlin"})
        self.assertContains(response, "Choose a file")
        self.assertContains(response, 'value="Europe/Berlin"')

    def test_a_bad_time_zone_is_named(self) -> None:
        self.login(self.ops)
        body = json_bytes([row(spend=1)]).decode()
        response = self.client.post(self.url("costs:upload"), {"body": body, "source_time_zone": "Mars/Base"})
        self.assertContains(response, "&#x27;Mars/Base&#x27; is not an IANA time zone name")
        self.assertContains(response, 'value="Mars/Base"')  # what was typed is kept, to be corrected
        self.assertContains(response, f"{escape(body)}</textarea>")  # and so is the pasted body
        assert not CostUpload.objects.exists()

    @override_settings(COST_UPLOAD_MAX_BYTES=1024)
    def test_a_file_too_large_is_a_form_error(self) -> None:
        self.login(self.ops)
        data = csv_bytes(rows(40))
        response = self.client.post(self.url("costs:upload"), {"file": SimpleUploadedFile("big.csv", data)})
        self.assertContains(response, "the largest accepted is 1,024")
        assert not CostUpload.objects.exists()

    def test_the_templates_pass_validation(self) -> None:
        self.login(self.reviewer)
        for file_format in ("csv", "json", "xlsx"):
            response = self.client.get(self.url("costs:upload_sample", file_format))
            assert response.status_code == 200
            assert "attachment" in response["Content-Disposition"]
            upload = self.make_upload(response.content, name=f"t.{file_format}")
            assert upload.status == CostUpload.Status.VALID, (file_format, upload.issue_counts)
            assert upload.row_count == 4
        assert self.client.get(self.url("costs:upload_sample", "exe")).status_code == 404


class PreviewTestCase(CostPagesTestCase):
    def test_it_shows_counts_codes_and_messages_on_the_failing_cells(self) -> None:
        data = csv_bytes(
            [row(), row(campaign_id="c2", geo="XX", currency="EUR"), row(campaign_id="c3", date=day(-3))]
        )
        upload = self.make_upload(data)
        self.login(self.ops)
        response = self.client.get(self.url("costs:upload_detail", upload.code))
        html = response.content.decode()
        assert 'data-code="ic219"' in html and 'data-code="ic212"' in html
        geo = self.cell(html, 3, "geo")
        assert "cell-error" in geo and "ic219" in geo and 'value="XX"' in geo
        assert "ic212" in self.cell(html, 4, "date")
        assert "ic219" not in self.cell(html, 3, "campaign_id")
        self.assertContains(response, "3 errors block this file")  # ic221 too
        self.assertContains(response, "12.50 EUR")  # spend per currency
        self.assertContains(response, "25.00 USD")
        assert '<tr data-row="2"' not in html  # only rows with problems by default
        assert (
            '<tr data-row="2"'
            in self.client.get(self.url("costs:upload_detail", upload.code) + "?rows=all").content.decode()
        )

    def test_a_reviewer_sees_it_without_controls(self) -> None:
        upload = self.make_upload(csv_bytes([row(geo="XX")]))
        self.login(self.reviewer)
        response = self.client.get(self.url("costs:upload_detail", upload.code))
        self.assertContains(response, "ic219")
        main = response.content.decode().split("<main")[1]
        assert "cell-fix" not in main and "<button" not in main and "<form" not in main

    def test_it_checks_membership(self) -> None:
        upload = self.make_upload(csv_bytes([row()]))
        self.login(self.outsider)
        assert self.client.get(self.url("costs:upload_detail", upload.code)).status_code == 404
        other = self.url("costs:upload_detail", upload.code, network=self.cast.other_network)
        assert self.client.get(other).status_code == 404

    def test_a_valid_upload_offers_accept_then_send_now(self) -> None:
        upload = self.make_upload(csv_bytes([row()]))
        self.login(self.ops)
        self.assertContains(self.client.get(self.url("costs:upload_detail", upload.code)), "Accept 1 rows")
        response = self.client.post(self.url("costs:upload_accept", upload.code), follow=True)
        self.assertContains(response, "Accepted: 1 rows stored")
        self.assertContains(response, self.url("submissions:send_now"))
        self.assertContains(response, "Leave it to the schedule")
        assert CostRow.objects.filter(network=self.network).count() == 1

    def test_accept_refuses_a_blocked_upload(self) -> None:
        upload = self.make_upload(csv_bytes([row(geo="XX")]))
        self.login(self.ops)
        response = self.client.post(self.url("costs:upload_accept", upload.code), follow=True)
        self.assertContains(response, "Only an upload ready to accept can be accepted")
        assert not CostRow.objects.exists()

    def test_accept_rejects_get_and_reviewers(self) -> None:
        upload = self.make_upload(csv_bytes([row()]))
        self.login(self.ops)
        assert self.client.get(self.url("costs:upload_accept", upload.code)).status_code == 405
        self.login(self.reviewer)
        assert self.client.post(self.url("costs:upload_accept", upload.code)).status_code == 403
        self.login(self.outsider)
        assert self.client.post(self.url("costs:upload_accept", upload.code)).status_code == 404

    def test_the_annotated_csv_holds_rows_and_their_issues_safely(self) -> None:
        upload = self.make_upload(
            csv_bytes([row(campaign_name="=HYPERLINK(1)"), row(campaign_id="c2", geo="XX")])
        )
        self.login(self.reviewer)
        response = self.client.get(self.url("costs:upload_annotated", upload.code))
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert lines[0][0] == "row" and lines[0][-1] == "issues"
        assert lines[1][0] == "2" and "'=HYPERLINK(1)" in lines[1]
        assert lines[2][0] == "3" and lines[2][-1].startswith("ic219 geo:")

    def test_the_original_file_is_downloadable(self) -> None:
        data = csv_bytes([row()])
        upload = self.make_upload(data, name="mine.csv")
        self.login(self.reviewer)
        response = self.client.get(self.url("costs:upload_original", upload.code))
        assert b"".join(response.streaming_content) == data

    def test_the_page_costs_the_same_queries_whatever_the_file(self) -> None:
        small = self.make_upload(csv_bytes([row(geo="XX")]))
        large = self.make_upload(
            csv_bytes([row(campaign_id=f"c{n}", geo="XX" if n % 3 else "US") for n in range(400)])
        )
        self.login(self.ops)
        for shown in ("problems", "all"):
            self.client.get(self.url("costs:upload_detail", small.code))
            with CaptureQueriesContext(connection) as few:
                self.client.get(self.url("costs:upload_detail", small.code) + f"?rows={shown}")
            with CaptureQueriesContext(connection) as many:
                response = self.client.get(
                    self.url("costs:upload_detail", large.code) + f"?rows={shown}&page=2"
                )
            assert response.status_code == 200
            assert len(many) == len(few), [q["sql"][:100] for q in many.captured_queries]


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
        assert upload.status == CostUpload.Status.INVALID
        with upload.file.open("rb") as original:
            assert original.read() == data  # the file as uploaded is kept

    def test_htmx_gets_the_new_version_in_place(self) -> None:
        upload = self.make_upload(csv_bytes([row(geo="XX", date=day(-2))]))
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
                    row(campaign_id="beta", date=day(10)),
                    row(campaign_id="gamma", app_id="com.acme.game", date=day(4)),
                ]
            )
        )
        self.login(self.ops)
        url = self.url("costs:list")
        response = self.client.get(url, {"campaign": "alp"})
        self.assertContains(response, "alpha")
        self.assertNotContains(response, "beta")
        response = self.client.get(url, {"date_from": day(12), "date_to": day(8)})
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
                    row(campaign_id=f"c{n}", date=day(d), app_id=app)
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


class QueryCountTestCase(CostPagesTestCase):
    def test_the_upload_page_costs_the_same_queries_whatever_the_apps(self) -> None:
        from incost_portal.networks.services import app_create

        self.login(self.ops)
        self.client.get(self.url("costs:upload"))
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url("costs:upload"))
        for n in range(10):
            app_create(network=self.network, app_id=f"com.acme.extra{n}", name=f"Extra {n}")
        with CaptureQueriesContext(connection) as many:
            self.client.get(self.url("costs:upload"))
        assert len(many) == len(few)

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


class DownloadsTestCase(CostPagesTestCase):
    def test_an_outsider_gets_404_on_every_download(self) -> None:
        upload = self.make_upload(csv_bytes([row()]))
        self.login(self.outsider)
        for url in (
            self.url("costs:upload_sample", "csv"),
            self.url("costs:upload_annotated", upload.code),
            self.url("costs:upload_original", upload.code),
            self.url("costs:export"),
        ):
            assert self.client.get(url).status_code == 404, url
        # Nor through the outsider's own network: the upload is not his.
        own = self.url("costs:upload_original", upload.code, network=self.cast.other_network)
        assert self.client.get(own).status_code == 404

    def test_a_template_carries_the_networks_media_source_and_app(self) -> None:
        self.login(self.ops)
        response = self.client.get(self.url("costs:upload_sample", "csv"))
        text = response.content.decode()
        assert text.splitlines()[0].startswith("date,app_id,media_source,campaign_id,campaign_name")
        assert ",acme_int," in text and ("id123456789" in text or "com.acme.game" in text)
