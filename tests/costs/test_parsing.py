"""The readers: each format, the header variants, broken input as ic416 with its place."""

import io

import openpyxl
import pytest

from incost_portal.costs.parsing import cost_file_read, file_format_guess
from incost_portal.costs.parsing.json_array import read_json
from incost_portal.costs.validation import NetworkRules
from tests.builders import NOW, check, codes, csv_bytes, json_bytes, row


def rows_of(data: bytes, file_format: str, **kwargs: object) -> list[dict[str, str]]:
    cost_file = cost_file_read(io.BytesIO(data), file_format=file_format, **kwargs)  # type: ignore[arg-type]
    out = []
    for chunk in cost_file.chunks:
        for i, number in enumerate(chunk.rows):
            out.append({"row": number, **{name: values[i] for name, values in chunk.columns.items()}})
    return out


def test_csv_with_bom_and_semicolons(rules: NetworkRules) -> None:
    data = csv_bytes([row(spend="12.5")], delimiter=";", bom=True)
    summary, issues = check(data, file_format="csv", rules=rules)
    assert summary.rows == 1
    assert issues == []


def test_csv_with_cost_import_template_headers(rules: NetworkRules) -> None:
    data = (
        b"date,app-id,media-source,campaign,campaign-id,spend,geo,currency\n"
        b"2026-03-10,id123456789,acme_int,summer,c1,10.25,US,USD\n"
    )
    assert rows_of(data, "csv") == [
        {
            "row": 2,
            "date": "2026-03-10",
            "app_id": "id123456789",
            "media_source": "acme_int",
            "campaign_name": "summer",
            "campaign_id": "c1",
            "spend": "10.25",
            "geo": "US",
            "currency": "USD",
        }
    ]
    assert check(data, file_format="csv", rules=rules)[1] == []


def test_csv_quoted_values_and_crlf() -> None:
    data = (
        b'date,campaign_name,spend\r\n2026-03-10,"a, b",1\r\n2026-03-11,"two\nlines",2\r\n2026-03-12,x,3\r\n'
    )
    parsed = rows_of(data, "csv")
    assert [r["campaign_name"] for r in parsed] == ["a, b", "two\nlines", "x"]
    assert [r["row"] for r in parsed] == [2, 3, 4]


def test_csv_blank_lines_count_as_rows_but_are_not_read() -> None:
    data = b"date,spend\n2026-03-10,1\n\n;;\n2026-03-11,2\n,\n"
    assert [(r["row"], r["spend"]) for r in rows_of(data, "csv")] == [(2, "1"), (5, "2")]


def test_csv_row_of_the_wrong_width_is_ic416_with_its_row(rules: NetworkRules) -> None:
    data = csv_bytes([row(), row(campaign_id="c2")]) + b"2026-03-10,x\n"
    _, issues = check(data, file_format="csv", rules=rules)
    assert [(issue.row, issue.code) for issue in issues] == [(4, "ic416")]


def test_csv_undecodable_bytes_name_row_and_field(rules: NetworkRules) -> None:
    data = csv_bytes([row(), row(campaign_id="c2")]).replace(b"c2", b"c\xe92")
    _, issues = check(data, file_format="csv", rules=rules)
    assert [(issue.row, issue.field, issue.code) for issue in issues] == [(3, "campaign_id", "ic416")]


def test_values_are_trimmed_and_codes_upper_cased(rules: NetworkRules) -> None:
    data = csv_bytes([row(campaign_id=" c1 ", geo="us", currency=" usd")])
    issues: list = []
    chunks: list = []
    from incost_portal.costs.validation import cost_file_check

    cost_file_check(
        io.BytesIO(data),
        rules=rules,
        on_issue=issues.append,
        on_chunk=chunks.append,
        now=NOW,
        file_format="csv",
    )
    assert issues == []
    columns = chunks[0].columns
    assert (columns["campaign_id"][0], columns["geo"][0], columns["currency"][0]) == ("c1", "US", "USD")


