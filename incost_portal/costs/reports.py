"""Reads for the Costs and Uploads pages: filtered rows and uploads, and the totals' shape. Each
takes `network=`."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.networks.models import App, Network


def cost_rows_filtered(
    *,
    network: Network,
    app: App | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    media_source: str = "",
    campaign: str = "",
) -> QuerySet[CostRow]:
    """The network's current rows matching the Costs page's filters: newest dates first, then by
    app, media source and campaign (the order of an index, so a page reads only its own rows)."""
    rows = CostRow.objects.filter(network=network).select_related("app")
    if app is not None:
        rows = rows.filter(app=app)
    if date_from is not None:
        rows = rows.filter(date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(date__lte=date_to)
    if media_source:
        rows = rows.filter(media_source=media_source)
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
