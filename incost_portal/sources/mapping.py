"""A source's column mapping: its own header names renamed to InCost fields before the file is
checked, so a report whose columns read `Day;Cost;Campaign` is taken as `date;spend;campaign_name`.

Only names change: a CSV's header line is rewritten and the rest of the file is left byte for byte
(a million-row report is not parsed twice), a JSON array's keys are renamed, an XLSX's first row."""

import csv
import io
from collections.abc import Mapping

import openpyxl
import orjson

from incost_portal.costs.fields import INPUT_FIELDS


class MappingError(ValueError):
    """A mapping that cannot be used: the message says which entry and why."""


def mapping_clean(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping with blanks stripped; MappingError for a target that is not an InCost field or
    two sources mapped to one field."""
    cleaned: dict[str, str] = {}
    for source, target in mapping.items():
        source, target = str(source).strip(), str(target).strip()
        if not source and not target:
            continue
        if not source:
            raise MappingError(f"The mapping to {target!r} needs the source's column name.")
        if target not in INPUT_FIELDS:
            raise MappingError(
                f"{source!r} is mapped to {target!r}, which is not an InCost field "
                f"({', '.join(INPUT_FIELDS)})."
            )
        if target in cleaned.values():
            raise MappingError(f"Two columns are mapped to {target!r}.")
        cleaned[source] = target
    return cleaned


def mapping_parse(text: str) -> dict[str, str]:
    """`Source column = incost_field` a line (or `->`, `:`), as typed in the form."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        for sign in ("->", "=", ":"):
            if sign in line:
                source, target = line.split(sign, 1)
                break
        else:
            raise MappingError(f"Line {number}: write `source column = incost_field`.")
        if source.strip() in mapping:
            raise MappingError(f"Line {number}: {source.strip()!r} is mapped twice.")
        mapping[source.strip()] = target.strip()
    return mapping_clean(mapping)


def mapping_text(mapping: Mapping[str, str]) -> str:
    return "\n".join(f"{source} = {target}" for source, target in mapping.items())


def _renamed(name: str, lookup: Mapping[str, str]) -> str:
    return lookup.get(name.strip().lower(), name)


def mapping_apply(data: bytes, *, file_format: str, mapping: Mapping[str, str]) -> bytes:
    """The file with its mapped column names renamed (names compared without case and blanks).
    A file that cannot be read as its format is returned as it is: the check names the problem."""
    if not mapping:
        return data
    lookup = {source.strip().lower(): target for source, target in mapping.items()}
    if file_format == "json":
        return _json(data, lookup)
    if file_format == "xlsx":
        return _xlsx(data, lookup)
    return _csv(data, lookup)


def _csv(data: bytes, lookup: Mapping[str, str]) -> bytes:
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    body = data[len(bom) :]
    end = body.find(b"\n")
    line, rest = (body, b"") if end < 0 else (body[: end + 1], body[end + 1 :])
    try:
        text = line.decode()
    except UnicodeDecodeError:
        return data
    newline = "\r\n" if text.endswith("\r\n") else ("\n" if text.endswith("\n") else "")
    header = text.removesuffix(newline)
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = next(csv.reader([header], delimiter=delimiter), [])
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerow(
        [_renamed(name, lookup) for name in names]
    )
    return bom + out.getvalue().encode() + rest


def _json(data: bytes, lookup: Mapping[str, str]) -> bytes:
    try:
        rows = orjson.loads(data)
    except orjson.JSONDecodeError:
        return data
    if not isinstance(rows, list):
        return data
    renamed = [
        {_renamed(key, lookup): value for key, value in row.items()} if isinstance(row, dict) else row
        for row in rows
    ]
    return orjson.dumps(renamed)


def _xlsx(data: bytes, lookup: Mapping[str, str]) -> bytes:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data))
    except Exception:
        return data
    sheet = book.worksheets[0]
    for cell in next(sheet.iter_rows(min_row=1, max_row=1), ()):
        if isinstance(cell.value, str):
            cell.value = _renamed(cell.value, lookup)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