def test_unknown_and_repeated_columns_are_ic248_on_row_1(rules: NetworkRules) -> None:
    data = b"date,app_id,media_source,campaign_id,campaign_name,currency,spend,colour,spend\n"
    _, issues = check(
        data + b"2026-03-10,id123456789,acme_int,c1,c,USD,1,red,1\n", file_format="csv", rules=rules
    )
    assert [(issue.row, issue.field, issue.code) for issue in issues] == [
        (1, "colour", "ic248"),
        (1, "spend", "ic248"),
    ]


def test_xlsx_first_sheet(rules: NetworkRules) -> None:
    import datetime

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["date", "app_id", "media_source", "campaign_id", "campaign_name", "currency", "spend", "clicks"]
    )
    sheet.append([datetime.date(2026, 3, 10), "id123456789", "acme_int", 12345, "camp", "USD", 12.5, 7])
    sheet.append(
        [datetime.datetime(2026, 3, 11), "id123456789", "acme_int", "c2", "camp", "USD", 0.1234567, None]
    )
    workbook.create_sheet("ignored").append(["nothing", "here"])
    out = io.BytesIO()
    workbook.save(out)
    parsed = rows_of(out.getvalue(), "xlsx")
    assert [(r["row"], r["date"], r["campaign_id"], r["spend"], r["clicks"]) for r in parsed] == [
        (2, "2026-03-10", "12345", "12.5", "7"),
        (3, "2026-03-11", "c2", "0.1234567", ""),
    ]
    _, issues = check(out.getvalue(), file_format="xlsx", rules=rules)
    assert [(issue.row, issue.code) for issue in issues] == [(3, "pv102")]


def test_xlsx_that_is_not_a_workbook_is_ic416() -> None:
    _, issues = check(b"PK\x03\x04 not really", file_format="xlsx")
    assert [(issue.row, issue.code) for issue in issues] == [(None, "ic416")]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'[{"date": "2026-03-10"},\n {"date": }]', "line 2"),
        (b"", "empty"),
        (b'{"date": "2026-03-10"}', "array"),
        (b"[1, 2", "line 1"),
    ],
)
def test_bad_json_is_ic416_with_its_place(body: bytes, where: str) -> None:
    _, issues = check(body, file_format="json")
    assert codes(issues) == {"ic416"}
    assert where in issues[0].message


def test_json_numbers_become_plain_decimal_text() -> None:
    parsed = rows_of(b'[{"spend": 12.50, "clicks": 3, "campaign_id": 123}]', "json")
    assert (parsed[0]["spend"], parsed[0]["clicks"], parsed[0]["campaign_id"]) == ("12.5", "3", "123")


def test_large_json_is_streamed_object_by_object(rules: NetworkRules) -> None:
    rows = [row(campaign_id=f"c{i}", spend=i) for i in range(300)]
    data = json_bytes(rows).replace(b"}, {", b"},\n {")
    streamed = read_json(io.BytesIO(data), chunk_rows=7, whole_bytes=100, block_chars=64)
    parsed = [chunk for chunk in streamed.chunks]
    assert sum(len(chunk) for chunk in parsed) == 300
    assert [chunk.columns["campaign_id"][0] for chunk in parsed[:2]] == ["c0", "c7"]
    objects = data.split(b"},\n {")
    objects[289] += b"} oops"
    broken = b"},\n {".join(objects)
    chunks = list(read_json(io.BytesIO(broken), chunk_rows=7, whole_bytes=100, block_chars=64).chunks)
    problems = [issue for chunk in chunks for issue in chunk.issues]
    assert [issue.code for issue in problems] == ["ic416"]
    assert "line 290" in problems[0].message
    assert problems[0].row == 291


@pytest.mark.parametrize(
    ("start", "name", "expected"),
    [
        (b"[{}]", "x.bin", "json"),
        (b"PK\x03\x04", "", "xlsx"),
        (b"date,spend", "", "csv"),
        (b"", "a.XLSX", "xlsx"),
    ],
)
def test_format_guess(start: bytes, name: str, expected: str) -> None:
    assert file_format_guess(io.BytesIO(start), name) == expected


def test_an_empty_file_is_ic416() -> None:
    for file_format in ("csv", "json"):
        _, issues = check(b"", file_format=file_format)
        assert codes(issues) == {"ic416"}
    _, issues = check(b"date,spend\n", file_format="csv")
    assert "no cost rows" in issues[-1].message
