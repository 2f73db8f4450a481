"""Page-load figures: the dashboard, costs (90-day chart) and jobs pages served by gunicorn from a
PostgreSQL database of 1,000,000 cost rows and 100,000 jobs, each read and rendered afresh.

Each page's server time per request is measured against a trivial login-protected view on the
same server in the same run: 20 closed-loop clients keep the server's cores busy, so a request's
cost is the inverse of the throughput, and a page's figure is the trivial view's throughput over
the page's. The same for a poll of an unchanged jobs list (`HX-Request` and `If-None-Match`: a 304
with no render). Then each page's p95 under the 20 clients, the SQL queries each costs (counted
with the test client in the bench database), and a 60 s soak of 50 clients over the three pages."""

import contextlib
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import requests

from incost_portal.runtime.redis_server import embedded_redis_start, free_port, redis_answers
from tests.bench import BenchContext, Figure, benchmark
from tests.bench.page_load import LoadResult, load, login
from tests.bench.serving import gunicorn_serving

ROOT = Path(__file__).resolve().parents[2]
FULL_ROWS, FULL_SUBMISSIONS = 1_000_000, 100_000
CLIENTS, SOAK_CLIENTS = 20, 50
RUN_SECONDS, SOAK_SECONDS, WARM_SECONDS = 15.0, 60.0, 5.0
# Each page's time is cut into rounds, each beside a round of the trivial view: the machine's other
# work (2 shared cores) drifts over a run, and a ratio of neighbours cancels the drift.
ROUNDS = 5
# 2 cores: 3 processes (one can wait on PostgreSQL while two compute) of 4 threads each.
WORKERS, THREADS = 3, 4
# A page at most 10 times the trivial view's server time, an unchanged poll at most twice.
PAGE_RATIO_GOAL, POLL_RATIO_GOAL, P95_GOAL_MS = 10.0, 2.0, 300.0
SETTINGS = "tests.bench.page_settings"


