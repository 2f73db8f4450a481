"""Reads of a network's current cost: the rules uploads are checked against, the rows and groups
as they are sent, and the Costs page's filtered rows, totals and chart points."""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from incost_portal.costs.incost_rows import COST_ROW_FIELDS, group_content_hash, incost_row_bytes
from incost_portal.costs.models import CostGroupTotal, CostRow
from incost_portal.costs.validation import AppRules, NetworkRules
from incost_portal.networks.models import App, MediaSource, Network


def network_rules(*, network: Network) -> NetworkRules:
    """What validation checks against: registered media sources and enabled apps (with zones)."""
    apps = list(
        App.objects.filter(network=network).values_list("pk", "app_id", "time_zone", "currency", "enabled")
    )
    sources = MediaSource.objects.filter(network=network, kind=MediaSource.Kind.MEDIA_SOURCE)
    return NetworkRules(
        media_sources=frozenset(sources.values_list("name", flat=True)),
        apps={
            app_id: AppRules(app_id=app_id, time_zone=zone, currency=currency, pk=pk)
            for pk, app_id, zone, currency, enabled in apps
            if enabled
        },
        network_id=network.pk,
        slug=network.slug,
        disabled_apps=frozenset(app_id for _, app_id, _, _, enabled in apps if not enabled),
    )


def cost_group_rows(*, network: Network, app: App, date: datetime.date, media_source: str) -> Iterator[bytes]:
    """One (app, date, media source) group's rows as InCost JSON objects (bytes)."""
    values = (
        CostRow.objects.filter(network=network, app=app, date=date, media_source=media_source)
        .order_by("pk")
        .values_list(*COST_ROW_FIELDS)
    )
    for row in values.iterator(chunk_size=5000):
        yield incost_row_bytes(dict(zip(COST_ROW_FIELDS, row, strict=True)), app_id=app.app_id)


def cost_group_hash(*, network: Network, app: App, date: datetime.date, media_source: str) -> str:
    """The group's content hash: SHA-256 of its InCost rows, sorted (see incost_rows)."""
    return group_content_hash(cost_group_rows(network=network, app=app, date=date, media_source=media_source))


def cost_group_hashes(
    *, network: Network, app: App, date_from: datetime.date, date_to: datetime.date
) -> dict[tuple[datetime.date, str], str]:
    """Content hash of every (date, media source) group of an app in a date range, in one read."""
    values = (
        CostRow.objects.filter(network=network, app=app, date__gte=date_from, date__lte=date_to)
        .order_by("date", "media_source", "pk")
        .values_list(*COST_ROW_FIELDS)
    )
    hashes: dict[tuple[datetime.date, str], str] = {}
    key: tuple[datetime.date, str] | None = None
    bodies: list[bytes] = []
    for row in values.iterator(chunk_size=5000):
        fields = dict(zip(COST_ROW_FIELDS, row, strict=True))
        row_key = (fields["date"], fields["media_source"])
        if row_key != key:
            if key is not None:
                hashes[key] = group_content_hash(bodies)
            key, bodies = row_key, []
        bodies.append(incost_row_bytes(fields, app_id=app.app_id))
    if key is not None:
        hashes[key] = group_content_hash(bodies)
    return hashes


GroupQuerySet = TypeVar("GroupQuerySet", QuerySet[CostRow], QuerySet[CostGroupTotal])


