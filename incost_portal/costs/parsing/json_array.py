"""The InCost JSON body: an array of row objects. Numbers keep their literal text.

A body up to WHOLE_BYTES is decoded in one call of the C decoder (a pushed 1 MB request checks
in milliseconds); a larger file is walked object by object, so memory stays flat.
"""

import io
import json
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import BinaryIO, TextIO

import orjson

from incost_portal.costs.fields import INPUT_FIELDS, REQUIRED
from incost_portal.costs.issues import Issue
from incost_portal.costs.parsing.chunks import CostFile, RowChunk

WHOLE_BYTES = 8 * 1024 * 1024
BLOCK_CHARS = 1024 * 1024
WHOLE_CHUNK_ROWS = 10_000
# One row object never comes near this: past it, an unparseable object is broken, not truncated.
MAX_OBJECT_CHARS = 4 * 1024 * 1024


class JsonNumber(str):
    """A JSON number as written (12.50 stays "12.50"), told apart from a quoted string."""

    __slots__ = ()


_decoder = json.JSONDecoder(parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=JsonNumber)
_KNOWN = frozenset(INPUT_FIELDS)
_NUMBER_CODES = {"spend": "pv102", "clicks": "ic241", "impressions": "ic242"}
_WHITESPACE = " \t\n\r"
# What a JSON number becomes: int or float from orjson, its literal text from the exact decoder.
_NUMBER_TYPES = frozenset({int, float, JsonNumber})


def _failure(message: str) -> CostFile:
    return CostFile(
        "json", (), iter([RowChunk([], {}, [Issue(None, "", "ic416", message)])]), per_row_fields=True
    )


def read_json(
    stream: BinaryIO, *, chunk_rows: int, whole_bytes: int = WHOLE_BYTES, block_chars: int = BLOCK_CHARS
) -> CostFile:
    """The whole body at once up to `whole_bytes`; past that, object by object in blocks."""
    head = stream.read(whole_bytes + 1)
    if len(head) <= whole_bytes:
        return _read_whole(head, chunk_rows)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape")
    return CostFile("json", (), _stream_chunks(text, chunk_rows, block_chars), per_row_fields=True)


def _read_whole(data: bytes, chunk_rows: int) -> CostFile:
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.strip():
        return _failure("The body is empty: send a JSON array of row objects.")
    try:
        # orjson first: a pushed 1 MB request parses in a few milliseconds.
        document: object = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = None
    if document is None or _spend_rounded(body):
        # The exact decoder names the line and column of a syntax error, keeps undecodable bytes
        # (reported by row and field) and keeps every number's literal text.
        text = body.decode("utf-8", errors="surrogateescape")
        try:
            document = _decoder.decode(text)
        except json.JSONDecodeError as exc:
            return _failure(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.")
        except RecursionError:
            return _failure("Not valid JSON: nested too deeply.")
    if not isinstance(document, list):
        return _failure("The body must be a JSON array of row objects, [ {...}, {...} ].")
    rows = document
    # The objects are in memory already: bigger chunks cost no memory and save per-chunk work.
    chunk_rows = max(chunk_rows, WHOLE_CHUNK_ROWS)

    def chunks() -> Iterator[RowChunk]:
        for start in range(0, len(rows), chunk_rows):
            yield chunk_from_objects(rows[start : start + chunk_rows], start + 1)

    return CostFile("json", (), chunks(), per_row_fields=True)


# A spend literal of 16 digits or more: a double may not keep it exactly.
_LONG_SPEND = re.compile(rb'"spend"\s*:\s*-?[0-9.]{17}')


def _spend_rounded(body: bytes) -> bool:
    """Whether some spend has more digits than a double keeps: then the text is read exactly."""
    return _LONG_SPEND.search(body) is not None


def _stream_chunks(text: TextIO, chunk_rows: int, block_chars: int) -> Iterator[RowChunk]:
    batch: list[object] = []
    first = 1
    for item in _stream_objects(text, block_chars):
        if isinstance(item, Issue):
            if batch:
                yield chunk_from_objects(batch, first)
            yield RowChunk([], {}, [item])
            return
        batch.append(item)
        if len(batch) == chunk_rows:
            yield chunk_from_objects(batch, first)
            first += len(batch)
            batch = []
    if batch:
        yield chunk_from_objects(batch, first)


def _stream_objects(text: TextIO, block_chars: int = BLOCK_CHARS) -> Iterator[object]:
    """The array's elements one by one, or an ic416 Issue (with its line) where parsing fails."""
    buffer = text.read(block_chars)
    position = 0
    lines_before = 0  # newlines in the text already dropped from the buffer
    at_end = False
    index = 0

    def fail(message: str, at: int) -> Issue:
        line = lines_before + buffer.count("\n", 0, at) + 1
        row = index + 1 if index else None
        return Issue(row, "", "ic416", f"Not valid JSON: {message} at line {line}.")

    def refill() -> bool:
        nonlocal buffer, position, lines_before, at_end
        more = text.read(block_chars)
        lines_before += buffer.count("\n", 0, position)
        buffer = buffer[position:] + more
        position = 0
        at_end = not more
        return bool(more)

    def skip_space() -> bool:
        """Move past whitespace; False at the end of the text."""
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position] in _WHITESPACE:
                position += 1
            if position < len(buffer):
                return True
            if at_end or not refill():
                return False

    if not skip_space():
        yield Issue(None, "", "ic416", "The body is empty: send a JSON array of row objects.")
        return
    if buffer[position] != "[":
        yield fail("the body must be a JSON array of row objects", position)
        return
    position += 1
    while True:
        if not skip_space():
            yield fail("the array is not closed", position)
            return
        if buffer[position] == "]":
            if index and buffer[position - 1] == ",":
                yield fail("a comma before ]", position)
                return
            position += 1
            if skip_space():
                yield fail("extra data after the array", position)
            return
        if index:
            if buffer[position] != ",":
                yield fail("expected , or ]", position)
                return
            position += 1
            if not skip_space():
                yield fail("the array is not closed", position)
                return
        while True:
            try:
                value, end = _decoder.raw_decode(buffer, position)
                break
            except json.JSONDecodeError as exc:
                if at_end or len(buffer) - position > MAX_OBJECT_CHARS or not refill():
                    yield fail(exc.msg, exc.pos)
                    return
            except RecursionError:
                yield fail("nested too deeply", position)
                return
        yield value
        index += 1
        position = end
        if position > block_chars:
            refill()


