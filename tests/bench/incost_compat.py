"""InCost-compatible endpoint figures: a 1 MB upload to /incost/ answered (key, rate, the portal's
validation of every row, the body kept for a worker, its job queued) against json.loads of the
same body, in-process with Django's test client on a fresh migrated database."""

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url

from tests.bench import BenchContext, Figure, benchmark

ROOT = Path(__file__).resolve().parents[2]
RUNS = 30
GOAL_RATIO = 3.0


@contextlib.contextmanager
def _database(context: BenchContext) -> Iterator[str]:
    """A fresh, migrated database: beside DATABASE_URL's PostgreSQL one, else an SQLite file."""
    if not context.database_url:
        url = f"sqlite:///{context.workdir / 'incost_compat.sqlite3'}"
        _migrate(context, url)
        yield url
        return
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

    # Named after DATABASE_URL's database, so that runs against different databases never meet.
    name = f"{config['NAME']}_incost"
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {name}")
    url = context.database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        _migrate(context, url)
        yield url
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _migrate(context: BenchContext, url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [context.python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )


@benchmark("incost_compat")
def incost_compat_figures(context: BenchContext) -> list[Figure]:
    with _database(context) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "0",
            "API_KEY_CALLS_PER_MINUTE": "0",
            "MEDIA_ROOT": str(context.workdir / "media"),
            "LOG_LEVEL": "WARNING",
        }
        done = subprocess.run(
            [context.python, "-m", "tests.bench.incost_compat"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode:
        raise RuntimeError(f"incost_compat probe failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    ratio = data["answer"] / data["json_loads"]
    return [
        Figure(
            f"InCost-compatible upload of {data['bytes'] / 1e6:.2f} MB ({data['rows']:,} rows) answered",
            data["answer"] * 1000,
            "ms",
            data["json_loads"] * 1000,
            "json.loads",
            ratio,
            f"<= {GOAL_RATIO:g}x",
            ratio <= GOAL_RATIO,
            note=(
                f"fastest of {RUNS} answers (median {data['answer_median'] * 1000:.1f} ms) against "
                f"the fastest of {RUNS} json.loads of the body, same process; {data['database']}"
            ),
        )
    ]


def _timings(function: Any) -> tuple[float, float]:
    values = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function()
        values.append(time.perf_counter() - start)
    values.sort()
    return values[0], values[len(values) // 2]


def main() -> None:
    """In the bench database: a network with the bench app, a key; the answers timed."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incost_portal.settings")
    import django

    django.setup()
    import django_rq
    from django.db import connection
    from django.test import Client

    from incost_portal.api.models import IncostJob
    from incost_portal.api.services import api_key_create
    from incost_portal.networks.services import app_create, media_source_create, network_create
    from tests.bench.cost_data import MEDIA_SOURCES, bench_apps, cost_json_request

    network = network_create(name="Bench Ads", slug="bench-incost")
    for name in MEDIA_SOURCES:
        media_source_create(network=network, name=name)
    app = bench_apps()[0]
    app_create(network=network, app_id=app.app_id, time_zone=app.time_zone, currency=app.currency)
    secret = api_key_create(network=network, name="bench", user=None).secret
    body, rows = cost_json_request()
    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {secret}")
    path = f"/incost/incost-uploader/v1/data/app/{app.app_id}"

    def answer() -> None:
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 200 and "job_id" in response.json(), response.content[:500]

    json_loads, _ = _timings(lambda: json.loads(body))
    answered, median = _timings(answer)
    assert IncostJob.objects.filter(network=network, state=IncostJob.State.RECEIVED).count() == RUNS
    django_rq.get_queue("incost").empty()  # the stores the answers queued are not what is measured
    result = {
        "bytes": len(body),
        "rows": rows,
        "json_loads": json_loads,
        "answer": answered,
        "answer_median": median,
        "database": connection.vendor,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
