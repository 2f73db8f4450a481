"""Building cost files for tests, and checking them."""

import csv
import datetime
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from incost_portal.costs.issues import Issue
from incost_portal.costs.validation import CheckSummary, NetworkRules, cost_file_check

# 02:00 UTC: still the 14th in New York (com.acme.game), already the 15th in UTC (id123456789).
NOW = datetime.datetime(2026, 3, 15, 2, 0, tzinfo=datetime.UTC)
BASE: dict[str, Any] = {
    "date": "2026-03-10",
    "app_id": "id123456789",
    "media_source": "acme_int",
    "campaign_id": "c1",
    "campaign_name": "camp_1",
    "currency": "USD",
    "spend": 12.5,
}


def row(**changes: Any) -> dict[str, Any]:
    """BASE with changes; a change to None removes the field."""
    values = {**BASE, **changes}
    return {key: value for key, value in values.items() if value is not None}


def json_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A JSON array; floats and ints are JSON numbers, strings are quoted."""
    return json.dumps(list(rows)).encode()


def csv_bytes(rows: Iterable[Mapping[str, Any]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    rows = list(rows)
    fields: list[str] = []
    for values in rows:
        fields.extend(name for name in values if name not in fields)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def check(
    data: bytes,
    *,
    file_format: str,
    rules: NetworkRules | None = None,
    now: datetime.datetime = NOW,
    **options: Any,
) -> tuple[CheckSummary, list[Issue]]:
    issues: list[Issue] = []
    summary = cost_file_check(
        io.BytesIO(data), rules=rules, on_issue=issues.append, now=now, file_format=file_format, **options
    )
    return summary, issues


def codes(issues: Iterable[Issue]) -> set[str]:
    return {issue.code for issue in issues}
