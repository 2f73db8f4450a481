"""A workbook is judged by what it would unpack to before a cell of it is read: a zip bomb or a
sheet too large to read in time is refused at once, with what to do instead."""

import io
import zipfile

from django.test import override_settings
from openpyxl import Workbook

from tests.builders import check

HEADER = ["date", "app_id", "media_source", "campaign_id", "campaign_name", "currency", "spend"]


def workbook(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append(["2026-03-10", "id123456789", "acme_int", f"c{n}", "camp_1", "USD", 12.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb(rows: int) -> bytes:
    """A real workbook whose sheet is rewritten as `rows` identical rows: it packs a thousandfold."""
    source = zipfile.ZipFile(io.BytesIO(workbook(1)))
    sheet_name = next(name for name in source.namelist() if name.startswith("xl/worksheets/"))
    xml = source.read(sheet_name).decode()
    head, _, rest = xml.partition("<sheetData>")
    row = '<row r="2"><c t="inlineStr"><is><t>2026-03-10</t></is></c></row>'
    sheet = head + "<sheetData>" + row * rows + "</sheetData>" + rest.partition("</sheetData>")[2]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, sheet if name == sheet_name else source.read(name))
    return out.getvalue()


def test_a_zip_bomb_is_refused_unread() -> None:
    data = bomb(120_000)  # ~8 MB of XML in well under 100 KB
    assert len(data) < 100_000
    _, issues = check(data, file_format="xlsx")
    assert [issue.code for issue in issues] == ["ic416"]
    assert "times its size" in issues[0].message and "save the sheet as CSV" in issues[0].message


@override_settings(XLSX_MAX_UNPACKED_BYTES=2 * 1024 * 1024)
def test_a_sheet_past_the_unpacked_limit_is_asked_for_as_csv() -> None:
    _, issues = check(workbook(8_000), file_format="xlsx")
    assert [issue.code for issue in issues] == ["ic416"]
    assert "more than the 2.0\xa0MB a workbook may" in issues[0].message
    assert "save the sheet as CSV" in issues[0].message


def test_a_workbook_within_the_limits_is_read() -> None:
    summary, issues = check(workbook(300), file_format="xlsx")
    assert summary.rows == 300 and not [issue for issue in issues if issue.code == "ic416"]
