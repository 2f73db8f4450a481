"""Storing checked rows: stage them, then replace the groups they cover in one statement pair.

Rows go to a temporary staging table as they are checked (PostgreSQL: COPY through psycopg 3;
other databases: executemany in batches). `replace()` then deletes the current rows of every
(app, date, media source) group the staging table covers and inserts the staged rows, summing
hourly rows that fall on the same key. The caller holds the transaction: a failure anywhere
leaves the old rows as they were.

Each replace also refreshes the groups' totals (CostGroupTotal), in the same transaction; whether a
total is what AppsFlyer applied is read from CostGroupApplied, which submissions write through
`group_applied_record` (costs sits below submissions and never reads their tables).

SQL here is built from this module's own table and column names (hence the S608 waivers);
every value goes as a parameter or through COPY.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from incost_portal.costs.fields import DIMENSIONS, INCOST_FIELDS, NUMERIC
from incost_portal.costs.models import CostGroupApplied, CostGroupTotal, CostRow
from incost_portal.costs.validation import CheckedChunk

STAGE = "costs_stage"
# The staging table's columns, in the order rows are written: the InCost text fields, from fields.py.
_TEXT_COLUMNS = tuple(
    name for name in INCOST_FIELDS if name not in ("date", "app_id") and name not in NUMERIC
)
_COLUMNS = ("app_id", "date", *_TEXT_COLUMNS, "spend", "clicks", "impressions", "granularity")
_DIMENSIONS = DIMENSIONS
FLUSH_ROWS = 50_000


@dataclass(frozen=True)
class ReplaceResult:
    rows: int
    groups: int


class CostRowStore:
    """Stages checked chunks and replaces the groups they cover. Use inside transaction.atomic."""

    def __init__(
        self, *, network_id: int, app_pks: Mapping[str, int], upload_id: int | None, now: datetime.datetime
    ) -> None:
        self.network_id = network_id
        self.app_pks = {app_id: str(pk) for app_id, pk in app_pks.items()}
        self.upload_id = upload_id
        self.now = now
        self.hourly = False
        self.staged = 0
        self._postgres = connection.vendor == "postgresql"
        self._pending: list[str] | list[tuple[object, ...]] = []
        self._pending_rows = 0

    def begin(self) -> None:
        text = ", ".join(f"{name} varchar(250)" for name in _TEXT_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE} (app_id bigint, date date, {text}, "
                "spend numeric(20, 5), clicks bigint, impressions bigint, granularity varchar(200))"
            )

    def add(self, chunk: CheckedChunk) -> None:
        """Stage a checked chunk (rows of an upload with errors are never replaced: see services)."""
        columns = chunk.columns
        self.hourly = self.hourly or chunk.hourly
        apps = list(map(self.app_pks.__getitem__, columns["app_id"]))
        ordered: list[Sequence[str]] = [apps, columns["date"], *(columns[name] for name in _TEXT_COLUMNS)]
        ordered += [columns["spend"], columns["clicks"], columns["impressions"], columns["granularity"]]
        if self._postgres:
            self._pending.append(_copy_text(ordered, len(chunk)))  # type: ignore[arg-type]
        else:
            metrics = len(_TEXT_COLUMNS) + 3
            self._pending.extend(  # type: ignore[arg-type]
                tuple(v if v != "" or i < metrics else None for i, v in enumerate(row))
                for row in zip(*ordered, strict=True)
            )
        self._pending_rows += len(chunk)
        self.staged += len(chunk)
        if self._pending_rows >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        with connection.cursor() as cursor:
            if self._postgres:
                sql = f"COPY {STAGE} ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT text, NULL '')"
                with cursor.cursor.copy(sql) as copy:
                    for block in self._pending:
                        copy.write(block)
            else:
                placeholders = ", ".join(["%s"] * len(_COLUMNS))
                sql = f"INSERT INTO {STAGE} ({', '.join(_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
                cursor.executemany(sql, self._pending)
        self._pending = []
        self._pending_rows = 0

    def replace(self) -> ReplaceResult:
        """Delete the current rows of every staged group and insert the staged rows."""
        self._flush()
        text = ", ".join(f"COALESCE({name}, '')" for name in _TEXT_COLUMNS)
        target = ", ".join(
            (
                "network_id",
                "app_id",
                "date",
                *_TEXT_COLUMNS,
                "spend",
                "clicks",
                "impressions",
                "granularity",
                "upload_id",
                "updated_at",
            )
        )
        if self.hourly:
            # Hourly rows converted to the same local date and dimensions are summed.
            dims = ", ".join(
                f"COALESCE({name}, '')" if name in _TEXT_COLUMNS else name for name in _DIMENSIONS
            )
            names = ", ".join(
                f"MAX(COALESCE({name}, ''))" if name not in _DIMENSIONS else f"COALESCE({name}, '')"
                for name in _TEXT_COLUMNS
            )
            select = (
                f"SELECT %s, app_id, date, {names}, SUM(spend), SUM(clicks), SUM(impressions), "  # noqa: S608
                f"MAX(granularity), %s, %s FROM {STAGE} GROUP BY {dims}"
            )
        else:
            select = (
                f"SELECT %s, app_id, date, {text}, spend, clicks, impressions, "  # noqa: S608
                f"COALESCE(granularity, ''), %s, %s FROM {STAGE}"
            )
        with connection.cursor() as cursor:
            sql = f"SELECT COUNT(*) FROM (SELECT DISTINCT app_id, date, media_source FROM {STAGE}) AS g"  # noqa: S608
            cursor.execute(sql)
            groups = cursor.fetchone()[0]
            sql = (
                "DELETE FROM costs_costrow WHERE network_id = %s AND (app_id, date, media_source) IN "  # noqa: S608
                f"(SELECT app_id, date, media_source FROM {STAGE})"
            )
            cursor.execute(sql, [self.network_id])
            sql = f"INSERT INTO costs_costrow ({target}) {select}"
            cursor.execute(sql, [self.network_id, self.upload_id, self.now])
            rows = cursor.rowcount
            group_totals_refresh(
                network_id=self.network_id,
                groups=f"SELECT app_id, date, media_source FROM {STAGE}",  # noqa: S608
            )
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        return ReplaceResult(rows=rows, groups=groups)

    def discard(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")


def group_totals_refresh(
    *, network_id: int, groups: str | None = None, params: Sequence[object] = ()
) -> None:
    """Sum the current rows of the network's groups into CostGroupTotal: those that `groups` (a
    SELECT of app_id, date, media_source, with `params`) names, or all of them. Inside the
    caller's transaction."""
    totals, rows = CostGroupTotal._meta.db_table, CostRow._meta.db_table
    among = f" AND (app_id, date, media_source) IN ({groups})" if groups else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {totals} WHERE network_id = %s{among}", [network_id, *params])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {totals} (network_id, app_id, date, media_source, currency, spend, row_count, "  # noqa: S608
            f"applied) SELECT network_id, app_id, date, media_source, currency, SUM(spend), COUNT(*), %s "
            f"FROM {rows} WHERE network_id = %s{among} "
            "GROUP BY network_id, app_id, date, media_source, currency",
            [False, network_id, *params],
        )
    group_totals_applied_refresh(network_id=network_id, groups=groups, params=params)


