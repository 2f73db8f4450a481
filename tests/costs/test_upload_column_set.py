"""Setting a column in bulk on the preview: on the chosen rows, or on every row holding a value."""

from incost_portal.costs.models import CostUpload
from tests.builders import csv_bytes, today
from tests.costs.pages import CostPagesTestCase, row


class ColumnSetTestCase(CostPagesTestCase):
    def rows(self) -> list[dict[str, object]]:
        return [row(date=today(2), campaign_id=f"c{n}", media_source="wrong_int") for n in range(4)]

    def test_find_and_replace_in_a_column(self) -> None:
        upload = self.make_upload(csv_bytes(self.rows()), name="ms.csv")
        assert upload.issue_counts == {"ic213": 4}
        self.login(self.ops)
        data = {"field": "media_source", "find": "wrong_int", "value": "acme_int"}
        answer = self.client.post(self.url("costs:upload_column_set", upload.code), data)
        fixed = CostUpload.objects.get(superseded_by__isnull=True)
        self.assertRedirects(answer, self.url("costs:upload_detail", fixed.code))
        assert fixed.status == CostUpload.Status.VALID and fixed.row_count == 4

    def test_set_on_the_chosen_rows_only(self) -> None:
        upload = self.make_upload(csv_bytes(self.rows()))
        self.login(self.ops)
        data = {"field": "media_source", "value": "acme_int", "rows": ["2", "3"]}
        self.client.post(self.url("costs:upload_column_set", upload.code), data)
        fixed = CostUpload.objects.get(superseded_by__isnull=True)
        assert fixed.issue_counts == {"ic213": 2}
        assert set(fixed.issues.values_list("row", flat=True)) == {4, 5}

    def test_nothing_matching_is_said_and_nothing_made(self) -> None:
        upload = self.make_upload(csv_bytes(self.rows()))
        self.login(self.ops)
        data = {"field": "media_source", "find": "nope", "value": "acme_int"}
        answer = self.client.post(self.url("costs:upload_column_set", upload.code), data, follow=True)
        self.assertContains(answer, "No row has &#x27;nope&#x27; in media_source.")
        assert CostUpload.objects.count() == 1
        self.login(self.reviewer)
        assert self.client.post(self.url("costs:upload_column_set", upload.code), data).status_code == 403

    def test_the_history_shows_the_latest_version(self) -> None:
        upload = self.make_upload(csv_bytes(self.rows()), name="ms.csv")
        self.login(self.ops)
        data = {"field": "media_source", "find": "wrong_int", "value": "acme_int"}
        self.client.post(self.url("costs:upload_column_set", upload.code), data)
        history = self.client.get(self.url("costs:uploads")).content.decode()
        assert "ms (fix 1).csv" in history and ">ms.csv<" not in history
        every = self.client.get(self.url("costs:uploads"), {"versions": "all"}).content.decode()
        assert "ms (fix 1).csv" in every and "Superseded" in every