@contextlib.contextmanager
def _database(context: BenchContext, rows: int, submissions: int) -> Iterator[tuple[str, dict[str, object]]]:
    """A migrated database beside DATABASE_URL's, filled for the bench; its URL and what page_data
    printed. Dropped afterwards, unless --keep: then kept, with what page_data printed as the
    database's comment, and reused by the next --keep run of the same size on the same day (the
    cost rows span the 90 days before the day they were built); migrations are applied anyway."""
    import psycopg

    config = dj_database_url.parse(context.database_url)
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }

    def admin(sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with psycopg.connect(**server, autocommit=True) as connection:
            cursor = connection.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    # Named after DATABASE_URL's database, so that runs against different databases never meet.
    name = f"{config['NAME']}_pages"
    url = context.database_url.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
    wanted = {
        "rows": rows,
        "submissions": submissions,
        "built": datetime.datetime.now(datetime.UTC).date().isoformat(),
    }
    kept = admin("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,))
    data: dict[str, object] | None = None
    if context.keep and kept and kept[0][0]:
        previous = json.loads(str(kept[0][0]))
        if all(previous.get(key) == value for key, value in wanted.items()):
            data = previous
            print(f"[bench] pages: reusing the database {name} built today", file=sys.stderr, flush=True)
    if data is None:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin(f"CREATE DATABASE {name}")
    try:
        subprocess.run(
            [context.python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        if data is None:
            data = json.loads(_run(context, env, "tests.bench.page_data", str(rows), str(submissions)))
            if context.keep:
                comment = json.dumps({**data, **wanted}).replace("'", "''")
                admin(f"COMMENT ON DATABASE {name} IS '{comment}'")
        yield url, data
    finally:
        if not context.keep:
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def _redis(context: BenchContext) -> Iterator[str]:
    """REDIS_URL's Redis (only read: today's calls of the token), or an embedded one when none answers."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    if redis_answers(url):
        yield url
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
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "MEDIA_ROOT": str(context.workdir / "media"),
    }
    with gunicorn_serving(
        context, env=env, log_name="pages-gunicorn.log", workers=WORKERS, threads=THREADS
    ) as port:
        yield port


def _skipped(reason: str) -> list[Figure]:
    names = [f"{page}: server time per request" for page in ("dashboard", "costs", "jobs")]
    names += ["jobs poll, unchanged (304): server time per request"]
    names += [f"{page}: p95, {CLIENTS} clients" for page in ("dashboard", "costs", "jobs")]
    return [Figure(name, None, "", note=reason) for name in names]


@benchmark("pages")
def page_figures(context: BenchContext) -> list[Figure]:
    if not context.database_url:
        return _skipped(
            "skipped: set DATABASE_URL to a PostgreSQL server (a bench database is made beside it)"
        )
    rows = context.rows
    submissions = max(1000, round(FULL_SUBMISSIONS * rows / FULL_ROWS))
    with _database(context, rows, submissions) as (url, data):
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
        queries = json.loads(
            _run(context, env, "tests.bench.page_queries", data["network"], data["username"])
        )
        with _redis(context) as redis_url, _server(context, url, redis_url) as port:
            return _measure(port, data, queries, rows, submissions)


def _run(context: BenchContext, env: dict[str, str], module: str, *args: str) -> str:
    """The last line a bench module printed (its JSON), run in the bench database."""
    done = subprocess.run(
        [context.python, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"{module} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def _pages(data: dict[str, object]) -> dict[str, str]:
    network = data["network"]
    return {"dashboard": f"/n/{network}/", "costs": f"/n/{network}/costs/", "jobs": f"/n/{network}/jobs/"}


def _poll_etag(base: str, sessionid: str, path: str) -> str:
    """The ETag of the jobs list's live partial, as the page's htmx poll receives it."""
    answer = requests.get(
        base + path, headers={"HX-Request": "true"}, cookies={"sessionid": sessionid}, timeout=30
    )
    if answer.status_code != 200 or not answer.headers.get("ETag"):
        raise RuntimeError(f"the jobs poll gave {answer.status_code} without an ETag")
    return answer.headers["ETag"]


def _measure(
    port: int, data: dict[str, object], queries: dict[str, int], rows: int, submissions: int
) -> list[Figure]:
    host, base = "127.0.0.1", f"http://127.0.0.1:{port}"
    pages = _pages(data)
    sessions = [login(base, str(data["username"]), str(data["password"])) for _ in range(SOAK_CLIENTS)]
    clients = sessions[:CLIENTS]
    run = {"host": host, "port": port, "sessions": clients, "seconds": RUN_SECONDS}
    # Warm up: every worker process and thread connects to PostgreSQL, imports, fills caches.
    warm = load(**{**run, "seconds": WARM_SECONDS}, paths=[*pages.values(), "/bench/trivial/"])
    if warm.errors():
        raise RuntimeError(
            f"{warm.errors()} errors while warming up: {[s.status for s in warm.samples][:20]}"
        )
    round_run = {**run, "seconds": RUN_SECONDS / ROUNDS}
    poll_headers = {"HX-Request": "true", "If-None-Match": _poll_etag(base, clients[0], pages["jobs"])}
    targets: dict[str, dict[str, object]] = {name: {"paths": [path]} for name, path in pages.items()}
    targets["jobs poll, unchanged (304)"] = {
        "paths": [pages["jobs"]],
        "headers": poll_headers,
        "expected": 304,
    }
    measured: dict[str, tuple[list[LoadResult], list[LoadResult]]] = {name: ([], []) for name in targets}
    for _ in range(ROUNDS):
        for name, target in targets.items():
            measured[name][0].append(load(**round_run, paths=["/bench/trivial/"]))
            measured[name][1].append(load(**round_run, **target))  # type: ignore[arg-type]
    trivial = _joined([result for beside, _ in measured.values() for result in beside])
    goals = {name: POLL_RATIO_GOAL if name.endswith("(304)") else PAGE_RATIO_GOAL for name in targets}
    figures = [_ratio(name, *measured[name], queries[name], goals[name]) for name in targets]
    figures += [_p95(name, _joined(measured[name][1]), trivial) for name in pages]
    soak = load(**{**run, "sessions": sessions, "seconds": SOAK_SECONDS}, paths=list(pages.values()))
    figures.append(_soak(soak, list(pages)))
    scale = (
        f"{data['cost_rows']:,} cost rows, {data['submissions']:,} jobs ({data['groups']:,} groups, "
        f"{data['events']:,} events), built in {data['seconds']:.0f} s"
    )
    if rows != FULL_ROWS:
        scale += f"; --rows {rows:,}: jobs scaled to {submissions:,} (the issue's sizes are 1M and 100k)"
    figures[0].note = (
        f"{scale}. gunicorn {WORKERS} workers x {THREADS} threads on 127.0.0.1, DEBUG off; "
        f"{CLIENTS} closed-loop clients (keep-alive, own session each), {RUN_SECONDS:.0f} s a page "
        f"in {ROUNDS} rounds, each beside a round of the trivial view, after {WARM_SECONDS:.0f} s of "
        f"warm-up. Server time per request = the cores' time / requests served, so a page's ratio is "
        f"the trivial view's throughput over the page's (the median of its rounds). Trivial view: "
        f"{trivial.throughput():.0f} req/s, p50 {trivial.percentile(0.5):.1f} ms, "
        f"p95 {trivial.percentile(0.95):.1f} ms, {queries['trivial']} queries (session and user)"
    )
    return figures


def _joined(results: list[LoadResult]) -> LoadResult:
    """Rounds of one target as one result (their samples and seconds together)."""
    return LoadResult(
        [sample for result in results for sample in result.samples],
        sum(result.seconds for result in results),
        results[0].expected,
    )


def _ratio(
    name: str, besides: list[LoadResult], rounds: list[LoadResult], queries: int, goal: float
) -> Figure:
    """Server time per request (ms of the server's cores) against the trivial view's: the median of
    the rounds' ratios, each to the trivial view's round just before it."""
    cores = os.cpu_count() or 1
    ratio = statistics.median(b.throughput() / r.throughput() for b, r in zip(besides, rounds, strict=True))
    result, trivial = _joined(rounds), _joined(besides)
    errors = result.errors()
    return Figure(
        f"{name}: server time per request",
        1000 * cores / result.throughput(),
        "ms",
        1000 * cores / trivial.throughput(),
        "trivial view",
        ratio,
        f"<= {goal:.0f}x",
        ratio <= goal and not errors and bool(result.samples),
        note=(
            f"{result.throughput():.1f} req/s, {queries} queries"
            + (f", {errors} errors of {len(result.samples):,} requests" if errors else "")
        ),
    )


def _p95(name: str, result: LoadResult, trivial: LoadResult) -> Figure:
    p95 = result.percentile(0.95)
    return Figure(
        f"{name}: p95, {CLIENTS} clients",
        p95,
        "ms",
        trivial.percentile(0.95),
        "trivial view p95",
        p95 / trivial.percentile(0.95),
        f"< {P95_GOAL_MS:.0f} ms",
        p95 < P95_GOAL_MS and not result.errors(),
        note=f"p50 {result.percentile(0.5):.1f} ms",
    )


def _soak(soak: LoadResult, names: list[str]) -> Figure:
    total, errors = len(soak.samples), soak.errors()
    per_page = "; ".join(
        f"{name} p50 {soak.percentile(0.5, i):.0f} / p95 {soak.percentile(0.95, i):.0f} ms "
        f"({len(soak.of(i)):,} req, {soak.errors(i)} errors)"
        for i, name in enumerate(names)
    )
    return Figure(
        f"soak: {SOAK_CLIENTS} clients, {SOAK_SECONDS:.0f} s, 3 pages, errors",
        errors,
        "errors",
        goal="0",
        passed=errors == 0 and total > 0,
        note=(
            f"{total:,} requests, {soak.throughput():.1f} req/s, p50 {soak.percentile(0.5):.0f} ms, "
            f"p95 {soak.percentile(0.95):.0f} ms; {per_page}"
        ),
    )
