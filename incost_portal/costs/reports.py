"""Reads for the Costs and Uploads pages: filtered rows and uploads, and the totals' shape. Each
takes `network=`."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from incost_portal.costs.models import CostGroupTotal, CostRow, CostUpload
from incost_portal.networks.models import App, Network

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
    rows = group_filtered(CostRow.objects.filter(network=network).select_related("app"), **groups)
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


def cost_upload_filtered(*, network: Network, status: str = "", source: str = "") -> QuerySet[CostUpload]:
    uploads = CostUpload.objects.filter(network=network).select_related("created_by", "app")
    if status:
        uploads = uploads.filter(status=status)
    if source:
        uploads = uploads.filter(source=source)
    return uploads.order_by("-created_at", "-pk")
