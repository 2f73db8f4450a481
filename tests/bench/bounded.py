"""Bounded requests: the worst single requests a member can make, each in a fresh process, with
the time it took and how far it grew the process (its peak RSS over its RSS before), against the
budget of any request: 10 s and 200 MB. The trivial view's figures in the same process are the
baseline.

    python -m tests.bench.bounded CASE ROWS   (in a subprocess: prints one JSON object)
"""

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from tests.bench import BenchContext, Figure, benchmark

SECONDS_BUDGET, MEGABYTES_BUDGET = 10.0, 200.0
ROOT = Path(__file__).resolve().parents[2]
CASES = {
    "xlsx bomb upload (2,000,000 rows packed small)": "bomb",
    "costs page, dates 0001-01-01 to 9999-12-31": "dates",
    "costs page, dates 2000-01-01 to 2027-12-31": "decades",
    "preview of a 1,000,000-row upload, page 99,990": "far_page",
}


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_reset() -> None:
    """Start the process's peak RSS (VmHWM) afresh, so the peak read after counts this request only."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024  # kB


def _bomb(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    book.create_sheet().append(["date", "app_id", "media_source", "campaign_id", "campaign_name", "currency"])
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    name = next(n for n in source.namelist() if n.startswith("xl/worksheets/"))
    head, _, rest = source.read(name).decode().partition("<sheetData>")
    row = '<row><c t="inlineStr"><is><t>2026-03-10</t></is></c><c><v>1</v></c></row>'
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.namelist():
            if member == name:
                with target.open(member, "w") as sheet:
                    sheet.write((head + "<sheetData>").encode())
                    block = (row * 10_000).encode()
                    for _ in range(rows // 10_000):
                        sheet.write(block)
                    sheet.write(("</sheetData>" + rest.partition("</sheetData>")[2]).encode())
            else:
                target.writestr(member, source.read(member))
    return packed.getvalue()


def _case(case: str, rows: int) -> dict[str, float]:
    """Set up (unmeasured), then the one request, measured."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from incost_portal.costs.services import cost_upload_create
    from incost_portal.networks.models import Network

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    network = Network.objects.get(slug="demo")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="demo-ops"))
    base = f"/n/{network.code}"
    if case == "bomb":
        data = _bomb(2_000_000)
        request = lambda: client.post(  # noqa: E731
            f"{base}/costs/upload/", {"file": SimpleUploadedFile("bomb.xlsx", data)}
        )
    elif case in ("dates", "decades"):
        query = {"date_from": "0001-01-01", "date_to": "9999-12-31"}
        if case == "decades":
            query = {"date_from": "2000-01-01", "date_to": "2027-12-31"}
        request = lambda: client.get(f"{base}/costs/", query)  # noqa: E731
    else:
        lines = ["date,app_id,media_source,campaign_id,campaign_name,currency,spend"]
        lines += [f"2026-03-10,id888123456,demo_int,c{n},camp,USD,1.5" for n in range(rows)]
        upload = cost_upload_create(
            network=network, user=None, file=io.BytesIO("\n".join(lines).encode()), name="big.csv"
        )
        request = lambda: client.get(f"{base}/costs/uploads/{upload.code}/", {"rows": "all", "page": 99_990})  # noqa: E731
    client.get("/healthz")  # warm: imports, connections
    trivial_started, trivial_rss = time.perf_counter(), _rss_mb()
    client.get("/healthz")
    trivial = time.perf_counter() - trivial_started
    _peak_reset()
    rss, started = _rss_mb(), time.perf_counter()
    answer = request()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "grown_mb": max(_peak_mb() - rss, 0.0),
        "status": answer.status_code,
        "trivial_seconds": trivial,
        "rss_mb": trivial_rss,
    }


@benchmark("bounded")
def bounded_figures(context: BenchContext) -> list[Figure]:
    figures = []
    rows = min(context.rows, 1_000_000)
    for name, case in CASES.items():
        workdir = context.workdir / f"bounded-{case}"
        workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "incost_portal.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
        }
        done = subprocess.run(
            [context.python, "-m", "tests.bench.bounded", case, str(rows)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=1800,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"bounded {case} failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        ok = result["seconds"] <= SECONDS_BUDGET and result["grown_mb"] < MEGABYTES_BUDGET
        figures.append(
            Figure(
                f"bounded: {name}",
                result["seconds"],
                "s",
                result["trivial_seconds"],
                "trivial view",
                goal=f"<= {SECONDS_BUDGET:.0f} s and < {MEGABYTES_BUDGET:.0f} MB",
                passed=ok and result["status"] in (200, 302),
                note=f"HTTP {result['status']}, process grew {result['grown_mb']:.0f} MB "
                f"(from {result['rss_mb']:.0f} MB)",
            )
        )
    return figures


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_case(sys.argv[1], int(sys.argv[2]))) + "\n")
