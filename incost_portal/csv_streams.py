"""CSV downloads, streamed row by row and safe to open in a spreadsheet.

Every download of the portal (cost, an upload annotated with its issues, jobs) goes through
`csv_response`, so every cell gets `csv_safe`: cost files come from outside, and campaign names
are whatever an advertiser typed.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """The cell as text, with a leading quote where a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
