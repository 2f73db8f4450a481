"""The checks across rows: dates against each app's "today", duplicates, granularity per group,
group sizes, currencies per app, hours covered. Their state runs from chunk to chunk."""

import datetime
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from itertools import repeat

from incost_portal.costs.fields import (
    HOUR,
    OPTIONAL,
    REQUIRED,
    granularity_label,
)
from incost_portal.costs.issues import Issue
from incost_portal.costs.validation.columns import Column, Found
from incost_portal.costs.validation.rules import (
    HOUR_RE,
    WINDOW_DAYS,
    NetworkRules,
)

UTC = datetime.UTC
# The earliest and latest time zones on Earth: without an app's own zone, a date is in the
# future (or too old) only if it is so everywhere.
_EARLIEST = datetime.timezone(datetime.timedelta(hours=14))
_LATEST = datetime.timezone(datetime.timedelta(hours=-12))


class AcrossRows:
    """Mixed into CostValidator, whose __init__ sets the state these methods keep."""

    rules: NetworkRules | None
    now: datetime.datetime
    request_app: str | None
    hourly: bool
    max_group_bytes: int
    _dates: dict[str, datetime.date | None]
    _window: dict[tuple[str, str], tuple[str, str] | None]
    _local: dict[tuple[str, str, str], str]
    _zones: dict[str, zoneinfo.ZoneInfo | None]
    _seen: dict[int, int]
    _key_fields: tuple[str, ...]
    _group_mask: dict[tuple[str, str, str], tuple[bool, ...]]
    _group_bytes: dict[tuple[str, str, str], float]
    _group_hours: dict[tuple[str, str, str], set[tuple[str, str]]]
    _reported_231: set[tuple[str, str, str]]
    _app_currency: Counter[tuple[str, str]]
    _app_currency_first: dict[tuple[str, str], int]
    _apps_seen: set[str]
    _labels: dict[tuple[bool, ...], str]

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
        found: list[Found],
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
        self, apps: Sequence[str], dates: Sequence[str], pairs: set[tuple[str, str]], found: list[Found]
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
        self, cols: dict[str, Sequence[str]], rows: Sequence[int], found: list[Found]
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
        columns: dict[str, "Column"],
        rows: Sequence[int],
        found: list[Found],
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
