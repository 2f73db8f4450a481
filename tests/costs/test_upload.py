"""The Upload page: a file or pasted JSON checked, then its preview; the templates."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from incost_portal.costs.models import CostUpload
from tests.builders import csv_bytes, json_bytes, today
from tests.costs.pages import CostPagesTestCase, row, rows


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
        data = csv_bytes([row(), row(campaign_id="c2", geo="XX"), row(campaign_id="c3", date=today(-3))])
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
