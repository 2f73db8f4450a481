"""Sending figures: calls used against the lower bound, how full large requests are, and the call
rate workers achieve against the sandbox's (shortened) limit, with no ic111."""

import datetime
import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench import BenchContext, Figure, benchmark
from tests.bench.cost_data import HEADER, _rows, bench_apps

MB = 1_000_000


def _groups(rows: int) -> list[Any]:
    """The generated cost rows as InCost groups, rendered exactly as the planner renders them."""
    from incost_portal.costs.fields import OPTIONAL
    from incost_portal.costs.incost_rows import incost_row_bytes
    from incost_portal.submissions.packing import Group

    by_key: dict[tuple[str, str, str], list[bytes]] = defaultdict(list)
    spend: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    currency = {app.app_id: app.currency for app in bench_apps()}
    granularity = ",".join(name for name in OPTIONAL if name in HEADER)
    for values in _rows(rows, apps=bench_apps(), days=90):
        fields = dict(zip(HEADER, values, strict=True))
        key = (fields["app_id"], fields["date"], fields["media_source"])
        fields["date"] = datetime.date.fromisoformat(fields["date"])
        by_key[key].append(incost_row_bytes(fields, app_id=key[0]))
        spend[key] += Decimal(fields["spend"])
    return [
        Group(
            app,
            datetime.date.fromisoformat(day),
            source,
            currency[app],
            granularity,
            tuple(bodies),
            spend[key],
        )
        for key, bodies in by_key.items()
        for app, day, source in [key]
    ]


def _lower_bound(groups: list[Any], max_bytes: int) -> int:
    """Per app, currency and granularity: the payload bytes over the limit, rounded up."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for group in groups:
        totals[(group.app_id, group.currency, group.granularity)] += group.weight
    return sum(math.ceil((total + 1) / max_bytes) for total in totals.values())


def _packing(rows: int) -> list[Figure]:
    from incost_portal.submissions.packing import Group, pack_requests

    groups = _groups(rows)
    requests, oversized = pack_requests(groups, max_bytes=MB)
    bound = _lower_bound(groups, MB)
    calls = Figure(
        "sending: requests for all cost vs lower bound",
        len(requests),
        "calls",
        baseline=bound,
        baseline_name="ceil(bytes / 1 MB)",
        ratio=len(requests) / bound,
        goal="<= 1.02x",
        passed=len(requests) <= bound * 1.02,
        note=f"{len(groups):,} (app, date, media source) groups of {rows:,} rows; "
        f"{len(oversized)} over 1 MB alone",
    )
    # Large groups: each 15-60% of a request, the case where a poor packing wastes most.
    large = []
    for index, group in enumerate(groups[:400]):
        copies = max(1, (150_000 + (index * 7919) % 450_000) // max(group.weight, 1))
        rows_big = tuple(group.rows) * copies
        large.append(Group(group.app_id, group.date, f"{group.media_source}{index}", group.currency,
                           group.granularity, rows_big, group.spend))  # fmt: skip
    large = [group for group in large if group.weight < MB]
    packed, _ = pack_requests(large, max_bytes=MB)
    mean = sum(request.size for request in packed) / len(packed)
    fill = Figure(
        "sending: mean request size, large groups",
        mean / MB * 100,
        "% of 1 MB",
        baseline=100,
        baseline_name="the 1 MB limit",
        ratio=mean / MB,
        goal=">= 0.90x",
        passed=mean / MB >= 0.9,
        note=f"{len(large)} groups of 150-600 kB in {len(packed)} requests "
        f"(lower bound {_lower_bound(large, MB)})",
    )
    return [calls, fill]


def _call_rate(context: BenchContext) -> list[Figure]:
    """Workers against the sandbox with a shortened minute: the share of the allowed rate used."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{context.workdir / 'sending-bench.sqlite3'}",
        "VAR_DIR": str(context.workdir),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    out = context.workdir / "call-rate.json"
    subprocess.run(
        [sys.executable, "-m", "tests.bench.call_rate", str(out)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        check=True,
        timeout=900,
    )
    result = json.loads(out.read_text())
    share = result["mean_window_calls"] / result["allowed_per_window"]
    return [
        Figure(
            "sending: call rate vs the allowed rate",
            result["mean_window_calls"] / result["window_seconds"],
            "calls/s",
            baseline=result["allowed_per_window"] / result["window_seconds"],
            baseline_name=f"{result['allowed_per_window']} per {result['window_seconds']:g} s",
            ratio=share,
            goal=">= 0.95x, 0 ic111",
            passed=share >= 0.95 and result["refused"] == 0,
            note=f"{result['calls']} calls by {result['workers']} workers over {result['full_windows']} full "
            f"windows; busiest window {result['max_window_calls']}; refused (ic111) {result['refused']}",
        )
    ]


@benchmark("sending")
def sending_figures(context: BenchContext) -> list[Figure]:
    return [*_packing(context.rows), *_call_rate(context)]
