"""Out-of-range input is a clear message, never a 500 and never a huge echo: dates a filter cannot
hold, and spend written as 1e1000000."""

import io

from django.urls import reverse

from incost_portal.costs.models import CostUpload
from incost_portal.costs.services import cost_upload_create
from tests.cast import BaseTestCase

ROW = (
    '{"date": "2026-03-10", "app_id": "id123456789", "media_source": "acme_int", "campaign_id": "c%d", '
    '"campaign_name": "camp", "currency": "USD", "spend": %s}'
)


def body(spends: list[str]) -> bytes:
    return ("[" + ",".join(ROW % (n, spend) for n, spend in enumerate(spends)) + "]").encode()


class OutOfRangeTestCase(BaseTestCase):
    def upload(self, data: bytes) -> CostUpload:
        return cost_upload_create(network=self.network, user=self.ops, file=io.BytesIO(data), name="big.json")

    def test_a_spend_with_a_huge_exponent_is_pv102_with_a_short_echo(self) -> None:
        upload = self.upload(body(["1e1000000"]))
        assert upload.status == CostUpload.Status.INVALID
        issue = upload.issues.get(field="spend")
        assert issue.code == "pv102" and "out of range" in issue.message and len(issue.message) < 200
        self.login(self.reviewer)
        for rows in ("problems", "all"):
            page = self.client.get(self.url("costs:upload_detail", upload.code), {"rows": rows})
            self.assertContains(page, "pv102")

    def test_fifty_huge_spends_make_a_small_annotated_file(self) -> None:
        data = body(["1e999999"] * 50)
        assert len(data) < 10_000
        upload = self.upload(data)
        self.login(self.ops)
        annotated = self.client.get(self.url("costs:upload_annotated", upload.code))
        assert annotated.status_code == 200
        assert len(b"".join(annotated.streaming_content)) < 50_000

    def test_a_literal_spend_of_a_million_digits_is_echoed_short(self) -> None:
        upload = self.upload(body(["1" * 1_000_000]))
        issue = upload.issues.get(field="spend")
        assert issue.code == "pv102" and len(issue.message) < 200 and "1,000,000 characters" in issue.message

    def test_filter_dates_out_of_range_are_a_form_error_not_a_500(self) -> None:
        self.login(self.reviewer)
        for name, query in (
            ("costs:list", {"date_to": "0001-01-01"}),
            ("costs:list", {"date_from": "0001-01-01", "date_to": "9999-12-31"}),
            ("costs:export", {"date_to": "0001-01-01"}),
            ("submissions:list", {"date_on": "9999-12-31"}),
        ):
            answer = self.client.get(self.url(name), query)
            assert answer.status_code == 200, (name, query)
        page = self.client.get(self.url("costs:list"), {"date_to": "0001-01-01"})
        self.assertContains(page, "Give a date from 2000-01-01")
        self.login(self.admin)
        audit = self.client.get(
            reverse("networks:audit", args=[self.network.code]), {"date_to": "9999-12-31"}
        )
        self.assertContains(audit, "Give a date from 2000-01-01")
