"""Page-load figures: the dashboard, costs (90-day chart) and jobs pages served by gunicorn from a
PostgreSQL database of 1,000,000 cost rows and 100,000 jobs, under 20 logged-in clients (p50, p95,
throughput against a trivial login-protected view on the same server), and a 60 s soak of 50
clients over the three pages (errors, p50, p95); then the three again with the page cache off, as
each is served once its data just changed."""

import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import requests

from incost_portal.runtime.redis_server import embedded_redis_start, free_port, redis_answers
from tests.bench import BenchContext, Figure, benchmark
from tests.bench.page_load import LoadResult, load, login

ROOT = Path(__file__).resolve().parents[2]
BENCH_DATABASE = "incost_bench_pages"
FULL_ROWS, FULL_SUBMISSIONS = 1_000_000, 100_000
CLIENTS, SOAK_CLIENTS = 20, 50
RUN_SECONDS, SOAK_SECONDS, WARM_SECONDS = 15.0, 60.0, 5.0
# 2 cores: 3 processes (one can wait on PostgreSQL while two compute) of 4 threads each.
WORKERS, THREADS = 3, 4
P95_GOAL_MS, SHARE_GOAL = 200.0, 0.30
SETTINGS = "tests.bench.page_settings"


@contextlib.contextmanager
def _database(context: BenchContext) -> Iterator[str]:
    """A fresh, migrated database beside DATABASE_URL's; its URL. Dropped afterwards."""
    import psycopg

    config = dj_database_url.parse(context.database_url)
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }

    def admin(sql: str) -> None:
        with psycopg.connect(**server, autocommit=True) as connection:
            connection.execute(sql)

    admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
    admin(f"CREATE DATABASE {BENCH_DATABASE}")
    url = context.database_url.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
    try:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
        subprocess.run(
            [context.python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        yield url
    finally:
        admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


@contextlib.contextmanager
def _redis(context: BenchContext) -> Iterator[str]:
    """The machine's Redis (database 14), or an embedded one when none answers."""
    if redis_answers("redis://127.0.0.1:6379/14"):
        yield "redis://127.0.0.1:6379/14"
        return
    port = free_port()
    process = embedded_redis_start(port, Path(tempfile.mkdtemp(prefix="pages-redis-", dir=context.workdir)))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def _server(context: BenchContext, database_url: str, redis_url: str) -> Iterator[int]:
    """gunicorn serving the portal (DEBUG off) with the bench's settings; its port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DEBUG": "0",
        "MEDIA_ROOT": str(context.workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }
    log = (context.workdir / "pages-gunicorn.log").open("ab")
    process = subprocess.Popen(
        [
            context.python, "-m", "gunicorn", "incost_portal.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(WORKERS), "--threads", str(THREADS), "--error-logfile", "-",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {context.workdir / 'pages-gunicorn.log'}")
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


def _skipped(reason: str) -> list[Figure]:
    return [
        Figure(f"{page}: {what}, {CLIENTS} clients", None, unit, goal=goal, note=reason)
        for page in ("dashboard", "costs", "jobs")
        for what, unit, goal in (
            ("p95", "ms", f"< {P95_GOAL_MS:.0f} ms"),
            ("throughput", "req/s", ">= 0.30x"),
        )
    ] + [
        Figure(
            f"soak: {SOAK_CLIENTS} clients, {SOAK_SECONDS:.0f} s, errors",
            None,
            "errors",
            goal="0",
            note=reason,
        )
    ]


@benchmark("pages")
def page_figures(context: BenchContext) -> list[Figure]:
    if not context.database_url:
        return _skipped(
            "skipped: set DATABASE_URL to a PostgreSQL server (a bench database is made beside it)"
        )
    rows = context.rows
    submissions = max(1000, round(FULL_SUBMISSIONS * rows / FULL_ROWS))
    with _database(context) as url:
        built = subprocess.run(
            [context.python, "-m", "tests.bench.page_data", str(rows), str(submissions)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS},
            capture_output=True,
            text=True,
            check=False,
        )
        if built.returncode:
            raise RuntimeError(f"page data failed:\n{built.stderr[-3000:]}")
        data = json.loads(built.stdout.strip().splitlines()[-1])
        with _redis(context) as redis_url:
            with _server(context, url, redis_url) as port:
                figures = _measure(port, data, rows, submissions)
            return figures


def _pages(data: dict[str, object]) -> dict[str, str]:
    network = data["network"]
    return {"dashboard": f"/n/{network}/", "costs": f"/n/{network}/costs/", "jobs": f"/n/{network}/jobs/"}


def _measure(port: int, data: dict[str, object], rows: int, submissions: int) -> list[Figure]:
    host, base = "127.0.0.1", f"http://127.0.0.1:{port}"
    pages = _pages(data)
    sessions = [login(base, str(data["username"]), str(data["password"])) for _ in range(SOAK_CLIENTS)]
    clients = sessions[:CLIENTS]
    # Warm up: every worker process and thread connects to PostgreSQL, imports, fills caches.
    warm = load(
        host=host,
        port=port,
        sessions=clients,
        paths=[*pages.values(), "/bench/trivial/"],
        seconds=WARM_SECONDS,
    )
    if warm.errors():
        raise RuntimeError(
            f"{warm.errors()} errors while warming up: {[s.status for s in warm.samples][:20]}"
        )
    trivial = load(host=host, port=port, sessions=clients, paths=["/bench/trivial/"], seconds=RUN_SECONDS)
    scale = (
        f"{data['cost_rows']:,} cost rows, {data['submissions']:,} jobs ({data['groups']:,} groups, "
        f"{data['events']:,} events), built in {data['seconds']:.0f} s"
    )
    if rows != FULL_ROWS:
        scale += f"; --rows {rows:,}: jobs scaled to {submissions:,} (the issue's sizes are 1M and 100k)"
    figures: list[Figure] = []
    for name, path in pages.items():
        result = load(host=host, port=port, sessions=clients, paths=[path], seconds=RUN_SECONDS)
        figures.extend(_page(name, result, trivial))
    soak = load(host=host, port=port, sessions=sessions, paths=list(pages.values()), seconds=SOAK_SECONDS)
    figures.extend(_soak(soak, trivial, list(pages)))
    figures[0].note = (
        f"{scale}. gunicorn {WORKERS} workers x {THREADS} threads on 127.0.0.1, DEBUG off; "
        f"{CLIENTS} closed-loop clients (keep-alive, own session each), {RUN_SECONDS:.0f} s a page "
        f"after {WARM_SECONDS:.0f} s of warm-up; trivial view: {trivial.throughput():.0f} req/s, "
        f"p50 {trivial.percentile(0.5):.1f} ms, p95 {trivial.percentile(0.95):.1f} ms"
    )
    return figures


def _page(name: str, result: LoadResult, trivial: LoadResult) -> list[Figure]:
    p50, p95 = result.percentile(0.5), result.percentile(0.95)
    share = result.throughput() / trivial.throughput()
    return [
        Figure(
            f"{name}: p50, {CLIENTS} clients",
            p50,
            "ms",
            trivial.percentile(0.5),
            "trivial view p50",
            p50 / trivial.percentile(0.5),
        ),
        Figure(
            f"{name}: p95, {CLIENTS} clients",
            p95,
            "ms",
            trivial.percentile(0.95),
            "trivial view p95",
            p95 / trivial.percentile(0.95),
            f"< {P95_GOAL_MS:.0f} ms",
            p95 < P95_GOAL_MS and not result.errors(),
            note=f"{len(result.samples):,} requests, {result.errors()} errors" if result.errors() else "",
        ),
        Figure(
            f"{name}: throughput, {CLIENTS} clients",
            result.throughput(),
            "req/s",
            trivial.throughput(),
            "trivial view",
            share,
            f">= {SHARE_GOAL:.2f}x",
            share >= SHARE_GOAL,
        ),
    ]


def _soak(soak: LoadResult, trivial: LoadResult, names: list[str]) -> list[Figure]:
    total, errors = len(soak.samples), soak.errors()
    per_page = "; ".join(
        f"{name} p50 {soak.percentile(0.5, i):.0f} / p95 {soak.percentile(0.95, i):.0f} ms "
        f"({len(soak.of(i)):,} req, {soak.errors(i)} errors)"
        for i, name in enumerate(names)
    )
    label = f"soak: {SOAK_CLIENTS} clients, {SOAK_SECONDS:.0f} s, 3 pages"
    return [
        Figure(
            f"{label}, errors",
            errors,
            "errors",
            trivial.errors(),
            f"trivial view, {CLIENTS} clients",
            None,
            "0",
            errors == 0 and total > 0,
            note=f"{total:,} requests, {soak.throughput():.1f} req/s; {per_page}",
        ),
        Figure(
            f"{label}, p50",
            soak.percentile(0.5),
            "ms",
            trivial.percentile(0.5),
            f"trivial view p50, {CLIENTS} clients",
            soak.percentile(0.5) / trivial.percentile(0.5),
        ),
        Figure(
            f"{label}, p95",
            soak.percentile(0.95),
            "ms",
            trivial.percentile(0.95),
            f"trivial view p95, {CLIENTS} clients",
            soak.percentile(0.95) / trivial.percentile(0.95),
        ),
    ]
