"""Realistic generated cost data: 20 apps, 90 days, several media sources, geos and campaigns."""

import csv
import datetime
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

MEDIA_SOURCES = ("benchads_int", "benchvideo_int", "benchsearch_int", "benchsocial_int")
GEOS = ("US", "GB", "DE", "FR", "JP", "BR", "IN", "CA", "AU", "ES", "IT", "MX")
# Zones at or ahead of UTC: a date up to today in UTC is never in the future for them.
ZONES = ("UTC", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney")
DAYS = 90
HEADER = (
    "date",
    "app_id",
    "media_source",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "geo",
    "currency",
    "spend",
    "clicks",
    "impressions",
)


@dataclass(frozen=True)
class BenchApp:
    app_id: str
    time_zone: str
    currency: str


def bench_apps() -> list[BenchApp]:
    apps = []
    for i in range(20):
        app_id = f"id10000000{i:02d}" if i % 2 else f"com.bench.game{i:02d}"
        zone = ZONES[i % len(ZONES)]
        apps.append(BenchApp(app_id, zone, "EUR" if zone == "Europe/Berlin" else "USD"))
    return apps


def _rows(count: int, *, apps: list[BenchApp], days: int, seed: int = 7):
    """`count` rows with distinct dimensions, spread over apps and days like a network's report."""
    rng = random.Random(seed)
    today = datetime.datetime.now(datetime.UTC).date()
    dates = [(today - datetime.timedelta(days=d)).isoformat() for d in range(days)]
    per_day = math.ceil(count / (len(apps) * len(dates)))
    campaigns = max(1, math.ceil(per_day / (len(MEDIA_SOURCES) * len(GEOS))))
    made = 0
    for app in apps:
        for date in dates:
            emitted = 0
            for source in MEDIA_SOURCES:
                for campaign in range(campaigns):
                    for geo in GEOS:
                        if emitted == per_day or made == count:
                            break
                        clicks = rng.randint(0, 5000)
                        yield (
                            date,
                            app.app_id,
                            source,
                            f"{source[5:9]}{campaign:05d}",
                            f"{source[5:]}_campaign_{campaign}",
                            f"as{campaign:04d}{geo}",
                            f"adset_{campaign}_{geo.lower()}",
                            geo,
                            app.currency,
                            f"{rng.random() * clicks / 10:.{rng.randint(0, 5)}f}",
                            clicks,
                            clicks * rng.randint(10, 60),
                        )
                        emitted += 1
                        made += 1
            if made == count:
                return


def cost_csv(path: Path, rows: int) -> Path:
    """Write a cost CSV of `rows` rows (InCost headers) and return its path."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(_rows(rows, apps=bench_apps(), days=DAYS))
    return path


def cost_json_request(limit: int = 1_000_000) -> tuple[bytes, int]:
    """One app's InCost request body as large as fits in `limit` bytes, and its row count."""
    app = bench_apps()[0]
    parts: list[bytes] = []
    size = 1
    lean = (
        "date",
        "app_id",
        "media_source",
        "campaign_id",
        "campaign_name",
        "geo",
        "currency",
        "spend",
        "clicks",
    )
    for values in _rows(10_000, apps=[app], days=14, seed=11):
        fields = {name: value for name, value in zip(HEADER, values, strict=True) if name in lean}
        part = json.dumps(fields, separators=(",", ":")).replace(f'"{fields["spend"]}"', fields["spend"], 1)
        encoded = part.encode()
        if size + len(encoded) + 1 > limit:
            break
        parts.append(encoded)
        size += len(encoded) + 1
    return b"[" + b",".join(parts) + b"]", len(parts)
