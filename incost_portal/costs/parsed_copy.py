"""An upload's rows as parsed, written once when the upload is checked, read by its preview.

Parsing is the slow part of showing a file (an XLSX sheet reads ~100x slower than the same rows
as CSV), and the preview pages through the file again and again. So the check pass, which reads
every row anyway, also writes them here: one JSON line per readable row, `[number, {field: text}]`,
with the byte offset of every BLOCK_ROWS-th row kept on the upload, so that any page of the
preview reads at most one block more than it shows; and the numbers shown above the grid (rows,
apps, dates, spend per currency) are kept on the upload too. The original file stays as uploaded.
"""

import datetime
import json
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

import orjson
from django.core.files import File

from incost_portal.costs.models import CostUpload
from incost_portal.costs.parsing import RowChunk
from incost_portal.costs.validation.rules import SPEND_RE

BLOCK_ROWS = 1000
# Rows handed back per chunk when reading the copy.
READ_CHUNK_ROWS = 500
# At most this many app ids are kept in the profile (the page shows the first ones).
PROFILE_APPS = 20


class ParsedCopyWriter:
    """Takes the raw chunks of the check pass (`on_read`), writes the copy to a temporary file and
    sums the profile; `save(upload)` stores both on the upload."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in save()/discard()
        self._index: list[list[int]] = []  # [position, row number, byte offset] every BLOCK_ROWS rows
        self._position = 0
        self._apps: set[str] = set()
        self._dates: set[str] = set()
        self._fields: set[str] = set()
        self._spend: dict[str, Decimal] = defaultdict(Decimal)

    def __call__(self, chunk: RowChunk) -> None:
        columns = chunk.columns
        names = list(columns)
        self._fields.update(names)
        self._apps.update(columns.get("app_id", ()))
        self._dates.update(columns.get("date", ()))
        # Only a spend that could be sent counts (1e1000000 would overflow the sum).
        for currency, amount in zip(columns.get("currency", ()), columns.get("spend", ()), strict=False):
            if SPEND_RE.fullmatch(amount):
                self._spend[currency.strip().upper() or "?"] += Decimal(amount)
        write = self._file.write
        for index, number in enumerate(chunk.rows):
            if self._position % BLOCK_ROWS == 0:
                self._index.append([self._position, number, self._file.tell()])
            write(_line([number, {name: columns[name][index] for name in names}]))
            self._position += 1

    def profile(self) -> dict[str, Any]:
        dates = sorted(d for d in self._dates if _is_date(d))
        return {
            "rows": self._position,
            "apps": sorted(a for a in self._apps if a)[:PROFILE_APPS],
            "date_from": dates[0] if dates else "",
            "date_to": dates[-1] if dates else "",
            "dates": len(dates),
            "spend": {currency: str(total) for currency, total in sorted(self._spend.items())},
            "fields": sorted(self._fields),
        }

    def save(self, upload: CostUpload) -> None:
        """Store the copy, its index and the profile on the upload (saved by the caller)."""
        self._file.seek(0)
        try:
            upload.parsed_file.save(f"{upload.code}.jsonl", File(self._file), save=False)
        finally:
            self._file.close()
        upload.parsed_index = self._index
        upload.profile = self.profile()

    def discard(self) -> None:
        self._file.close()


def profile_of(chunks: Iterable[RowChunk]) -> dict[str, Any]:
    """The profile of rows read some other way (an upload checked before the copy was kept)."""
    writer = ParsedCopyWriter()
    try:
        for chunk in chunks:
            writer(chunk)
        return writer.profile()
    finally:
        writer.discard()


def parsed_chunks(
    upload: CostUpload, *, from_position: int | None = None, from_number: int | None = None
) -> Iterator[RowChunk]:
    """The copy's rows in file order, from the start of the block that holds `from_position` (a
    row's place among the readable rows) or `from_number` (a row number); the caller skips what
    comes before and stops reading when it has what it needs."""
    offset = 0
    for position, number, block_offset in upload.parsed_index:
        if (from_position is not None and position > from_position) or (
            from_number is not None and number > from_number
        ):
            break
        if from_position is None and from_number is None:
            break
        offset = block_offset
    with upload.parsed_file.open("rb") as stream:
        stream.seek(offset)
        rows: list[int] = []
        values: list[dict[str, str]] = []
        # readline, not iteration: iterating Django's File seeks back to the start.
        for line in iter(stream.readline, b""):
            number, row = _read(line)
            rows.append(number)
            values.append(row)
            if len(rows) == READ_CHUNK_ROWS:
                yield _chunk(rows, values)
                rows, values = [], []
        if rows:
            yield _chunk(rows, values)


def parsed_first_position(upload: CostUpload, *, from_position: int) -> int:
    """The position of the first row `parsed_chunks(from_position=...)` hands back."""
    first = 0
    for position, _, _ in upload.parsed_index:
        if position > from_position:
            break
        first = position
    return first


def _line(value: list[Any]) -> bytes:
    try:
        return orjson.dumps(value) + b"\n"
    except TypeError:
        # Bytes that were not UTF-8 are kept as lone surrogates (reported by row and field, and
        # copied as they are by a cell fix): orjson refuses them, json writes them as escapes.
        return json.dumps(value).encode() + b"\n"


def _read(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def _chunk(rows: list[int], values: list[dict[str, str]]) -> RowChunk:
    names: dict[str, None] = {}
    for row in values:
        names.update(dict.fromkeys(row))
    # A field a row lacks (JSON rows may differ) reads as empty, as the parser hands it.
    columns = {name: [row.get(name, "") for row in values] for name in names}
    return RowChunk(rows=rows, columns=columns)


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
