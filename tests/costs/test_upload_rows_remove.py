"""Removing rows on the preview, and accepting the valid groups only: a duplicate, an old day or a
row of an unknown media source is dropped, not "fixed" with made-up data."""

from incost_portal.costs.models import CostRow, CostUpload
from tests.builders import csv_bytes, json_bytes, today
from tests.costs.pages import CostPagesTestCase, row


class RemoveRowsTestCase(CostPagesTestCase):
    def test_a_duplicate_and_an_old_row_are_removed_and_the_rest_accepted(self) -> None:
        rows = [
            row(date=today(2)),
            row(date=today(2), campaign_id="c2"),
            row(date=today(2)),  # row 4: a duplicate of row 2 (ic222)
            row(date=today(120), campaign_id="c3"),  # row 5: too old (ic232)
        ]
        upload = self.make_upload(csv_bytes(rows), name="mixed.csv")
        assert upload.status == CostUpload.Status.INVALID
        self.login(self.ops)
        page = self.client.get(self.url("costs:upload_detail", upload.code), {"rows": "all"})
        self.assertContains(page, 'name="rows" value="4" form="remove-rows"')
        answer = self.client.post(self.url("costs:upload_rows_remove", upload.code), {"rows": ["4", "5"]})
        fixed = CostUpload.objects.get(superseded_by__isnull=True)
        self.assertRedirects(answer, self.url("costs:upload_detail", fixed.code))
        assert fixed.status == CostUpload.Status.VALID and fixed.row_count == 2
        upload.refresh_from_db()
        assert upload.superseded_by == fixed  # one upload's versions, not a new upload to fix
        # Row numbers of the rows kept are those of the file as uploaded.
        kept = self.client.get(self.url("costs:upload_detail", fixed.code), {"rows": "all"})
        self.assertContains(kept, 'data-row="3"')
        self.assertNotContains(kept, 'data-row="4"')
        self.client.post(self.url("costs:upload_accept", fixed.code))
        assert CostRow.objects.filter(upload=fixed).count() == 2

    def test_json_rows_are_removed_too(self) -> None:
        rows = [row(date=today(2), spend=12.5), row(date=today(2), geo="XX", spend=3)]
        upload = self.make_upload(json_bytes(rows), name="a.json")
        self.login(self.ops)
        self.client.post(self.url("costs:upload_rows_remove", upload.code), {"rows": ["2"]})
        fixed = CostUpload.objects.get(superseded_by__isnull=True)
        assert fixed.status == CostUpload.Status.VALID and fixed.row_count == 1

    def test_readers_cannot_and_nothing_chosen_is_said(self) -> None:
        upload = self.make_upload(csv_bytes([row(date=today(2), geo="XX")]))
        self.login(self.reviewer)
        assert (
            self.client.post(self.url("costs:upload_rows_remove", upload.code), {"rows": ["2"]}).status_code
            == 403
        )
        self.assertNotContains(self.client.get(self.url("costs:upload_detail", upload.code)), "remove-rows")
        self.login(self.ops)
        answer = self.client.post(self.url("costs:upload_rows_remove", upload.code), follow=True)
        self.assertContains(answer, "Choose the rows to remove.")
        assert CostUpload.objects.count() == 1


class AcceptValidGroupsTestCase(CostPagesTestCase):
    def test_the_groups_without_errors_are_accepted_and_those_with_one_left_out_whole(self) -> None:
        rows = [
            row(date=today(2), campaign_id="a1"),
            row(date=today(2), campaign_id="a2", geo="XX"),  # an error: its group (day 2) goes whole
            row(date=today(3), campaign_id="b1"),
            row(date=today(3), campaign_id="b2"),
            row(date=today(4), campaign_id="c1", media_source="unknown_int"),  # ic213: its own group
        ]
        upload = self.make_upload(csv_bytes(rows), name="other.csv")
        self.login(self.ops)
        page = self.client.get(self.url("costs:upload_detail", upload.code))
        self.assertContains(page, "Accept the valid groups only")
        answer = self.client.post(self.url("costs:upload_accept_valid", upload.code), follow=True)
        self.assertContains(answer, "Accepted the groups without errors: 2 rows stored, 1 group replaced")
        stored = set(CostRow.objects.values_list("campaign_id", flat=True))
        assert stored == {"b1", "b2"}

    def test_errors_not_on_rows_are_fixed_in_the_file(self) -> None:
        rows = [row(date=today(2)), row(date=today(2), campaign_id="c2", currency="EUR")]  # ic221: the app
        upload = self.make_upload(csv_bytes(rows))
        self.login(self.ops)
        answer = self.client.post(self.url("costs:upload_accept_valid", upload.code), follow=True)
        self.assertContains(answer, "not a row")
        assert not CostRow.objects.exists()
