"""The one CSV download helper: every cell safe for a spreadsheet, the file streamed."""

import csv
import io

import pytest

from incost_portal.csv_streams import csv_response, csv_safe


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_read_as_a_formula_gets_a_leading_quote(start: str) -> None:
    assert csv_safe(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize(("value", "text"), [(None, ""), ("abc", "abc"), (12.5, "12.5"), ("a=b", "a=b")])
def test_other_cells_stay_as_they_are(value: object, text: str) -> None:
    assert csv_safe(value) == text


def test_the_response_streams_the_rows_as_a_named_download() -> None:
    response = csv_response(iter([["name", "spend"], ["=cmd", 1], ["plain", None]]), "cost.csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cost.csv"'
    text = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(text))) == [["name", "spend"], ["'=cmd", "1"], ["plain", ""]]
