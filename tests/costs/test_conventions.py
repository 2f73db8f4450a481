"""Decimal commas and day-first or month-first dates, declared at upload: a European export is
checked, stored and sent in InCost's form, and the file as uploaded is kept as it was."""

import io

from django.utils import timezone

from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.costs.parsing.chunks import RowChunk
from incost_portal.costs.parsing.conventions import Conventions
from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from tests.cast import BaseTestCase


def test_values_read_as_declared_become_incost_values() -> None:
    chunk = RowChunk(
        rows=[2, 3, 4, 5],
        columns={
            "spend": ["12,50", "1.234,5", "7", "12.50"],
            "date": ["31/12/2026", "1/2/2026", "2026-03-04", "x"],
        },
    )
    day_first = Conventions(",", "DD/MM/YYYY").apply(chunk)
    # With a comma declared, a point groups thousands only in threes: 12.50 stays as written.
    assert day_first.columns["spend"] == ["12.50", "1234.5", "7", "12.50"]
    assert day_first.columns["date"] == ["2026-12-31", "2026-02-01", "2026-03-04", "x"]
    month_first = Conventions(".", "MM/DD/YYYY").apply(chunk)
    assert month_first.columns["date"][1] == "2026-01-02" and month_first.columns["spend"][0] == "12,50"
    assert Conventions().apply(chunk) is chunk


class ConventionsTestCase(BaseTestCase):
    def european_csv(self) -> bytes:
        day = timezone.now().date() - timezone.timedelta(days=3)
        lines = ["date;app_id;media_source;campaign_id;campaign_name;currency;spend"]
        lines += [f"{day:%d/%m/%Y};id123456789;acme_int;c{n};camp_{n};USD;1.234,{n}5" for n in range(3)]
        return ("\n".join(lines) + "\n").encode()

    def test_a_european_csv_is_clean_once_declared_and_stored_in_incost_form(self) -> None:
        undeclared = cost_upload_create(
            network=self.network, user=self.ops, file=io.BytesIO(self.european_csv()), name="eu.csv"
        )
        assert {"pv102", "ic211"} <= set(undeclared.issue_counts)
        declared = cost_upload_create(
            network=self.network, user=self.ops, file=io.BytesIO(self.european_csv()), name="eu.csv",
            decimal_separator=",", date_format="DD/MM/YYYY",
        )  # fmt: skip
        assert declared.status == CostUpload.Status.VALID and declared.issue_counts == {}
        cost_upload_accept(upload=declared, user=self.ops)
        stored = CostRow.objects.filter(upload=declared).order_by("campaign_id")
        day = timezone.now().date() - timezone.timedelta(days=3)
        first = stored.first()
        assert first is not None and (first.date, str(first.spend)) == (day, "1234.05000")
        with declared.file.open("rb") as original:
            assert b"1.234,05" in original.read()  # kept as uploaded

    def test_the_upload_page_takes_the_declaration(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login(self.ops)
        answer = self.client.post(
            self.url("costs:upload"),
            {
                "file": SimpleUploadedFile("eu.csv", self.european_csv()),
                "decimal_separator": ",",
                "date_format": "DD/MM/YYYY",
            },
        )
        upload = CostUpload.objects.get()
        assert answer.status_code == 302 and upload.issue_counts == {}
        assert (upload.decimal_separator, upload.date_format) == (",", "DD/MM/YYYY")
        page = self.client.get(self.url("costs:upload_detail", upload.code))
        self.assertContains(page, "1.234,05")  # the grid shows the file as written
