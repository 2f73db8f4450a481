"""How the sandbox judges an upload body, with InCost's codes.

Answered at once, as an HTTP error (AppsFlyer does these before it makes a job):
  ic311 413 body over the size limit, ic416 422 not a JSON array of objects,
  ic213 415 a media source not registered for the partner.
Answered later, as the job's "Validation error" (row-level checks run by the job):
  ic248, ic228, ic229, ic211, ic212, ic232, ic217, ic219, ic220, ic241, ic242, ic221, ic222, ic231.
The first problem found is the one reported, with the row number (1-based) in the message.
"""

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from incost_portal.sandbox.codes import MESSAGES

MANDATORY = ("date", "app_id", "media_source", "campaign_id", "campaign_name", "currency", "spend")
MAX_LENGTH = {
    "app_id": 250,
    "media_source": 50,
    "af_prt": 50,
    "campaign_id": 24,
    "campaign_name": 100,
    "adset_id": 24,
    "adset_name": 100,
    "ad_id": 24,
    "ad_name": 100,
    "site_id": 24,
    "channel": 20,
    "keywords": 100,
}
OPTIONAL = ("af_prt", "adset_id", "adset_name", "ad_id", "ad_name", "site_id", "geo", "channel", "keywords")
METRICS = ("clicks", "impressions")
KNOWN_FIELDS = frozenset(MANDATORY + OPTIONAL + METRICS)
# The fields whose presence makes a row's granularity, and those that identify a record.
GRANULARITY_FIELDS = ("af_prt", "adset_id", "ad_id", "site_id", "geo", "channel", "keywords")
DIMENSIONS = ("date", "app_id", "media_source", "af_prt", "campaign_id", "adset_id", "ad_id", "site_id")
DIMENSIONS += ("geo", "channel", "keywords")
# AppsFlyer's published lists of the codes it accepts (read from the data file the portal reads
# too; a file, not an import: the sandbox stands apart from the portal's code).
_LISTS = json.loads((Path(__file__).parent.parent / "incost" / "appsflyer_lists.json").read_text("utf-8"))
CURRENCIES, COUNTRIES = frozenset(_LISTS["currency"]), frozenset(_LISTS["geo"])


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    http_status: int = 422


def body_parse(body: bytes) -> list[dict[str, Any]] | Problem:
    """The rows of an upload body (spend kept exact as Decimal), or ic416."""
    try:
        rows = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        return Problem("ic416", MESSAGES["ic416"])
    if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
        return Problem("ic416", MESSAGES["ic416"] + " The body must be a JSON array of row objects.")
    return rows


def media_sources_check(rows: list[dict[str, Any]], *, registered: set[str]) -> Problem | None:
    for row in rows:
        source = row.get("media_source")
        if isinstance(source, str) and source and source not in registered:
            return Problem("ic213", MESSAGES["ic213"].replace("XXX", source), http_status=415)
    return None


def _problem(code: str, number: int, detail: str) -> Problem:
    return Problem(code, f"{MESSAGES[code]} Row {number}: {detail}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _row_problem(row: dict[str, Any], number: int, *, app_id: str, today: dt.date, history_days: int):
    unknown = sorted(set(row) - KNOWN_FIELDS)
    if unknown:
        return _problem("ic248", number, f"unknown field {unknown[0]!r}")
    for name in MANDATORY:
        if row.get(name) in (None, ""):
            return _problem("ic248", number, f"{name} is missing or empty")
    for name in OPTIONAL + METRICS:
        if name in row and row[name] in (None, ""):
            return _problem("ic248", number, f"{name} is empty: leave out fields you do not report")
    for name, limit in MAX_LENGTH.items():
        value = row.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            return _problem("ic248", number, f"{name} must be a string of at most {limit} characters")
    for name, needs in (("adset_name", "adset_id"), ("ad_name", "ad_id")):
        if name in row and needs not in row:
            return _problem("ic248", number, f"{name} needs {needs}")
    if row["app_id"] != app_id:
        return _problem("ic229", number, f"{row['app_id']} is not {app_id}")
    return _row_values_problem(row, number, today=today, history_days=history_days)


def _row_values_problem(row: dict[str, Any], number: int, *, today: dt.date, history_days: int):
    raw_date = row["date"]
    try:
        if not isinstance(raw_date, str) or len(raw_date) != 10:
            raise ValueError
        date = dt.date.fromisoformat(raw_date)
    except ValueError:
        return _problem("ic211", number, repr(raw_date))
    if date > today:
        return Problem("ic212", MESSAGES["ic212"].replace("XXX", raw_date) + f" Row {number}.")
    if date < today - dt.timedelta(days=history_days):
        return _problem("ic232", number, raw_date)
    spend = row["spend"]
    if not _is_number(spend) or spend < 0 or Decimal(spend).as_tuple().exponent < -5:  # type: ignore[operator]
        return _problem("ic217", number, f"spend {spend!r} must be a JSON number >= 0 with up to 5 decimals")
    geo = row.get("geo")
    if geo is not None and (not isinstance(geo, str) or geo.upper() not in COUNTRIES):
        return _problem("ic219", number, repr(geo))
    currency = row["currency"]
    if not isinstance(currency, str) or currency not in CURRENCIES:
        return _problem("ic220", number, repr(currency))
    for name, code in (("clicks", "ic241"), ("impressions", "ic242")):
        value = row.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            return _problem(code, number, f"{name} {value!r}")
    return None


def rows_validate(
    rows: list[dict[str, Any]], *, app_id: str, time_zone: str, history_days: int, now: dt.datetime
) -> Problem | None:
    """The first problem of an upload's rows, judged as the job does, or None when it applies."""
    today = now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    app_ids = {row.get("app_id") for row in rows if isinstance(row.get("app_id"), str)}
    if len(app_ids) > 1:
        return Problem("ic228", MESSAGES["ic228"])
    for number, row in enumerate(rows, start=1):
        problem = _row_problem(row, number, app_id=app_id, today=today, history_days=history_days)
        if problem is not None:
            return problem
    if len({row["currency"] for row in rows}) > 1:
        return Problem("ic221", MESSAGES["ic221"])
    seen: dict[tuple[Any, ...], int] = {}
    granularity = {tuple(name in row for name in GRANULARITY_FIELDS) for row in rows}
    for number, row in enumerate(rows, start=1):
        key = tuple(row.get(name) for name in DIMENSIONS)
        if key in seen:
            return _problem("ic222", number, f"same dimensions as row {seen[key]}")
        seen[key] = number
    if len(granularity) > 1:
        return Problem("ic231", MESSAGES["ic231"])
    return None
