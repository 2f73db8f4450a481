"""Downloadable starting files (JSON, CSV, XLSX) filled with the network's own media source and app."""

import csv
import datetime
import io
import json

from django.utils import timezone
from openpyxl import Workbook

from incost_portal.costs.fields import INCOST_FIELDS
from incost_portal.networks.models import App, MediaSource, Network

SAMPLE_FIELDS = ("date", "app_id", "media_source", "campaign_id", "campaign_name", "adset_id", "adset_name",
                 "geo", "currency", "spend", "clicks", "impressions")  # fmt: skip
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sample_rows(*, network: Network) -> list[dict[str, object]]:
    """Two days of two campaigns for a test app (else the first app) and the first media source."""
    apps = App.objects.filter(network=network, enabled=True).order_by("-is_test_app", "app_id")
    app = apps.first()
    source = (
        MediaSource.objects.filter(network=network, kind=MediaSource.Kind.MEDIA_SOURCE)
        .order_by("name")
        .first()
    )
    app_id = app.app_id if app else "id888123456"
    currency = app.currency if app else "USD"
    media_source = source.name if source else "example_int"
    today = timezone.now().date()
    rows: list[dict[str, object]] = []
    for back in (2, 1):
        day = (today - datetime.timedelta(days=back)).isoformat()
        for number, spend in ((1, "120.5"), (2, "80")):
            rows.append(
                {
                    "date": day,
                    "app_id": app_id,
                    "media_source": media_source,
                    "campaign_id": f"cmp{number}",
                    "campaign_name": f"summer_sale_{number}",
                    "adset_id": f"as{number}",
                    "adset_name": f"adset_{number}",
                    "geo": "US",
                    "currency": currency,
                    "spend": spend,
                    "clicks": 100 * number,
                    "impressions": 1000 * number,
                }
            )
    return rows


def sample_file(*, network: Network, file_format: str) -> bytes:
    rows = sample_rows(network=network)
    fields = [name for name in INCOST_FIELDS if name in SAMPLE_FIELDS]
    if file_format == "json":
        # spend as a JSON number: written by hand so 80 stays 80 and 120.5 stays 120.5.
        objects = [
            "{" + ", ".join(
                f'"{name}": {row[name]}' if name in ("spend", "clicks", "impressions")
                else f'"{name}": {json.dumps(row[name])}' for name in fields
            ) + "}"
            for row in rows
        ]  # fmt: skip
        return ("[\n  " + ",\n  ".join(objects) + "\n]\n").encode()
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([[row[name] for name in fields] for row in rows])
        return text.getvalue().encode()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "cost"
    sheet.append(fields)
    for row in rows:
        sheet.append([float(row[name]) if name == "spend" else row[name] for name in fields])  # type: ignore[arg-type]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
