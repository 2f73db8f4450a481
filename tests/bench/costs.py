"""Cost data figures: validation against a bare csv.reader pass, a 1 MB JSON request, peak
memory, and ingest into PostgreSQL against django-import-export."""

import contextlib
import csv
import io
import json
import os
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url

from incost_portal.costs.validation import IssueCollector, cost_file_check
from tests.bench import BenchContext, Figure, benchmark, best_of
from tests.bench.cost_data import bench_apps, cost_csv, cost_json_request
from tests.bench.probe import rules

ROOT = Path(__file__).resolve().parents[2]
# Another name (BENCH_DATABASE) lets two benchmark runs share one PostgreSQL server.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "incost_bench")
SUBSET_ROWS = 20_000


def _probe(context: BenchContext, what: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = subprocess.run(
        [context.python, "-m", "tests.bench.probe", what, *args],
        cwd=ROOT,
        env={**os.environ, "MEDIA_ROOT": str(context.workdir / "media"), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"probe {what} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def _bench_database(context: BenchContext) -> Iterator[dict[str, str]]:
    """A fresh, migrated database beside DATABASE_URL's, dropped afterwards."""
    import psycopg

    config = dj_database_url.parse(context.database_url)
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }
    url = context.database_url.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"

    def admin(sql: str) -> None:
        with psycopg.connect(**server, autocommit=True) as connection:
            connection.execute(sql)

    admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
    admin(f"CREATE DATABASE {BENCH_DATABASE}")
    try:
        env = {"DATABASE_URL": url}
        subprocess.run(
            [context.python, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
        )
        yield env
    finally:
        admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def _first_rows(source: Path, target: Path, rows: int) -> Path:
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for index, line in enumerate(lines):
            if index > rows:
                break
            out.write(line)
    return target


@benchmark("costs")
def cost_figures(context: BenchContext) -> list[Figure]:
    rows = context.rows
    path = cost_csv(context.workdir / "costs.csv", rows)
    figures = [_validation(path, rows), _json_request()]
    idle = _probe(context, "idle")
    checked = _probe(context, "validate", str(path))
    assert checked["errors"] == 0, checked
    figures.append(
        Figure(
            f"peak memory, validating {rows:,} rows",
            checked["peak_mb"],
            "MB",
            idle["peak_mb"],
            "process at rest",
            checked["peak_mb"] / idle["peak_mb"],
            "< 500 MB",
            checked["peak_mb"] < 500,
        )
    )
    figures.extend(_ingest(context, path, idle["peak_mb"]))
    return figures


def _validation(path: Path, rows: int) -> Figure:
    def bare() -> None:
        with open(path, newline="", encoding="utf-8") as stream:
            for _ in csv.reader(stream):
                pass

    network = rules()

    def validate() -> None:
        with open(path, "rb") as stream:
            summary = cost_file_check(stream, rules=network, on_issue=IssueCollector(), name=path.name)
        assert summary.rows == rows and not summary.errors, summary

    baseline = best_of(3, bare)
    value = best_of(2, validate)
    ratio = value / baseline
    return Figure(
        f"validate {rows:,}-row CSV",
        value,
        "s",
        baseline,
        "bare csv.reader pass",
        ratio,
        "<= 3x",
        ratio <= 3,
        note="best of 2 runs against best of 3 bare passes, same file, same process",
    )


def _json_request() -> Figure:
    body, count = cost_json_request()
    app_id = bench_apps()[0].app_id
    network = rules()

    def validate() -> None:
        summary = cost_file_check(
            io.BytesIO(body), rules=network, on_issue=IssueCollector(), file_format="json", request_app=app_id
        )
        assert not summary.errors, summary

    def timings(function: Any, runs: int = 30) -> tuple[float, float]:
        values = []
        for _ in range(runs):
            start = time.perf_counter()
            function()
            values.append(time.perf_counter() - start)
        return min(values), statistics.median(values)

    baseline, _ = timings(lambda: json.loads(body))
    value, median = timings(validate)
    return Figure(
        f"validate {len(body) / 1e6:.2f} MB JSON request ({count:,} rows)",
        value * 1000,
        "ms",
        baseline * 1000,
        "json.loads",
        value / baseline,
        "< 20 ms",
        value < 0.020,
        note=f"fastest of 30 runs (timeit's convention); median {median * 1000:.1f} ms",
    )


def _ingest(context: BenchContext, path: Path, idle_mb: float) -> list[Figure]:
    rows = context.rows
    if not context.database_url:
        reason = "skipped: set DATABASE_URL to a PostgreSQL server (a bench database is made beside it)"
        return [
            Figure(f"ingest {rows:,} rows into PostgreSQL", None, "s", goal="< 30 s", note=reason),
            Figure("ingest rate vs django-import-export", None, "rows/s", goal=">= 20x", note=reason),
        ]
    subset = _first_rows(path, context.workdir / "subset.csv", min(SUBSET_ROWS, rows))
    with _bench_database(context) as env:
        full = _probe(context, "ingest", str(path), env=env)
        ours = _probe(context, "ingest", str(subset), env=env)
        theirs = _probe(context, "import_export", str(subset), env=env)
    if full.get("seconds") is None:
        raise RuntimeError(f"ingest failed: {full}")
    ours_rate = ours["rows"] / ours["seconds"]
    theirs_rate = theirs["rows"] / theirs["seconds"]
    return [
        Figure(
            f"ingest {rows:,} rows into PostgreSQL",
            full["seconds"],
            "s",
            goal="< 30 s",
            passed=full["seconds"] < 30,
            note=(
                "cost_upload_create(accept=True): keep the file, parse, validate, COPY to staging, "
                f"replace groups, in one transaction; {full['stored']:,} rows stored"
            ),
        ),
        Figure(
            f"peak memory, ingesting {rows:,} rows",
            full["peak_mb"],
            "MB",
            idle_mb,
            "process at rest",
            full["peak_mb"] / idle_mb,
            "< 500 MB",
            full["peak_mb"] < 500,
        ),
        Figure(
            f"ingest rate, {ours['rows']:,} rows",
            ours_rate,
            "rows/s",
            theirs_rate,
            "django-import-export",
            ours_rate / theirs_rate,
            ">= 20x",
            ours_rate / theirs_rate >= 20,
            note="same rows, same table (CostRow), import keyed on the dimension key like ours",
        ),
    ]
