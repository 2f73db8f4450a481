"""Freshness figures: how long a change waits from the portal to Applied at the sandbox, when every
app's last 7 days change every hour and the day's 1,000 calls must be shared, against the lower
bound and against the old behaviour (two fixed sends a day, apps in id order), in the same run.

Each network size and policy runs three simulated days in a fresh process (tests/bench/
freshness_run.py), two at a time, on copies of one migrated SQLite database.
FRESHNESS_BENCH_SIZES=10,100 runs only those sizes (a quick look; the figures need all four).

The lower bound: with B = 500 requests a day (1,000 calls, an upload and a status read each)
shared by N apps changing hourly, no planner refreshes an app more often than every
max(1 h, 24 h x N / B); a change waits on average at least half of that, plus AppsFlyer's
in-progress time (2 minutes).
"""

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.bench import BenchContext, Figure, benchmark

SIZES = (10, 100, 500, 2000)
POLICIES = ("fair", "old")
REQUESTS_PER_DAY = 500
IN_PROGRESS_MINUTES = 2.0
ROOT = Path(__file__).resolve().parents[2]


def lower_bound_minutes(apps: int) -> float:
    period = max(60.0, 24 * 60 * apps / REQUESTS_PER_DAY)
    return period / 2 + IN_PROGRESS_MINUTES


def _env(context: BenchContext, database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "VAR_DIR": str(context.workdir),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "incost_portal.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name in ("INCOST_CALLS_PER_DAY", "INCOST_LIMITER_DAY_SECONDS", "INCOST_POLL_DELAY_SECONDS"):
        env.pop(name, None)  # AppsFlyer's own budget and timing
    return env


def _one(context: BenchContext, template: Path, apps: int, policy: str) -> dict[str, Any]:
    database = context.workdir / f"fresh-{apps}-{policy}.sqlite3"
    shutil.copyfile(template, database)
    out = context.workdir / f"fresh-{apps}-{policy}.json"
    subprocess.run(
        [sys.executable, "-m", "tests.bench.freshness_run", str(apps), policy, str(out)],
        cwd=ROOT,
        env=_env(context, database),
        check=True,
        timeout=1800,
    )
    return json.loads(out.read_text())


def _figures(fair: dict[str, Any], old: dict[str, Any]) -> list[Figure]:
    apps = fair["apps"]
    bound = lower_bound_minutes(apps)
    busiest = max(fair["calls_per_day"])
    refused = sum(fair["refused_per_day"])
    note = (
        f"fair: {fair['requests']} requests for {fair['changes']:,} changes, calls a day "
        f"{fair['calls_per_day']}, ic111 {refused}, best app {fair['best_app_minutes']:.0f} min, "
        f"worst change {fair['worst_change_minutes']:.0f} min, {fair['unserved_changes']} changes "
        f"not yet Applied at the end (counted to the end); {fair['real_seconds']:.0f} s. "
        f"Old: calls a day {old['calls_per_day']}, ic111 {sum(old['refused_per_day'])}, worst app "
        f"{old['worst_app_minutes']:.0f} min, {old['unserved_changes']} not Applied at the end"
    )
    figures = [
        Figure(
            f"freshness, {apps} apps: calls per simulated day (busiest)",
            busiest,
            "calls",
            baseline=max(old["calls_per_day"]),
            baseline_name="old: 2 sends a day",
            ratio=busiest / max(1, max(old["calls_per_day"])),
            goal="<= 1,000, 0 ic111",
            passed=busiest <= 1000 and refused == 0,
        ),
        Figure(
            f"freshness, {apps} apps: mean staleness per app",
            fair["mean_minutes"],
            "min",
            baseline=bound,
            baseline_name="lower bound",
            ratio=fair["mean_minutes"] / bound,
            goal="<= 1.25x bound",
            passed=fair["mean_minutes"] <= 1.25 * bound,
            note=note,
        ),
        Figure(
            f"freshness, {apps} apps: worst app's staleness",
            fair["worst_app_minutes"],
            "min",
            baseline=bound,
            baseline_name="lower bound",
            ratio=fair["worst_app_minutes"] / bound,
            goal="<= 2x bound",
            passed=fair["worst_app_minutes"] <= 2 * bound,
        ),
        Figure(
            f"freshness, {apps} apps, old behaviour: mean staleness per app",
            old["mean_minutes"],
            "min",
            baseline=bound,
            baseline_name="lower bound",
            ratio=old["mean_minutes"] / bound,
            goal="baseline",
        ),
    ]
    if apps <= 10:
        figures.append(
            Figure(
                f"freshness, {apps} apps: every change Applied within",
                fair["worst_change_minutes"],
                "min",
                baseline=old["worst_change_minutes"],
                baseline_name="old",
                ratio=fair["worst_change_minutes"] / max(1e-9, old["worst_change_minutes"]),
                goal="<= 240 min",
                passed=fair["worst_change_minutes"] <= 240 and fair["unserved_changes"] == 0,
            )
        )
    return figures


@benchmark("freshness")
def freshness(context: BenchContext) -> list[Figure]:
    template = context.workdir / "fresh-template.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=_env(context, template),
        check=True,
        timeout=600,
    )
    sizes = [int(size) for size in os.environ.get("FRESHNESS_BENCH_SIZES", "").split(",") if size] or SIZES
    runs = [(apps, policy) for apps in sorted(sizes, reverse=True) for policy in POLICIES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda run: _one(context, template, *run), runs))
    by_run = {(result["apps"], result["policy"]): result for result in results}
    figures: list[Figure] = []
    for apps in sorted(sizes):
        figures.extend(_figures(by_run[(apps, "fair")], by_run[(apps, "old")]))
    return figures
