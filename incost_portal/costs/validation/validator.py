"""The rule set, applied to a stream of chunks in one pass.

Every check works on whole columns: a column is joined once and one C-speed test (a regex over
the joined text, a set of the distinct values) decides that it is clean. Only a column that
fails is walked value by value to name the rows. Cross-row checks (duplicates, granularity,
currencies, group sizes) keep small running state between chunks; the duplicate check keeps one
64-bit hash per row, so a million rows cost tens of megabytes, not the rows themselves.
"""

import datetime
import re
import zoneinfo
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import repeat

from incost_portal.costs.fields import (
    DIMENSIONS,
    FIELD_ORDER,
    HOUR,
    INCOST_FIELDS,
    INPUT_FIELDS,
    MAX_LENGTH,
    OPTIONAL,
    REQUIRED,
    granularity_label,
)
from incost_portal.costs.issues import Issue
from incost_portal.costs.parsing.chunks import RowChunk
from incost_portal.costs.validation.rules import (
    ASCII_SPACE,
    COUNT_COLUMN_RE,
    COUNT_RE,
    COUNTRY_CODES,
    COUNTRY_HINTS,
    CURRENCY_CODES,
    DATE_RE,
    HOUR_RE,
    LINK_SAFE_COLUMN_RE,
    LINK_SAFE_RE,
    SEP,
    SPEND_COLUMN_RE,
    SPEND_RE,
    SURROGATE_RE,
    WINDOW_DAYS,
    NetworkRules,
)

UTC = datetime.UTC
# The earliest and latest time zones on Earth: without an app's own zone, a date is in the
# future (or too old) only if it is so everywhere.
_EARLIEST = datetime.timezone(datetime.timedelta(hours=14))
_LATEST = datetime.timezone(datetime.timedelta(hours=-12))
_COUNT_CODES = {"clicks": "ic241", "impressions": "ic242"}
_Found = tuple[int, str, str, str]  # (index in chunk, field, code, message)


@dataclass
class CheckedChunk:
    """A chunk after validation: its issues, and its values normalised for storing.

    `columns` holds every InCost field plus `granularity`; `date` is the app's local date
    (hourly rows converted). Rows with errors are never stored, so no per-row flags are kept.
    """

    rows: Sequence[int]
    columns: dict[str, Sequence[str]]
    issues: list[Issue]
    hourly: bool = False

    def __len__(self) -> int:
        return len(self.rows)


def _has_empty(text: str, count: int) -> bool:
    """Whether a NUL-joined column of `count` values holds an empty value."""
    if count == 1:
        return text == ""
    return text.startswith(SEP) or text.endswith(SEP) or (SEP + SEP) in text


def _needs_cleaning(text: str, count: int) -> bool:
    """Whether some value has whitespace at an edge, a NUL, or undecodable bytes."""
    if text.count(SEP) != count - 1 or not text.isascii():
        return True
    for space in ASCII_SPACE:
        if space in text and (
            text.startswith(space) or text.endswith(space) or (space + SEP) in text or (SEP + space) in text
        ):
            return True
    return False


def _date_parse(value: str) -> datetime.date | None:
    if not DATE_RE.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _spend_problem(value: str) -> tuple[str, str]:
    """The code and message for a spend that is not a plain decimal with at most 5 places."""
    if value.startswith("-") and SPEND_RE.fullmatch(value[1:]):
        return "ic217", f"Spend {value} is negative; it must be 0 or more."
    if "," in value:
        return "pv102", f"Spend {value!r} has a thousands separator or decimal comma; write 1234.5."
    head, _, decimals = value.partition(".")
    if SPEND_RE.fullmatch(head) and decimals.isdigit() and decimals.isascii():
        return "pv102", f"Spend {value} has {len(decimals)} decimal places; at most 5 are allowed."
    if head.isdigit() and len(head) > 15:
        return "pv102", f"Spend {value} is too large."
    if value.lower() in {"nan", "inf", "-inf", "infinity", "-infinity"}:
        return "pv102", f"Spend {value} is not a number."
    return "pv102", f"Spend {value!r} is not a plain decimal number (like 12.5)."


# Columns with few distinct values in any real file: checked through their set of values.
_FEW_VALUES = ("app_id", "date", "media_source", "currency", "geo", HOUR, "af_prt", "channel")
# The leading fields of the few-valued count's keys (see _few_columns).
_KEYED = ("app_id", "date", "media_source", "currency")


