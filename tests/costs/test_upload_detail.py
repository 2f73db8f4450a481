"""An upload's preview: its issues on the failing cells, accept, the annotated CSV, the original."""

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incost_portal.costs.models import CostRow
from tests.builders import csv_bytes, today
from tests.costs.pages import CostPagesTestCase, row


class PreviewTestCase(CostPagesTestCase):
    def test_it_shows_counts_codes_and_messages_on_the_failing_cells(self) -> None:
        data = csv_bytes(
            [row(), row(campaign_id="c2", geo="XX", currency="EUR"), row(campaign_id="c3", date=today(-3))]
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
        self.assertContains(self.client.get(self.url("costs:upload_detail", upload.code)), "Accept 1 row<")
        response = self.client.post(self.url("costs:upload_accept", upload.code), follow=True)
        self.assertContains(response, "Accepted: 1 row stored")
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


class WarningsTestCase(CostPagesTestCase):
    def test_errors_come_first_and_warnings_read_by_value(self) -> None:
        names = ["summer sale", "winter sale!", "spring sale"]
        rows = [row(campaign_id=f"c{n}", campaign_name=names[n % 3], date=today(2)) for n in range(300)]
        rows[249] = row(campaign_id="c249", campaign_name="fine_name", geo="XX", date=today(2))  # row 251
        upload = self.make_upload(csv_bytes(rows))
        self.login(self.reviewer)
        page = self.client.get(self.url("costs:upload_detail", upload.code), {"rows": "problems"})
        html = page.content.decode()
        # The one error leads the rows with problems, ahead of 299 warnings.
        assert html.index('data-row="251"') < html.index('data-row="2"')
        values = html.split('data-testid="warning-values-pw201"')[1].split("</details>")[0]
        assert "3 different values, 299 rows" in values
        assert values.count("<li>") == 3 and "(100 rows)" in values
        # Behind a click: the rows of one code.
        only = self.client.get(
            self.url("costs:upload_detail", upload.code), {"rows": "problems", "code": "ic219"}
        )
        self.assertContains(only, 'data-row="251"')
        self.assertNotContains(only, 'data-row="2"')