def group_filtered(
    queryset: GroupQuerySet,
    *,
    app: App | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    media_source: str = "",
) -> GroupQuerySet:
    """The Costs page's filters that are group dimensions, on cost rows or on group totals."""
    if app is not None:
        queryset = queryset.filter(app=app)
    if date_from is not None:
        queryset = queryset.filter(date__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(date__lte=date_to)
    if media_source:
        queryset = queryset.filter(media_source=media_source)
    return queryset


def cost_rows_filtered(*, network: Network, campaign: str = "", **groups: Any) -> QuerySet[CostRow]:
    """The network's current rows matching the Costs page's filters (`group_filtered`'s and a
    campaign id or name): newest dates first, then by app, media source and campaign (the order of
    an index, so a page reads only its own rows)."""
    rows = group_filtered(cost_row_list(network=network), **groups)
    if campaign:
        rows = rows.filter(Q(campaign_id__icontains=campaign) | Q(campaign_name__icontains=campaign))
    return rows.order_by("-date", "app_id", "media_source", "campaign_id", "pk")


@dataclass
class CostTotals:
    rows: int
    spend: list[tuple[str, Decimal, int]]  # (currency, spend, rows), the biggest spend first

    @property
    def main_currency(self) -> str:
        return self.spend[0][0] if self.spend else ""


# What the Costs page shows of a row (and its id, for the edit and delete controls).
LISTED_FIELDS = (
    "id", "app_id", "date", "media_source", "af_prt", "campaign_id", "campaign_name", "adset_id",
    "adset_name", "ad_id", "ad_name", "geo", "currency", "spend", "clicks", "impressions", "updated_at",
)  # fmt: skip


def cost_rows_listed(*, network: Network, campaign: str = "", **groups: Any) -> QuerySet[Any]:
    """`cost_rows_filtered` as named tuples of LISTED_FIELDS: a page of rows without building a
    model (23 fields) a row nor reading the fields the page never shows."""
    rows = cost_rows_filtered(network=network, campaign=campaign, **groups).select_related(None)
    return rows.values_list(*LISTED_FIELDS, named=True)


def cost_row_list(*, network: Network) -> QuerySet[CostRow]:
    """The network's current rows with their app (a row's page, its edit and delete)."""
    return CostRow.objects.filter(network=network).select_related("app")


DayTotal = tuple[datetime.date, str, str, Decimal, int]  # date, media source, currency, spend, rows


def cost_day_totals(*, network: Network, campaign: str = "", **groups: Any) -> list[DayTotal]:
    """Spend and row count per day, media source and currency of the rows the Costs page's filters
    keep (those of `cost_rows_filtered`), in one query: its totals, chart and row count come from
    these few hundred sums.

    Every filter but the campaign is a group dimension, so the groups' totals answer them (a few
    thousand sums, not a million rows); a campaign filter sums the rows it matches."""
    if campaign:
        rows = cost_rows_filtered(network=network, campaign=campaign, **groups)
        sums = rows.order_by().values_list("date", "media_source", "currency")
        sums = sums.annotate(total=Sum("spend"), count=Count("pk"))
    elif connection.vendor == "postgresql":
        return _group_day_totals(network_id=network.pk, **groups)
    else:  # SQLite hands back dates and sums as text and floats: the ORM converts them
        totals = group_filtered(CostGroupTotal.objects.filter(network=network), **groups)
        sums = totals.order_by().values_list("date", "media_source", "currency")
        sums = sums.annotate(total=Sum("spend"), count=Sum("row_count"))
    return [
        (day, source, currency, total or Decimal(0), count) for day, source, currency, total, count in sums
    ]


def _group_day_totals(
    *,
    network_id: int,
    app: App | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    media_source: str = "",
) -> list[DayTotal]:
    """`cost_day_totals` from the groups' totals (`group_filtered`'s filters), as plain SQL for
    PostgreSQL (whose driver hands back dates, Decimals and ints): the ORM's compiling and its
    conversion of each of the ~720 sums cost as much as PostgreSQL's summing."""
    table = connection.ops.quote_name(CostGroupTotal._meta.db_table)
    where, params = ["network_id = %s"], [network_id]
    for sql, value in (
        ("app_id = %s", None if app is None else app.pk),
        ("date >= %s", date_from),
        ("date <= %s", date_to),
        ("media_source = %s", media_source or None),
    ):
        if value is not None:
            where.append(sql)
            params.append(value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT date, media_source, currency, SUM(spend), SUM(row_count) FROM {table} "  # noqa: S608 (the model's table; values are parameters)
            f"WHERE {' AND '.join(where)} GROUP BY date, media_source, currency",
            params,
        )
        return cursor.fetchall()


def cost_totals_of(*, days: list[DayTotal]) -> CostTotals:
    """The totals per currency (biggest spend first) of `cost_day_totals`, as `cost_totals` gives them."""
    spend: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for _, _, currency, total, rows in days:
        spend[currency] += total
        count[currency] += rows
    ranked = sorted(spend, key=lambda currency: (-spend[currency], currency))
    return CostTotals(
        rows=sum(count.values()), spend=[(currency, spend[currency], count[currency]) for currency in ranked]
    )