def _dirty(value: str) -> bool:
    return value != value.strip() or SEP in value or not value.isascii()


@dataclass(slots=True)
class _Column:
    """One field of a chunk: its values, and either their NUL-joined text or their distinct set."""

    values: Sequence[str]
    text: str | None
    distinct: set[str] | None

    def joined(self) -> str:
        if self.text is None:
            self.text = SEP.join(self.values)
        return self.text

    def has_empty(self, count: int) -> bool:
        if self.distinct is not None:
            return "" in self.distinct
        return _has_empty(self.joined(), count)

    def all_empty(self, count: int) -> bool:
        if self.distinct is not None:
            return self.distinct == {""}
        return len(self.joined()) == count - 1

    def too_long(self, limit: int, pattern: re.Pattern[str]) -> bool:
        if self.distinct is not None:
            return max(map(len, self.distinct)) > limit
        text = self.joined()
        if len(text) <= limit:
            return False
        first = text.find(SEP)
        return first < 0 or first > limit or bool(pattern.search(text))

    def chars(self, count: int) -> int:
        """The characters of all values (for distinct sets: the longest value's, times the rows)."""
        if self.distinct is not None:
            return max(map(len, self.distinct)) * count
        return len(self.joined()) - (count - 1)


class CostValidator:
    """Checks rows chunk by chunk; `header()` first, then `check()` per chunk, then `finish()`.

    `rules` is the network's data (None skips the checks that need it: media sources, apps,
    the app's currency; dates are then judged by the widest reading of "today"). `request_app`
    makes the rows one request's (a push for one app, `validate_cost --app`): a second app id is
    ic228 and a row of another app ic229. `source_time_zone` is the zone of hourly rows.
    """

    def __init__(
        self,
        *,
        rules: NetworkRules | None,
        now: datetime.datetime,
        request_app: str | None = None,
        source_time_zone: str = "",
        max_group_bytes: int = 1_000_000,
    ) -> None:
        self.rules = rules
        self.now = now
        self.request_app = request_app or None
        self.max_group_bytes = max_group_bytes
        self.source_time_zone = source_time_zone.strip()
        self._source_tz: zoneinfo.ZoneInfo | datetime.timezone = UTC
        self._absent: set[str] = set()
        self._fill_app = False
        self.hourly = False
        self._dates: dict[str, datetime.date | None] = {}
        self._window: dict[tuple[str, str], tuple[str, str] | None] = {}
        self._local: dict[tuple[str, str, str], str] = {}
        self._zones: dict[str, zoneinfo.ZoneInfo | None] = {}
        self._seen: dict[int, int] = {}  # hash of a row's dimensions -> its row number
        self._group_mask: dict[tuple[str, str, str], tuple[bool, ...]] = {}
        self._group_bytes: dict[tuple[str, str, str], float] = {}
        self._group_hours: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
        self._reported_231: set[tuple[str, str, str]] = set()
        self._app_currency: Counter[tuple[str, str]] = Counter()
        self._app_currency_first: dict[tuple[str, str], int] = {}
        self._apps_seen: set[str] = set()
        self._labels: dict[tuple[bool, ...], str] = {}
        self._key_fields: tuple[str, ...] = DIMENSIONS
        # A NUL then more characters than the field allows: a value too long (the first value,
        # with no NUL before it, is measured on its own).
        self._too_long = {
            name: re.compile(rf"\x00[^\x00]{{{limit + 1}}}") for name, limit in MAX_LENGTH.items()
        }

    # -- before the rows ---------------------------------------------------------------------

    def header(self, fields: Collection[str], *, per_row: bool = False) -> list[Issue]:
        """File-level checks: missing mandatory columns, the source time zone, the hour column."""
        issues: list[Issue] = []
        if self.source_time_zone:
            try:
                self._source_tz = zoneinfo.ZoneInfo(self.source_time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                issues.append(
                    Issue(
                        None,
                        "source_time_zone",
                        "ic243",
                        f"{self.source_time_zone!r} is not an IANA time zone name (like Europe/Berlin).",
                    )
                )
        self.hourly = HOUR in fields
        if not per_row:
            # A column the header lacks is empty on every row: it adds nothing to the duplicate key.
            self._key_fields = tuple(name for name in DIMENSIONS if name in fields or name == "app_id")
        if per_row or not fields:
            return issues  # no columns read at all: the reader has said why
        for name in sorted(REQUIRED - set(fields), key=FIELD_ORDER.__getitem__):
            if name == "app_id" and self.request_app:
                self._fill_app = True  # one app's file may leave app_id out
                continue
            self._absent.add(name)
            issues.append(Issue(1, name, "ic248", f"The mandatory column {name!r} is missing."))
        return issues

    # -- per chunk ---------------------------------------------------------------------------

    def check(self, chunk: RowChunk) -> CheckedChunk:
        """Validate one chunk; returns its issues (sorted by row and field) and normalised rows."""
        rows = chunk.rows
        count = len(rows)
        if count == 0:
            return CheckedChunk(rows=rows, columns={}, issues=list(chunk.issues))
        found: list[_Found] = []
        if HOUR in chunk.columns and not self.hourly:
            self.hourly = True  # JSON rows name their fields row by row, not in a header
        columns, tally = self._few_columns(chunk, count, found)
        for name, values in chunk.columns.items():
            if name not in columns:
                columns[name] = self._column(name, values, count, found)
        absent = _Column(("",) * count, None, {""})
        for name in INPUT_FIELDS:
            columns.setdefault(name, absent)
        cols = {name: column.values for name, column in columns.items()}

        # Mandatory values.
        for name in REQUIRED:
            if name not in self._absent and columns[name].has_empty(count):
                found.extend(
                    (i, name, "ic248", f"{name} is missing or empty.")
                    for i, v in enumerate(cols[name])
                    if not v
                )
        for name, limit in MAX_LENGTH.items():
            if columns[name].too_long(limit, self._too_long[name]):
                found.extend(
                    (i, name, "pv101", f"{name} has {len(v)} characters; at most {limit} are allowed.")
                    for i, v in enumerate(cols[name])
                    if len(v) > limit
                )

        dates = cols["date"]
        distinct_dates = columns["date"].distinct or set()
        self._dates_parse(distinct_dates)
        bad_dates = {v for v in distinct_dates if v and self._dates[v] is None}
        if bad_dates:
            found.extend(
                (i, "date", "ic211", f"Date {v!r} is not a real date in the format YYYY-MM-DD.")
                for i, v in enumerate(dates)
                if v in bad_dates
            )
        apps = cols["app_id"]
        app_set = set(columns["app_id"].distinct or ())
        app_set.discard("")
        self._apps_check(apps, app_set, found)
        media_sources = cols["media_source"]
        if self.rules is not None:
            unknown = (columns["media_source"].distinct or set()) - self.rules.media_sources
            unknown.discard("")
            if unknown:
                found.extend(
                    (i, "media_source", "ic213", f"Media source {v!r} is not registered for this network.")
                    for i, v in enumerate(media_sources)
                    if v in unknown
                )
        self._codes_check(columns["geo"], "geo", COUNTRY_CODES, found)
        self._codes_check(columns["currency"], "currency", CURRENCY_CODES, found)

        if not SPEND_COLUMN_RE.fullmatch(columns["spend"].joined()):
            for i, v in enumerate(cols["spend"]):
                if v and not SPEND_RE.fullmatch(v):
                    code, message = _spend_problem(v)
                    found.append((i, "spend", code, message))
        for name, code in _COUNT_CODES.items():
            if not COUNT_COLUMN_RE.fullmatch(columns[name].joined()):
                found.extend(
                    (i, name, code, f"{name} {v!r} is not a whole number of 0 or more.")
                    for i, v in enumerate(cols[name])
                    if v and not COUNT_RE.fullmatch(v)
                )
        if not LINK_SAFE_COLUMN_RE.fullmatch(columns["campaign_name"].joined()):
            unsafe = {v for v in set(cols["campaign_name"]) if not LINK_SAFE_RE.fullmatch(v)}
            found.extend(
                (
                    i,
                    "campaign_name",
                    "pw201",
                    f"Campaign name {v!r} has characters other than letters, digits, - and _.",
                )
                for i, v in enumerate(cols["campaign_name"])
                if v in unsafe
            )
        for name_field, id_field in (("adset_name", "adset_id"), ("ad_name", "ad_id")):
            if not columns[name_field].all_empty(count) and columns[id_field].has_empty(count):
                found.extend(
                    (i, name_field, "pv103", f"{name_field} is given without {id_field}.")
                    for i, (name, ident) in enumerate(zip(cols[name_field], cols[id_field], strict=True))
                    if name and not ident
                )

        # The count of few-valued fields feeds the window, group and currency checks.
        combos: Counter[tuple[str, str, str, str]] = Counter()
        if self.hourly:
            local = self._local_dates(apps, dates, cols[HOUR], {(k[0], k[1], k[4]) for k in tally}, found)
            for key, rows_in_key in tally.items():
                app, date, source, currency, hour = key[:5]
                combos[(app, self._local[(app, date, hour)], source, currency)] += rows_in_key
        else:
            local = dates
            for key, rows_in_key in tally.items():
                combos[key[:4]] += rows_in_key  # type: ignore[index]
        self._window_check(apps, local, {(a, d) for a, d, _, _ in combos}, found)
        self._duplicates_check(cols, rows, found)
        granularity = self._groups_check(apps, local, media_sources, combos, cols, columns, rows, found)
        self._currencies_note(apps, cols["currency"], combos, rows)
        if self.hourly:
            for app, date, source, _, hour, *_ in tally:
                if hour:
                    group = (app, self._local[(app, date, hour)], source)
                    self._group_hours.setdefault(group, set()).add((date, hour))

        issues = self._issues(chunk, found)
        normalised: dict[str, Sequence[str]] = {name: cols[name] for name in INCOST_FIELDS}
        normalised["date"] = local
        normalised["granularity"] = granularity
        if self.hourly:
            normalised[HOUR] = cols[HOUR]
        return CheckedChunk(rows=rows, columns=normalised, issues=issues, hourly=self.hourly)

    # -- after the rows ----------------------------------------------------------------------

    def finish(self) -> list[Issue]:
        """Checks that need every row: currencies per app, one app per request, group sizes."""
        issues: list[Issue] = []
        if self.request_app and len(self._apps_seen) > 1:
            names = ", ".join(sorted(self._apps_seen)[:5])
            issues.append(
                Issue(
                    None,
                    "app_id",
                    "ic228",
                    f"The rows hold {len(self._apps_seen)} app IDs ({names}); one is allowed.",
                )
            )
        by_app: dict[str, list[str]] = {}
        for app, currency in self._app_currency:
            if app and currency:
                by_app.setdefault(app, []).append(currency)
        for app, currencies in sorted(by_app.items()):
            if len(currencies) > 1:
                listed = ", ".join(
                    f"{c} ({self._app_currency[(app, c)]} rows from row {self._app_currency_first[(app, c)]})"
                    for c in sorted(currencies)
                )
                issues.append(
                    Issue(None, "currency", "ic221", f"App {app} has rows in {listed}: one currency per app.")
                )
            app_rules = self.rules.apps.get(app) if self.rules else None
            if app_rules and app_rules.currency:
                for currency in sorted(currencies):
                    if currency != app_rules.currency:
                        first = self._app_currency_first[(app, currency)]
                        issues.append(
                            Issue(
                                first,
                                "currency",
                                "pw202",
                                f"App {app} reports in {app_rules.currency}; "
                                f"{self._app_currency[(app, currency)]} rows are in {currency}.",
                            )
                        )
        for (app, date, source), size in sorted(self._group_bytes.items()):
            if size > self.max_group_bytes:
                issues.append(
                    Issue(
                        None,
                        "",
                        "ic311",
                        f"{app}, {date}, {source}: about {int(size):,} bytes on its own, "
                        f"more than one request may hold ({self.max_group_bytes:,}).",
                    )
                )
        for (app, date, source), hours in sorted(self._group_hours.items()):
            expected = self._hours_in_day(app, date)
            if expected and len(hours) < expected:
                issues.append(
                    Issue(
                        None,
                        "hour",
                        "pw203",
                        f"{app}, {date}, {source}: the hourly rows cover {len(hours)} of the {expected} "
                        "hours of the app's local day; accepting replaces the whole day with them.",
                    )
                )
        return issues

    # -- the parts ---------------------------------------------------------------------------

    def _few_columns(
        self, chunk: RowChunk, count: int, found: list[_Found]
    ) -> tuple[dict[str, "_Column"], Counter[tuple[str, ...]]]:
        """The few-valued fields, counted together: one pass yields each one's distinct values
        (for the checks) and the rows per app, date, media source, currency (and hour).

        The count's keys start (app_id, date, media_source, currency[, hour]); the optional
        few-valued fields the chunk carries follow. Fields it lacks are not counted at all.
        """
        leading = [*_KEYED, HOUR] if self.hourly else list(_KEYED)
        values: dict[str, Sequence[str]] = {}
        for name in leading:
            column = chunk.columns.get(name)
            if column is None:
                column = (self.request_app or "" if name == "app_id" and self._fill_app else "",) * count
            values[name] = column
        for name in _FEW_VALUES:
            if name not in values and name in chunk.columns:
                values[name] = chunk.columns[name]
        order = list(values)

        def counted() -> tuple[Counter[tuple[str, ...]], dict[str, set[str]]]:
            tally = Counter(zip(*(values[name] for name in order), strict=True))
            return tally, dict(zip(order, map(set, zip(*tally, strict=True)), strict=True))

        tally, distinct = counted()
        changed = False
        for name in order:
            upper = name in ("geo", "currency")
            if any(_dirty(v) or (upper and v and not v.isupper()) for v in distinct[name]):
                cleaned = self._cleaned(name, values[name], found)
                values[name] = [v.upper() for v in cleaned] if upper else cleaned
                changed = True
        if changed:
            tally, distinct = counted()
        return {name: _Column(values[name], None, distinct[name]) for name in order}, tally

    def _column(self, name: str, values: Sequence[str], count: int, found: list[_Found]) -> "_Column":
        """A column with what its checks need: distinct values (few) or the joined text (many)."""
        text = SEP.join(values)
        if _needs_cleaning(text, count):
            values = self._cleaned(name, values, found)
            text = SEP.join(values)
        return _Column(values, text, None)

    def _cleaned(self, name: str, values: Sequence[str], found: list[_Found]) -> list[str]:
        out: list[str] = []
        for i, value in enumerate(values):
            if SEP in value:
                found.append((i, name, "ic416", f"{name} holds a NUL character."))
                value = value.replace(SEP, "")
            if not value.isascii() and SURROGATE_RE.search(value):
                found.append((i, name, "ic416", f"{name} is not UTF-8 text."))
                value = SURROGATE_RE.sub("\ufffd", value)
            out.append(value.strip())
        return out

    def _dates_parse(self, values: set[str]) -> None:
        if len(self._dates) > 100_000:
            self._dates.clear()  # a file of garbage dates must not grow the cache without end
        for value in values - self._dates.keys():
            self._dates[value] = _date_parse(value)

    def _apps_check(self, apps: Sequence[str], app_set: set[str], found: list[_Found]) -> None:
        if self.rules is not None:
            unknown = app_set - self.rules.apps.keys()
            if unknown:
                found.extend(
                    (i, "app_id", "ic215", self._unknown_app_message(v))
                    for i, v in enumerate(apps)
                    if v in unknown
                )
        if self.request_app:
            self._apps_seen |= app_set
            others = app_set - {self.request_app}
            if others:
                found.extend(
                    (
                        i,
                        "app_id",
                        "ic229",
                        f"App ID {v!r} differs from the request's app {self.request_app!r}.",
                    )
                    for i, v in enumerate(apps)
                    if v in others
                )

    def _unknown_app_message(self, app: str) -> str:
        if self.rules is not None and app in self.rules.disabled_apps:
            return f"App {app!r} is not enabled for cost from this network (not on the app permission list)."
        return f"App {app!r} is not among this network's apps."

    def _codes_check(self, column: "_Column", name: str, codes: frozenset[str], found: list[_Found]) -> None:
        bad = (column.distinct or set()) - codes
        bad.discard("")
        if bad:
            code = "ic219" if name == "geo" else "ic220"
            for i, v in enumerate(column.values):
                if v in bad:
                    if name == "geo":
                        hint = f" (use {COUNTRY_HINTS[v]})" if v in COUNTRY_HINTS else ""
                        message = f"Geo {v!r} is not an ISO 3166 two-letter country code{hint}."
                    else:
                        message = f"Currency {v!r} is not an ISO 4217 code."
                    found.append((i, name, code, message))

    def _zone(self, app: str) -> zoneinfo.ZoneInfo | None:
        if app not in self._zones:
            app_rules = self.rules.apps.get(app) if self.rules else None
            zone = None
            if app_rules is not None:
                try:
                    zone = zoneinfo.ZoneInfo(app_rules.time_zone)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    zone = None
            self._zones[app] = zone
        return self._zones[app]

    def _local_dates(
        self,
        apps: Sequence[str],
        dates: Sequence[str],
        hours: Sequence[str],
        distinct: set[tuple[str, str, str]],
        found: list[_Found],
    ) -> list[str]:
        """Hourly rows: (date, hour) in the source zone to the app's local date."""
        bad_hours = {h for _, _, h in distinct if h and not (HOUR_RE.fullmatch(h) and int(h) <= 23)}
        if bad_hours:
            found.extend(
                (i, HOUR, "ic211", f"Hour {h!r} is not a whole number from 0 to 23.")
                for i, h in enumerate(hours)
                if h in bad_hours
            )
        for key in distinct - self._local.keys():
            app, date, hour = key
            parsed = self._dates.get(date)
            if parsed is None or not hour or hour in bad_hours:
                self._local[key] = date  # daily rows, and rows already in error, stay as they are
                continue
            start = datetime.datetime.combine(parsed, datetime.time(int(hour)), tzinfo=self._source_tz)
            local = start.astimezone(self._zone(app) or UTC).date()
            self._local[key] = local.isoformat()
            self._dates.setdefault(local.isoformat(), local)
        return list(map(self._local.__getitem__, zip(apps, dates, hours, strict=True)))

    def _hours_in_day(self, app: str, date: str) -> int:
        parsed = self._dates.get(date)
        if parsed is None:
            return 0
        zone = self._zone(app) or UTC
        start = datetime.datetime.combine(parsed, datetime.time(), tzinfo=zone)
        end = datetime.datetime.combine(parsed + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
        return round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600)

    def _window_check(
        self, apps: Sequence[str], dates: Sequence[str], pairs: set[tuple[str, str]], found: list[_Found]
    ) -> None:
        bad: dict[tuple[str, str], tuple[str, str]] = {}
        for pair in pairs:
            if pair not in self._window:
                self._window[pair] = self._window_judge(*pair)
            verdict = self._window[pair]
            if verdict is not None:
                bad[pair] = verdict
        if bad:
            for i, pair in enumerate(zip(apps, dates, strict=True)):
                if pair in bad:
                    code, message = bad[pair]
                    found.append((i, "date", code, message))

    def _window_judge(self, app: str, date: str) -> tuple[str, str] | None:
        parsed = self._dates.get(date)
        if parsed is None:
            return None
        zone = self._zone(app)
        if zone is not None:
            latest = earliest_today = self.now.astimezone(zone).date()
            where = f"in the app's time zone ({zone.key})"
        else:
            latest = self.now.astimezone(_EARLIEST).date()
            earliest_today = self.now.astimezone(_LATEST).date()
            where = "anywhere on Earth"
        if parsed > latest:
            return "ic212", f"{date} is in the future {where}; today is {latest}."
        oldest = earliest_today - datetime.timedelta(days=WINDOW_DAYS)
        if parsed < oldest:
            return (
                "ic232",
                f"{date} is more than {WINDOW_DAYS} days ago {where}; the oldest allowed is {oldest}.",
            )
        return None

    def _duplicates_check(
        self, cols: dict[str, Sequence[str]], rows: Sequence[int], found: list[_Found]
    ) -> None:
        key_columns = [cols[name] for name in self._key_fields]
        if self.hourly:
            key_columns.append(cols[HOUR])
        firsts = dict(zip(map(hash, zip(*key_columns, strict=True)), rows, strict=True))
        if len(firsts) != len(rows):
            # Duplicates within the chunk: walk it again to name each one's first row.
            firsts = {}
            for i, h in enumerate(map(hash, zip(*key_columns, strict=True))):
                first = firsts.setdefault(h, rows[i])
                if first != rows[i]:
                    found.append((i, "", "ic222", f"Same dimensions as row {first}: a duplicate row."))
        if not self._seen.keys().isdisjoint(firsts):
            index = {row: i for i, row in enumerate(rows)}
            for h in [h for h in firsts if h in self._seen]:
                row = firsts.pop(h)
                found.append(
                    (index[row], "", "ic222", f"Same dimensions as row {self._seen[h]}: a duplicate row.")
                )
        self._seen.update(firsts)

    def _label(self, mask: tuple[bool, ...]) -> str:
        label = self._labels.get(mask)
        if label is None:
            label = self._labels[mask] = granularity_label(mask)
        return label

    def _groups_check(
        self,
        apps: Sequence[str],
        dates: Sequence[str],
        sources: Sequence[str],
        combos: Counter[tuple[str, str, str, str]],
        cols: dict[str, Sequence[str]],
        columns: dict[str, "_Column"],
        rows: Sequence[int],
        found: list[_Found],
    ) -> Sequence[str]:
        """Granularity per (app, date, media source) (ic231), group sizes (ic311), hours covered."""
        count = len(rows)
        present: list[bool | None] = []
        for name in OPTIONAL:
            column = columns[name]
            if column.all_empty(count):
                present.append(False)
            elif not column.has_empty(count):
                present.append(True)
            else:
                present.append(None)  # some rows carry it, some do not
        group_rows: Counter[tuple[str, str, str]] = Counter()
        for (app, date, source, _), rows_in_combo in combos.items():
            group_rows[(app, date, source)] += rows_in_combo
        if None not in present:
            mask = tuple(bool(p) for p in present)
            masks: Sequence[tuple[bool, ...]] = repeat(mask, count)  # type: ignore[assignment]
            pairs = {(group, mask) for group in group_rows}
            granularity: Sequence[str] = (self._label(mask),) * count
        else:
            per_field = [
                map(bool, cols[name]) if here is None else repeat(here, count)
                for name, here in zip(OPTIONAL, present, strict=True)
            ]
            masks = list(zip(*per_field, strict=True))
            pairs = set(zip(zip(apps, dates, sources, strict=True), masks, strict=True))
            granularity = [self._label(m) for m in masks]
        for group, mask in pairs:
            first = self._group_mask.setdefault(group, mask)
            if first != mask and group not in self._reported_231:
                self._reported_231.add(group)
                groups = list(zip(apps, dates, sources, strict=True))
                index = next(
                    i for i, (g, m) in enumerate(zip(groups, masks, strict=False)) if g == group and m == mask
                )
                found.append(
                    (
                        index,
                        "",
                        "ic231",
                        f"Rows of {group[0]}, {group[1]}, {group[2]} carry different fields: "
                        f"[{self._label(first) or '-'}] and [{self._label(mask) or '-'}].",
                    )
                )
        # Size of the group's rows as InCost JSON, from the chunk's average row: exact enough to
        # tell a group of 1 MB from one of a few hundred kB (the packer measures exactly).
        width = sum(column.chars(count) for name, column in columns.items() if name != HOUR)
        keys = sum(len(name) + 6 for name, p in zip(OPTIONAL, present, strict=True) if p is not False)
        keys += sum(len(name) + 6 for name in REQUIRED) + 2
        per_row = width / count + keys
        for group, rows_in_group in group_rows.items():
            self._group_bytes[group] = self._group_bytes.get(group, 0.0) + rows_in_group * per_row
        return granularity

    def _currencies_note(
        self,
        apps: Sequence[str],
        currencies: Sequence[str],
        combos: Counter[tuple[str, str, str, str]],
        rows: Sequence[int],
    ) -> None:
        counts: Counter[tuple[str, str]] = Counter()
        for (app, _, _, currency), rows_in_combo in combos.items():
            counts[(app, currency)] += rows_in_combo
        new = counts.keys() - self._app_currency_first.keys()
        if new:
            for i, pair in enumerate(zip(apps, currencies, strict=True)):
                if pair in new:
                    new.discard(pair)
                    self._app_currency_first[pair] = rows[i]
                    if not new:
                        break
        self._app_currency.update(counts)

    def _issues(self, chunk: RowChunk, found: list[_Found]) -> list[Issue]:
        """The chunk's issues by row and field; a parse issue on a field hides the rule's issue."""
        rows = chunk.rows
        issues = list(chunk.issues)
        taken = {(issue.row, issue.field) for issue in issues if issue.field}
        seen: set[tuple[int, str, str]] = set()
        for i, name, code, message in found:
            row = rows[i]
            if (row, name) in taken or (row, name, code) in seen:
                continue
            seen.add((row, name, code))
            issues.append(Issue(row, name, code, message))
        issues.sort(key=lambda x: (x.row or 0, FIELD_ORDER.get(x.field, -1), x.code))
        return issues
