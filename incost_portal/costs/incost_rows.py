"""A stored cost row as the InCost JSON object AppsFlyer receives, byte for byte.

Compact JSON, fields in InCost order, no empty fields, `spend` a JSON number with at most five
decimals (never quoted, no exponent), `clicks`/`impressions` integers. The same bytes are the
request body's rows and the input of a group's content hash, so both are deterministic.
"""

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from incost_portal.costs.fields import INCOST_FIELDS

# CostRow fields to read (values_list) for rendering; app_id comes from the App.
COST_ROW_FIELDS: tuple[str, ...] = tuple(name for name in INCOST_FIELDS if name != "app_id")
_NUMBERS = frozenset({"spend", "clicks", "impressions"})
_KEYS = {name: json.dumps(name) + ":" for name in INCOST_FIELDS}


def spend_literal(value: Decimal | str | int | float) -> str:
    """A spend as a JSON number: plain digits, at most 5 decimals, no trailing zeros."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(number.quantize(Decimal("0.00001")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def incost_row(fields: Mapping[str, Any], *, app_id: str) -> dict[str, Any]:
    """The row's InCost fields with empty ones left out (spend stays a Decimal)."""
    row: dict[str, Any] = {}
    for name in INCOST_FIELDS:
        value = app_id if name == "app_id" else fields.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif name == "spend":
            value = value if isinstance(value, Decimal) else Decimal(str(value))
        elif name in _NUMBERS:
            value = int(value)
        row[name] = value
    return row


def incost_row_bytes(fields: Mapping[str, Any], *, app_id: str) -> bytes:
    """The InCost JSON object of one row, as UTF-8 bytes (what a request body holds)."""
    parts = []
    for name, value in incost_row(fields, app_id=app_id).items():
        if name == "spend":
            literal = spend_literal(value)
        elif name in _NUMBERS:
            literal = str(value)
        else:
            literal = json.dumps(value, ensure_ascii=False)
        parts.append(_KEYS[name] + literal)
    return ("{" + ",".join(parts) + "}").encode()


def cost_row_bytes(row: Any) -> bytes:
    """`incost_row_bytes` of a CostRow instance."""
    fields = {name: getattr(row, name) for name in COST_ROW_FIELDS}
    return incost_row_bytes(fields, app_id=row.app.app_id)


def group_content_hash(rows: Iterable[bytes]) -> str:
    """SHA-256 of a group's rows, sorted, each followed by a newline: the order rows are stored
    or read in never changes it (the same digest as submissions.packing.Group.content_hash)."""
    digest = hashlib.sha256()
    for row in sorted(rows):
        digest.update(row)
        digest.update(b"\n")
    return digest.hexdigest()
