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

from incost_portal.costs.fields import (
    DIMENSIONS,
    FIELD_ORDER,
    HOUR,
    INCOST_FIELDS,
    INPUT_FIELDS,
    MAX_LENGTH,
    REQUIRED,
)
from incost_portal.costs.issues import Issue
from incost_portal.costs.parsing.chunks import RowChunk
from incost_portal.costs.validation.across_rows import AcrossRows
from incost_portal.costs.validation.columns import (
    COUNT_CODES,
    FEW_VALUES,
    KEYED,
    Column,
    Found,
    date_parse,
    dirty,
    needs_cleaning,
    spend_problem,
)
from incost_portal.costs.validation.rules import (
    COUNT_COLUMN_RE,
    COUNT_RE,
    COUNTRIES_NOT_LISTED,
    COUNTRY_CODES,
    COUNTRY_HINTS,
    CURRENCIES_NOT_LISTED,
    CURRENCY_CODES,
    LINK_SAFE_COLUMN_RE,
    LINK_SAFE_RE,
    SEP,
    SPEND_COLUMN_RE,
    SPEND_RE,
    SURROGATE_RE,
    NetworkRules,
    code_named,
)


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


class CostValidator(AcrossRows):
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
        self._source_tz: zoneinfo.ZoneInfo | datetime.timezone = datetime.UTC
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
        found: list[Found] = []
        if HOUR in chunk.columns and not self.hourly:
            self.hourly = True  # JSON rows name their fields row by row, not in a header
        columns, tally = self._few_columns(chunk, count, found)
        for name, values in chunk.columns.items():
            if name not in columns:
                columns[name] = self._column(name, values, count, found)
        absent = Column(("",) * count, None, {""})
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
                    code, message = spend_problem(v)
                    found.append((i, "spend", code, message))
        for name, code in COUNT_CODES.items():
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

    def _few_columns(
        self, chunk: RowChunk, count: int, found: list[Found]
    ) -> tuple[dict[str, "Column"], Counter[tuple[str, ...]]]:
        """The few-valued fields, counted together: one pass yields each one's distinct values
        (for the checks) and the rows per app, date, media source, currency (and hour).

        The count's keys start (app_id, date, media_source, currency[, hour]); the optional
        few-valued fields the chunk carries follow. Fields it lacks are not counted at all.
        """
        leading = [*KEYED, HOUR] if self.hourly else list(KEYED)
        values: dict[str, Sequence[str]] = {}
        for name in leading:
            column = chunk.columns.get(name)
            if column is None:
                column = (self.request_app or "" if name == "app_id" and self._fill_app else "",) * count
            values[name] = column
        for name in FEW_VALUES:
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
            if any(dirty(v) or (upper and v and not v.isupper()) for v in distinct[name]):
                cleaned = self._cleaned(name, values[name], found)
                values[name] = [v.upper() for v in cleaned] if upper else cleaned
                changed = True
        if changed:
            tally, distinct = counted()
        return {name: Column(values[name], None, distinct[name]) for name in order}, tally

    def _column(self, name: str, values: Sequence[str], count: int, found: list[Found]) -> "Column":
        """A column with what its checks need: distinct values (few) or the joined text (many)."""
        text = SEP.join(values)
        if needs_cleaning(text, count):
            values = self._cleaned(name, values, found)
            text = SEP.join(values)
        return Column(values, text, None)

    def _cleaned(self, name: str, values: Sequence[str], found: list[Found]) -> list[str]:
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
            self._dates[value] = date_parse(value)

    def _apps_check(self, apps: Sequence[str], app_set: set[str], found: list[Found]) -> None:
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

    def _codes_check(self, column: "Column", name: str, codes: frozenset[str], found: list[Found]) -> None:
        bad = (column.distinct or set()) - codes
        bad.discard("")
        if bad:
            messages = {value: _code_problem(name, value) for value in bad}
            for i, v in enumerate(column.values):
                if v in bad:
                    found.append((i, name, *messages[v]))

    def _issues(self, chunk: RowChunk, found: list[Found]) -> list[Issue]:
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


def _code_problem(name: str, value: str) -> tuple[str, str]:
    """The code and message for a geo or currency that AppsFlyer's published list lacks."""
    if name == "geo":
        if value in COUNTRIES_NOT_LISTED:
            listed = COUNTRIES_NOT_LISTED[value]
            instead = f"it lists {listed!r} for that place" if listed else "it may refuse it"
            return (
                "pw204",
                f"Geo {code_named(value, geo=True)} is not on AppsFlyer's list of countries: {instead}.",
            )
        hint = f" (use {COUNTRY_HINTS[value]})" if value in COUNTRY_HINTS else ""
        return "ic219", f"Geo {code_named(value, geo=True)} is not a country code AppsFlyer accepts{hint}."
    if value in CURRENCIES_NOT_LISTED:
        return "pw204", (
            f"Currency {code_named(value, geo=False)} is not on AppsFlyer's list of currencies: it lists "
            f"{CURRENCIES_NOT_LISTED[value]!r} for that money."
        )
    return "ic220", f"Currency {code_named(value, geo=False)} is not a currency code AppsFlyer accepts."
