"""CSV downloads, streamed row by row and safe to open in a spreadsheet.

Every download of the portal (cost, an upload annotated with its issues, jobs) goes through
`csv_response`, so every cell gets `csv_safe`: cost files come from outside, and campaign names
are whatever an advertiser typed.
"""

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from django.http import StreamingHttpResponse

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
# What a download's plain filename may keep; anything else becomes "_".
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()-]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """The cell as text, with a leading quote where a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    # NFKC first: a spreadsheet may read a full-width equals or plus (U+FF1D, U+FF0B) as ASCII.
    head = unicodedata.normalize("NFKC", text[:4]) if text and not text.isascii() else text
    return "'" + text if head.startswith(FORMULA_STARTS) else text


class _Echo:
    """csv.writer's file: each row comes back as the text to stream."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Each row as one line of CSV text, every cell made safe."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_safe(value) for value in row])


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> StreamingHttpResponse:
    """A download of `rows` (the header first) as `filename`, streamed: memory stays one row."""
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(filename)
    return response


def attachment(filename: str) -> str:
    """A Content-Disposition for a download named `filename`, whatever it holds (an uploaded
    file's name may carry quotes, semicolons or a filename* of its own): a plain fallback with
    every other character replaced, and the exact name percent-encoded (RFC 6266, 5987), which
    browsers prefer."""
    plain = _UNSAFE_NAME.sub("_", filename).strip() or "download"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
