"""XLSX: the first sheet, header on row 1, read with openpyxl in read-only (streaming) mode."""

import datetime
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from openpyxl import load_workbook

from incost_portal.costs.issues import Issue
from incost_portal.costs.parsing.chunks import CostFile, RowChunk, chunk_from_rows, header_read

# A cost row of eight columns is about 440 bytes of sheet XML: what the byte limit means in rows.
XML_BYTES_PER_ROW = 440
# Real cost sheets pack 10 to 20 times; past this a file is built to unpack (a zip bomb).
XLSX_MAX_RATIO = 100
# Below this, any ratio: a tiny workbook of repeated cells packs far but costs nothing to read.
XLSX_RATIO_FREE_BYTES = 4 * 1024 * 1024


def _failure(message: str) -> CostFile:
    return CostFile("xlsx", (), iter([RowChunk([], {}, [Issue(None, "", "ic416", message)])]))


def cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold: whole numbers without .0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def workbook_too_big(stream: BinaryIO) -> str | None:
    """Why a workbook must not be read at all, judged from its zip directory alone: what it would
    unpack to, and how far it is packed (a small file that unpacks to gigabytes is a zip bomb)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not a zip: openpyxl says so in its own words
    finally:
        stream.seek(0)
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    limit = settings.XLSX_MAX_UNPACKED_BYTES
    advice = (
        f"save the sheet as CSV (up to {filesizeformat(settings.COST_UPLOAD_MAX_BYTES)}) and upload that."
    )
    if unpacked > limit:
        return (
            f"This workbook unpacks to {filesizeformat(unpacked)}, more than the {filesizeformat(limit)} "
            f"a workbook may (about {limit // XML_BYTES_PER_ROW:,} rows): {advice}"
        )
    if unpacked > XLSX_RATIO_FREE_BYTES and unpacked > packed * XLSX_MAX_RATIO:
        return (
            f"This workbook unpacks to {unpacked // max(packed, 1):,} times its size, more than a "
            f"spreadsheet of cost ever does (at most {XLSX_MAX_RATIO}): {advice}"
        )
    return None


def read_workbook(stream: BinaryIO, *, chunk_rows: int) -> CostFile:
    refused = workbook_too_big(stream)
    if refused:
        return _failure(refused)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as exc:
        return _failure(f"Not an XLSX workbook that can be read: {exc}.")
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; each is ic416
        return _failure(f"Not an XLSX workbook that can be read: {type(exc).__name__}.")
    if header is None or not any(cell is not None for cell in header):
        return _failure("The first sheet is empty: row 1 must name the columns.")
    positions, issues = header_read(header)
    width = len(header)
    fields = tuple(sorted(positions, key=positions.__getitem__))
    return CostFile("xlsx", fields, _chunks(rows, positions, width, chunk_rows), header_issues=issues)


def _chunks(
    rows: Iterator[tuple[Any, ...]], positions: dict[str, int], width: int, chunk_rows: int
) -> Iterator[RowChunk]:
    next_row = 2
    batch: list[list[str]] = []
    try:
        for cells in rows:
            values = [cell_text(cell) for cell in cells[:width]]
            if len(values) < width:
                values.extend([""] * (width - len(values)))  # XLSX omits trailing empty cells
            batch.append(values)
            if len(batch) == chunk_rows:
                if positions:
                    yield chunk_from_rows(batch, next_row, positions, width)
                next_row += len(batch)
                batch = []
    except Exception as exc:  # a damaged sheet part: report where reading stopped
        if batch and positions:
            yield chunk_from_rows(batch, next_row, positions, width)
        yield RowChunk(
            [],
            {},
            [
                Issue(
                    next_row + len(batch),
                    "",
                    "ic416",
                    f"The sheet cannot be read further: {type(exc).__name__}.",
                )
            ],
        )
        return
    if batch and positions:
        yield chunk_from_rows(batch, next_row, positions, width)
