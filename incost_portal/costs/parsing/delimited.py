"""CSV: UTF-8 with or without BOM, comma or semicolon (or tab), InCost or Cost Import headers."""

import csv
import io
from collections.abc import Iterator
from itertools import chain, islice
from typing import BinaryIO

from incost_portal.costs.issues import Issue
from incost_portal.costs.parsing.chunks import (
    CostFile,
    RowChunk,
    blank_rows_dropped,
    chunk_from_rows,
    header_read,
)

# A single field past this is a broken file (an unclosed quote swallowing the rest), not a value.
FIELD_SIZE_LIMIT = 1024 * 1024
csv.field_size_limit(FIELD_SIZE_LIMIT)


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# What a file that is not text starts with, and what it is in words.
_NOT_TEXT = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "an XLSX workbook or a zip archive (name an XLSX file .xlsx)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook (save it as .xlsx or CSV)"),
)


def _not_text(stream: BinaryIO) -> str | None:
    """What the file is when it is plainly not CSV text (its first bytes), else None."""
    head = stream.read(1024)
    stream.seek(0)
    for magic, kind in _NOT_TEXT:
        if head.startswith(magic):
            return kind
    # A stray NUL is a damaged cell (reported by row and field); many are a file that is not text.
    return "a binary file" if head.count(b"\x00") > len(head) // 10 else None


def read_delimited(stream: BinaryIO, *, chunk_rows: int) -> CostFile:
    kind = _not_text(stream)
    if kind is not None:
        issue = Issue(
            None, "", "ic416", f"This is not a CSV file: it looks like {kind}. Upload CSV, JSON or XLSX."
        )
        return CostFile("csv", (), iter([RowChunk([], {}, [issue])]))
    # Undecodable bytes become lone surrogates, which the validator reports (ic416) by row and field.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        header_line = text.readline()
    except (OSError, ValueError) as exc:
        issue = Issue(None, "", "ic416", f"The file cannot be read as text: {exc}.")
        return CostFile("csv", (), iter([RowChunk([], {}, [issue])]))
    if not header_line.strip():
        issue = Issue(1, "", "ic416", "The file is empty: the first line must name the columns.")
        return CostFile("csv", (), iter([RowChunk([], {}, [issue])]))
    delimiter = _delimiter(header_line)
    if '"' in header_line:
        # A quoted header may span lines: the csv module reads the whole file.
        reader = csv.reader(chain([header_line], text), delimiter=delimiter)
        try:
            raw_header = next(reader)
        except csv.Error as exc:
            issue = Issue(1, "", "ic416", f"The header line cannot be read: {exc}.")
            return CostFile("csv", (), iter([RowChunk([], {}, [issue])]))
    else:
        reader = None
        raw_header = header_line.rstrip("\r\n").split(delimiter)
    positions, issues = header_read(raw_header)
    if any("\udc80" <= ch <= "\udcff" for ch in header_line):
        issues.append(Issue(1, "", "ic416", "The header line is not UTF-8 text."))
    width = len(raw_header)
    if reader is not None:
        chunks = _csv_chunks(reader, positions, width, chunk_rows, 2)
    else:
        chunks = _fast_chunks(text, delimiter, positions, width, chunk_rows)
    fields = tuple(sorted(positions, key=positions.__getitem__))
    return CostFile("csv", fields, chunks, header_issues=issues)


# Characters per block of the fast path (about chunk_rows rows of a typical file).
_CHARS_PER_ROW = 100


def _fast_chunks(
    text: io.TextIOWrapper, delimiter: str, positions: dict[str, int], width: int, chunk_rows: int
) -> Iterator[RowChunk]:
    """Unquoted CSV split by str.split, column slices taken from one flat list.

    Machine-written cost files rarely quote: for them this reads as fast as the csv module and
    skips the transposition of rows into columns. The first quote (or lone CR) hands the rest of
    the file to the csv module, from the start of the block where it appeared.
    """
    next_row = 2
    rest = ""
    block_chars = chunk_rows * _CHARS_PER_ROW
    while True:
        block = text.read(block_chars)
        data = rest + block
        if block:
            cut = data.rfind("\n") + 1
            if not cut:
                rest = data  # one line longer than a block: read on
                continue
            data, rest = data[:cut], data[cut:]
        else:
            rest = ""
            if data and not data.endswith("\n"):
                data += "\n"
        if not data:
            return
        if '"' in data:
            reader = csv.reader(chain(io.StringIO(data + rest, newline=""), text), delimiter=delimiter)
            yield from _csv_chunks(reader, positions, width, chunk_rows, next_row)
            return
        if "\r" in data:
            data = data.replace("\r\n", "\n")
            if "\r" in data:
                reader = csv.reader(chain(io.StringIO(data + rest, newline=""), text), delimiter=delimiter)
                yield from _csv_chunks(reader, positions, width, chunk_rows, next_row)
                return
        lines = data.count("\n")
        flat = data.replace("\n", delimiter).split(delimiter)
        flat.pop()  # after the last newline
        if positions:
            if len(flat) == lines * width:
                columns = [flat[index::width] for index in range(width)]
                chunk = RowChunk(
                    rows=range(next_row, next_row + lines),
                    columns={name: columns[index] for name, index in positions.items()},
                )
                yield blank_rows_dropped(chunk, columns)
            else:  # rows of other widths or blank lines: row by row
                batch = [line.split(delimiter) if line else [] for line in data[:-1].split("\n")]
                yield chunk_from_rows(batch, next_row, positions, width)
        next_row += lines
        if not block:
            return


MAX_BROKEN_ROWS = 100


def _csv_chunks(
    reader: "csv._reader", positions: dict[str, int], width: int, chunk_rows: int, next_row: int
) -> Iterator[RowChunk]:
    broken = 0
    while True:
        batch: list[list[str]] = []
        failure: csv.Error | None = None
        try:
            # On an error, list.extend keeps the rows it had already taken.
            batch.extend(islice(reader, chunk_rows))
        except csv.Error as exc:
            failure = exc
        if batch and positions:
            yield chunk_from_rows(batch, next_row, positions, width)
        next_row += len(batch)
        if failure is not None:
            broken += 1
            message = f"Broken CSV at line {reader.line_num}: {failure}."
            yield RowChunk([], {}, [Issue(next_row, "", "ic416", message)])
            next_row += 1
            if broken >= MAX_BROKEN_ROWS:
                stop = Issue(
                    next_row, "", "ic416", "Too many broken rows: the rest of the file was not read."
                )
                yield RowChunk([], {}, [stop])
                return
            continue
        if len(batch) < chunk_rows:
            return
