"""The one CSV download helper: every cell safe for a spreadsheet, the file streamed."""

import csv
import io

import pytest
from django.test import Client

from incost_portal.costs.services import cost_upload_create
from incost_portal.csv_streams import csv_response, csv_safe
from tests.cast import Cast


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_read_as_a_formula_gets_a_leading_quote(start: str) -> None:
    assert csv_safe(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize(("value", "text"), [(None, ""), ("abc", "abc"), (12.5, "12.5"), ("a=b", "a=b")])
def test_other_cells_stay_as_they_are(value: object, text: str) -> None:
    assert csv_safe(value) == text


@pytest.mark.parametrize("start", ["\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_a_full_width_formula_start_gets_a_leading_quote_too(start: str) -> None:
    assert csv_safe(f"{start}1+1") == f"'{start}1+1"
    assert csv_safe(f"caf\u00e9{start}") == f"caf\u00e9{start}"


def test_any_download_name_is_encoded_not_spliced(client: Client, cast: Cast) -> None:
    evil = "x\"; filename*=UTF-8''evil.html; y=\"z.json"
    upload = cost_upload_create(network=cast.network, user=cast.ops, file=io.BytesIO(b"[]"), name=evil)
    client.force_login(cast.reviewer)
    base = f"/n/{cast.network.code}/costs/uploads/{upload.code}"
    for path in (f"{base}/issues.csv", f"{base}/original"):
        disposition = client.get(path)["Content-Disposition"]
        # One filename and one filename*, ours: the quote and semicolons replaced or percent-encoded.
        assert disposition.count("filename*=") == 1 and disposition.count(";") == 2, disposition
        assert "%22%3B%20filename%2A%3DUTF-8%27%27evil.html%3B" in disposition
    original = client.get(f"{base}/original")
    assert original["Content-Type"] == "application/octet-stream"
    assert original["X-Content-Type-Options"] == "nosniff"


def test_the_response_streams_the_rows_as_a_named_download() -> None:
    response = csv_response(iter([["name", "spend"], ["=cmd", 1], ["plain", None]]), "cost.csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == "attachment; filename=\"cost.csv\"; filename*=UTF-8''cost.csv"
    text = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(text))) == [["name", "spend"], ["'=cmd", "1"], ["plain", ""]]