def group_totals_applied_refresh(
    *, network_id: int, groups: str | None = None, params: Sequence[object] = ()
) -> None:
    """Set each total's `applied`: whether its spend and row count are those AppsFlyer last applied
    of the group in that currency (CostGroupApplied)."""
    totals, applied = CostGroupTotal._meta.db_table, CostGroupApplied._meta.db_table
    among = f" AND (app_id, date, media_source) IN ({groups})" if groups else ""
    last_applied = (
        f"SELECT ROUND(a.spend, 5), a.row_count FROM {applied} a "  # noqa: S608
        f"WHERE a.network_id = {totals}.network_id AND a.app_id = {totals}.app_id "
        f"AND a.date = {totals}.date AND a.media_source = {totals}.media_source "
        f"AND a.currency = {totals}.currency"
    )
    # ROUND: SQLite sums decimals as floating point (0.1 + 0.2 is not 0.3 there).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {totals} SET applied = CASE WHEN (ROUND(spend, 5), row_count) = ({last_applied}) "  # noqa: S608
            f"THEN %s ELSE %s END WHERE network_id = %s{among}",
            [True, False, network_id, *params],
        )


@dataclass(frozen=True)
class AppliedGroup:
    """One (app, date, media source) group as a request that AppsFlyer applied carried it."""

    app_id: int
    date: datetime.date
    media_source: str
    spend: Decimal
    row_count: int


def group_applied_record(
    *,
    network_id: int,
    currency: str,
    request_id: int,
    request_created_at: datetime.datetime,
    groups: Sequence[AppliedGroup],
) -> None:
    """Note that AppsFlyer applied these groups as one request (`request_id`, created at
    `request_created_at`) carried them, then refresh the groups' `applied`. A group keeps what a
    newer request carried (requests can finish out of order). Inside the caller's transaction."""
    table = CostGroupApplied._meta.db_table
    ops = connection.ops
    created_at = ops.adapt_datetimefield_value(request_created_at)
    values = [
        (
            network_id, group.app_id, ops.adapt_datefield_value(group.date), group.media_source, currency,
            ops.adapt_decimalfield_value(group.spend, 24, 5), group.row_count, request_id, created_at,
        )
        for group in groups
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (network_id, app_id, date, media_source, currency, spend, row_count, "  # noqa: S608
            "request_id, request_created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (network_id, app_id, date, media_source, currency) DO UPDATE SET "
            "spend = excluded.spend, row_count = excluded.row_count, request_id = excluded.request_id, "
            "request_created_at = excluded.request_created_at "
            f"WHERE ({table}.request_created_at, {table}.request_id) "
            "< (excluded.request_created_at, excluded.request_id)",
            values,
        )
    group_totals_applied_refresh(
        network_id=network_id,
        groups=f"SELECT app_id, date, media_source FROM {table} WHERE network_id = %s AND request_id = %s",  # noqa: S608
        params=[network_id, request_id],
    )


def _copy_text(columns: list[Sequence[str]], count: int) -> str:
    """Rows in COPY's text format; values holding a tab, newline or backslash are escaped."""
    text = "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"
    width = len(columns) - 1
    if (
        text.count("\t") == count * width
        and text.count("\n") == count
        and "\\" not in text
        and "\r" not in text
    ):
        return text
    escaped = [[_copy_escape(v) for v in column] for column in columns]
    return "\n".join(map("\t".join, zip(*escaped, strict=True))) + "\n"


def _copy_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
