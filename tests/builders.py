"""Test data, built one way for the whole suite: dates, cost rows and files, InCost request bodies,
submissions as workers leave them, and a Redis of a test's own.

Wired networks (a sandbox partner, a token and the two test apps) are in tests/wiring.py; the fixed
cast of users and networks in tests/cast.py.
"""

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from incost_portal.costs.issues import Issue
from incost_portal.costs.validation import CheckSummary, NetworkRules, cost_file_check
from incost_portal.networks.models import App
from incost_portal.runtime.redis_server import embedded_redis_start, free_port
from incost_portal.submissions.models import Event, State, Submission, SubmissionEvent, SubmissionGroup

# The sandbox's two test apps (every partner has them), as tests/wiring.py registers them.
IOS, ANDROID = "id888123456", "com.cost.app"


# Dates


def day(days_back: int = 0) -> dt.date:
    """Today (UTC) or so many days back; negative is in the future."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_back)


def today(days_back: int = 0) -> str:
    """`day()` as InCost writes dates: yyyy-mm-dd."""
    return day(days_back).isoformat()


# Cost files, for validation against a fixed clock

# 02:00 UTC: still the 14th in New York (com.acme.game), already the 15th in UTC (id123456789).
NOW = dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC)
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
    """A row of the cast's iOS app (BASE) with changes; a change to None removes the field."""
    values = {**BASE, **changes}
    return {key: value for key, value in values.items() if value is not None}


def json_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A JSON array; floats and ints are JSON numbers, strings are quoted."""
    return json.dumps(list(rows)).encode()


def csv_bytes(rows: Iterable[Mapping[str, Any]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    """A CSV file with a column for every field any row has, in the order they first appear."""
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
    now: dt.datetime = NOW,
    **options: Any,
) -> tuple[CheckSummary, list[Issue]]:
    """Validate a cost file as an upload would: its summary and every issue reported."""
    issues: list[Issue] = []
    summary = cost_file_check(
        io.BytesIO(data), rules=rules, on_issue=issues.append, now=now, file_format=file_format, **options
    )
    return summary, issues


def codes(issues: Iterable[Issue]) -> set[str]:
    return {issue.code for issue in issues}


# Cost as users put it in and InCost takes it, dated from today


def cost_rows(app_id: str, days: range, *, campaigns: int = 2, spend: str = "10.5", source: str = "acme_int",
              geos: tuple[str, ...] = ("US",)) -> list[dict[str, Any]]:  # fmt: skip
    """Rows for each day back in `days`, campaign and geo: the cost of a wired network's app."""
    return [
        {"date": today(d), "app_id": app_id, "media_source": source, "campaign_id": f"c{c}",
         "campaign_name": f"campaign_{c}", "geo": geo, "currency": "USD", "spend": spend}
        for d in days for c in range(campaigns) for geo in geos
    ]  # fmt: skip


def incost_row(**fields: Any) -> dict[str, Any]:
    """One row of an InCost request for the sandbox's iOS test app, yesterday; None removes a field."""
    return row(**{"date": today(1), "app_id": IOS, "campaign_name": "spring_sale", **fields})


def body(*rows: dict[str, Any]) -> bytes:
    """An InCost request body."""
    return json_bytes(rows)


# Submissions, as the workers leave them


def submission(
    app: App,
    state: str = State.APPLIED,
    *,
    day: dt.date | None = None,
    spend: Decimal = Decimal(1),
    **fields: Any,
) -> Submission:
    """A submission of one group of `app` (`day`, today by default; acme_int) in `state`, with the
    event of its upload; `fields` set any other column."""
    day = day or timezone.now().date()
    values = {
        "network": app.network, "app": app, "state": state, "payload": b'[{"spend":1}]',
        "payload_sha256": "x", "payload_bytes": 13, "row_count": 1, "currency": "USD",
        "date_from": day, "date_to": day, "spend_total": spend, "job_id": "job-123",
    }  # fmt: skip
    values.update(fields)
    made = Submission.objects.create(**values)
    SubmissionGroup.objects.create(
        submission=made, network=app.network, app=app, date=day, media_source="acme_int",
        content_hash="h", row_count=1, spend=spend,
    )  # fmt: skip
    SubmissionEvent.objects.create(
        submission=made, kind=Event.UPLOAD, http_status=200, message="job id job-123"
    )
    return made


# Redis


@contextmanager
def redis_of_its_own() -> Iterator[str]:
    """An embedded Redis on a free port, its URL; stopped afterwards. No other test or test run
    (their FLUSHDBs, their workers) can touch what is in it."""
    port = free_port()
    process = embedded_redis_start(port, Path(tempfile.mkdtemp(prefix="incost-redis-")))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