def chunk_from_objects(objects: Sequence[object], first_row: int) -> RowChunk:
    """Row objects to columns of strings; wrong JSON types become issues on their row and field."""
    rows: Sequence[int] = range(first_row, first_row + len(objects))
    issues: list[Issue] = []
    if set(map(type, objects)) != {dict}:
        kept = [(row, obj) for row, obj in zip(rows, objects, strict=True) if isinstance(obj, dict)]
        issues.extend(
            Issue(row, "", "ic416", f"Row {row} is not a JSON object.")
            for row, obj in zip(rows, objects, strict=True)
            if not isinstance(obj, dict)
        )
        rows = [row for row, _ in kept]
        objects = [obj for _, obj in kept]
    dicts: Sequence[dict[str, object]] = objects  # type: ignore[assignment]
    keys: set[str] = set().union(*dicts) if dicts else set()
    unknown = keys - _KNOWN
    if unknown:
        for row, obj in zip(rows, dicts, strict=True):
            issues.extend(
                Issue(row, key, "ic248", f"Unknown field {key!r}.") for key in sorted(obj.keys() & unknown)
            )
    columns: dict[str, Sequence[str]] = {}
    names = [name for name in INPUT_FIELDS if name in keys or name in REQUIRED]
    if dicts and keys == set(names) and set(map(len, dicts)) == {len(keys)}:
        # Every object has the same fields (the usual case): one C-level pass per row.
        by_column: list[Sequence[object]] = list(zip(*map(itemgetter(*names), dicts), strict=True))
        if len(names) == 1:
            by_column = [[value[0] for value in by_column[0]]]  # type: ignore[index]
    else:
        by_column = [[obj.get(name) for obj in dicts] for name in names]
    for name, values in zip(names, by_column, strict=True):
        kinds = set(map(type, values))
        if name in _NUMBER_CODES:
            if kinds <= _NUMBER_TYPES:
                columns[name] = _numbers_text(values)
                continue
        elif kinds <= {str}:
            columns[name] = values  # type: ignore[assignment]
            continue
        elif kinds <= {str, *_NUMBER_TYPES}:
            columns[name] = list(map(str, values))  # an id sent as a number: its digits
            continue
        columns[name] = _values_typed(name, values, rows, issues)
    return RowChunk(rows=rows, columns=columns, issues=issues)


# Past this exponent no spend or count is meant: the literal is kept as written and judged out of
# range, never expanded (1e1000000 would be a million digits in every message and export).
_PLAIN_EXPONENT_MAX = 30


def _numbers_text(values: list[object]) -> list[str]:
    """JSON numbers as plain decimal text (a double's shortest form, never an exponent)."""
    texts = list(map(str, values))
    joined = "".join(texts)
    if "e" in joined or "E" in joined:
        texts = [_plain(text) if "e" in text or "E" in text else text for text in texts]
    return texts


def _plain(text: str) -> str:
    number = Decimal(text)
    if not number.is_finite() or abs(number.adjusted()) > _PLAIN_EXPONENT_MAX:
        return text
    return format(number, "f")


def _values_typed(name: str, values: list[object], rows: Sequence[int], issues: list[Issue]) -> list[str]:
    number_code = _NUMBER_CODES.get(name)
    out: list[str] = []
    for row, value in zip(rows, values, strict=True):
        if value is None:
            out.append("")  # missing or null: an empty value, judged by the validator
        elif type(value) in _NUMBER_TYPES:
            out.append(_numbers_text([value])[0])
        elif isinstance(value, str):
            if number_code and name != "hour":
                issues.append(
                    Issue(row, name, number_code, f"{name} is a quoted string; send a JSON number.")
                )
            out.append(value)
        else:
            kind = {bool: "true/false", list: "an array", dict: "an object"}.get(type(value), "not text")
            code = number_code or "ic416"
            issues.append(
                Issue(row, name, code, f"{name} is {kind}; send a {'number' if number_code else 'string'}.")
            )
            out.append("")
    return out
