"""Storage: bytes kept per Applied 1 MB request (compressed at rest, against the body as sent), and
a simulated year at the budget's limit (500 requests and 6 uploaded files a day) with the default
retention, against the same year with none: database and file bytes at the end of the year (the
rows of what was sent stay for good; payloads and files go after their periods).

The year runs the real retention services against a real database (SQLite, in a fresh process) on
a simulated clock, one day at a time. Payloads and files are scaled down a hundredfold to keep the
year at a few hundred megabytes; payload and file bytes are scaled back up (x100), the rest of
the database is counted as measured.

    python -m tests.bench.storage RETENTION(0|1)   (in a subprocess: prints one JSON object)
"""

import json
import os
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from tests.bench import BenchContext, Figure, benchmark

ROOT = Path(__file__).resolve().parents[2]
REQUESTS_PER_DAY, FILES_PER_DAY, DAYS, SCALE = 500, 6, 365, 100


def request_body(size: int, seed: int) -> bytes:
    """An InCost request of about `size` bytes, as the packer builds them: a day's rows of one app
    and media source, campaigns, adsets and geos varied, spends with cents."""
    generator = random.Random(seed)
    rows, total = [], 2
    while total < size:
        pick = generator.randrange
        row = {
            "date": "2026-11-20", "app_id": "id888123456", "media_source": "benchads_int",
            "campaign_id": f"cmp{pick(10_000)}", "campaign_name": f"campaign_{pick(400)}",
            "adset_id": f"as{pick(100_000)}", "adset_name": f"adset_{pick(5_000)}",
            "geo": generator.choice(("US", "GB", "DE", "FR", "JP", "BR", "IN")), "currency": "USD",
            "spend": round(generator.uniform(0, 900), 2), "clicks": pick(5_000), "impressions": pick(200_000),
        }  # fmt: skip
        text = json.dumps(row, separators=(",", ":"))
        rows.append(text)
        total += len(text) + 1
    return ("[" + ",".join(rows) + "]").encode()


def _year(retention: bool) -> dict[str, float]:
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.utils import timezone

    from incost_portal.costs.models import CostUpload
    from incost_portal.networks.services import app_create, network_create
    from incost_portal.runtime.jobs import storage_prune
    from incost_portal.submissions.models import State, Submission
    from incost_portal.submissions.payloads import payload_pack

    call_command("migrate", verbosity=0)
    network = network_create(name="Year", slug="year")
    app = app_create(network=network, app_id="id888123456", name="Bench")
    stored, codec = payload_pack(request_body(1_000_000 // SCALE, 1))
    start = timezone.now() - timedelta(days=DAYS)
    for number in range(DAYS):
        day = start + timedelta(days=number)
        fields = {
            "network": network, "app": app, "state": State.APPLIED, "payload": stored, "payload_codec": codec,
            "payload_stored_bytes": len(stored), "payload_sha256": "x", "payload_bytes": 1_000_000 // SCALE,
            "row_count": 100, "currency": "USD", "date_from": day.date(), "date_to": day.date(),
            "spend_total": 1, "finished_at": day, "due_at": day,
        }  # fmt: skip
        Submission.objects.bulk_create(Submission(**fields) for _ in range(REQUESTS_PER_DAY))
        for _ in range(FILES_PER_DAY):
            upload = CostUpload(
                network=network, original_name="cost.csv", file_format="csv", file_size=1_000_000 // SCALE,
                status=CostUpload.Status.ACCEPTED, accepted_at=day,
            )  # fmt: skip
            upload.file.save("cost.csv", ContentFile(b"x" * (1_000_000 // SCALE)), save=False)
            upload.save()
        CostUpload.objects.filter(created_at__gt=day).update(created_at=day)
        if retention:
            with _clock(day + timedelta(hours=23)):
                storage_prune()
        if number == DAYS // 2:
            mid = _kept(Path(os.environ["MEDIA_ROOT"]))
    end = _kept(Path(os.environ["MEDIA_ROOT"]))
    return {
        **end,
        **{f"mid_{name}": value for name, value in mid.items()},
        "rows": Submission.objects.count(),
    }


def _kept(media: Path) -> dict[str, float]:
    """Payload bytes in the database and file bytes on disk, scaled back up to full size."""
    from incost_portal.submissions.models import Submission

    files = sum(path.stat().st_size for path in media.rglob("*") if path.is_file())
    payloads = sum(Submission.objects.values_list("payload_stored_bytes", flat=True))
    return {"payloads": payloads * SCALE, "files": files * SCALE}


class _clock:
    """timezone.now() at a simulated moment (time-machine, a dev dependency of the suite)."""

    def __init__(self, when):  # type: ignore[no-untyped-def]
        import time_machine

        self.travel = time_machine.travel(when, tick=False)

    def __enter__(self) -> None:
        self.travel.start()

    def __exit__(self, *args: object) -> None:
        self.travel.stop()


@benchmark("storage")
def storage_figures(context: BenchContext) -> list[Figure]:
    from incost_portal.submissions.payloads import payload_pack

    body = request_body(1_000_000, 7)
    stored, _ = payload_pack(body)
    figures = [
        Figure(
            "storage: bytes kept per 1 MB request (compressed)",
            len(stored),
            "bytes",
            len(body),
            "the body as sent",
            len(stored) / len(body),
            goal="<= 0.20x",
            passed=len(stored) <= 0.20 * len(body),
        )
    ]
    years = {}
    for retention in (False, True):
        workdir = context.workdir / f"year-{int(retention)}"
        (workdir / "media").mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "incost_portal.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "LOG_LEVEL": "ERROR",
        }
        done = subprocess.run(
            [context.python, "-m", "tests.bench.storage", str(int(retention))],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=3600,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"storage year failed:\n{done.stderr[-3000:]}")
        years[retention] = json.loads(done.stdout.strip().splitlines()[-1])
    kept, none = years[True], years[False]
    for what, label in (("payloads", "payload bytes in the database"), ("files", "uploaded file bytes")):
        ratio = kept[what] / none[what]
        # Bounded by the window: kept at mid-year what is kept at the year's end.
        bounded = kept[what] <= kept[f"mid_{what}"] * 1.05
        figures.append(
            Figure(
                f"storage: {label} after a year at 500 requests a day, default retention",
                kept[what] / 2**20,
                "MB",
                none[what] / 2**20,
                "no retention",
                ratio,
                goal="<= 0.15x and no growth after the window",
                passed=ratio <= 0.15 and bounded,
                note=f"{kept[f'mid_{what}'] / 2**20:,.0f} MB at mid-year with retention, "
                f"{none[f'mid_{what}'] / 2**20:,.0f} MB without; the {kept['rows']:,} requests' rows "
                "(what was sent, when, how much, the outcome) stay",
            )
        )
    return figures


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_year(bool(int(sys.argv[1])))) + "\n")
