"""An upload is parsed once, when it is checked: its preview pages through the rows as parsed and
the numbers above the grid are kept, so no view reads the original file again."""

import datetime
import io

from django.utils import timezone
from openpyxl import Workbook

from incost_portal.costs.models import CostUpload
from incost_portal.costs.services import cost_upload_create
from tests.builders import csv_bytes, row
from tests.cast import BaseTestCase

ROWS = 2_500


def many_rows() -> list[dict[str, object]]:
    day = (timezone.now() - datetime.timedelta(days=3)).date().isoformat()
    rows = [row(date=day, campaign_id=f"c{n}", spend=1) for n in range(ROWS)]
    rows[1_799] = row(date=day, campaign_id="c1799", geo="XX", spend=1)  # spreadsheet row 1,801: ic219
    return rows


def xlsx(rows: list[dict[str, object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    names = list(dict.fromkeys(name for values in rows for name in values))
    sheet.append(names)
    for values in rows:
        sheet.append([values.get(name) for name in names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ParsedCopyTestCase(BaseTestCase):
    def upload(self, data: bytes, name: str) -> CostUpload:
        return cost_upload_create(network=self.network, user=self.ops, file=io.BytesIO(data), name=name)

    def test_the_check_keeps_the_rows_as_parsed_and_the_profile(self) -> None:
        upload = self.upload(csv_bytes(many_rows()), "many.csv")
        assert upload.parsed_file and len(upload.parsed_index) == 3  # a block every 1,000 rows
        assert upload.profile["rows"] == ROWS and upload.profile["spend"] == {"USD": str(ROWS)}
        assert upload.profile["apps"] == ["id123456789"] and upload.profile["dates"] == 1

    def test_no_view_reads_the_original_again(self) -> None:
        for data, name in ((csv_bytes(many_rows()), "many.csv"), (xlsx(many_rows()), "many.xlsx")):
            upload = self.upload(data, name)
            # The original is still kept; here it is swapped for garbage to prove no view parses it.
            with upload.file.open("wb") as original:
                original.write(b"not cost at all")
            self.login(self.reviewer)
            detail = self.url("costs:upload_detail", upload.code)
            page = self.client.get(detail, {"rows": "all", "page": 19})  # rows 1,802 to 1,901
            self.assertContains(page, 'data-row="1802"')
            self.assertContains(page, "c1899")
            self.assertNotContains(page, 'data-row="1801"')
            self.assertContains(page, f"{ROWS:,}")  # the profile's row count above the grid
            problems = self.client.get(detail, {"rows": "problems"})
            self.assertContains(problems, 'data-row="1801"')
            self.assertContains(problems, "ic219")
            annotated = self.client.get(self.url("costs:upload_annotated", upload.code))
            text = b"".join(annotated.streaming_content).decode()
            assert text.count("\n") == ROWS + 1 and "ic219" in text
