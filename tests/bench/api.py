"""API figures: a 1,000,000-row InCost JSON body pushed through `POST /api/v1/costs` against the
upload page's ingest of the same file (upload, then Accept), on one gunicorn server and one
PostgreSQL bench database, in the same run. Each ingest starts from an empty cost table, so both
insert the same rows into the same state; rows/s = rows stored / seconds from the first byte sent
to the last answer."""

import contextlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import requests

from tests.bench import BenchContext, Figure, benchmark
from tests.bench.cost_data import DAYS, HEADER, _rows, bench_apps
from tests.bench.page_load import login
from tests.bench.pages import _redis
from tests.bench.serving import gunicorn_serving

ROOT = Path(__file__).resolve().parents[2]
GOAL = 0.8  # the API's rows/s at least this share of the page's
PASSWORD = "bench-password"  # a throwaway user of a throwaway database
SEED = """
import json
import django
django.setup()
from incost_portal.api.services import api_key_create
from incost_portal.networks.models import Role
from incost_portal.networks.services import membership_set, user_ensure
from tests.bench.probe import _network
network = _network()
user = user_ensure(username="bench-ops", email="bench-ops@example.org", password="PASSWORD")
membership_set(network=network, user=user, role=Role.OPS)
key = api_key_create(network=network, name="bench", user=None).secret
print(json.dumps({"network": str(network.code), "key": key}))
""".replace("PASSWORD", PASSWORD)


def cost_json(path: Path, rows: int) -> Path:
    """The bench's cost rows as one InCost JSON array (spend, clicks, impressions as numbers),
    without the adset columns: a million rows with them are 258 MB, past the 256 MB a cost file
    may be (COST_UPLOAD_MAX_BYTES); without, about 215 MB."""
    numbers = {"spend", "clicks", "impressions"}
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for index, values in enumerate(_rows(rows, apps=bench_apps(), days=DAYS)):
            fields = [
                f'"{name}":{value}' if name in numbers else f'"{name}":{json.dumps(value)}'
                for name, value in zip(HEADER, values, strict=True)
                if name not in ("adset_id", "adset_name")
            ]
            out.write(("," if index else "") + "\n{" + ",".join(fields) + "}")
        out.write("\n]\n")
    return path


@contextlib.contextmanager
def _database(context: BenchContext) -> Iterator[tuple[str, dict[str, object]]]:
    import psycopg

    config = dj_database_url.parse(context.database_url)
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
    }
    name = f"{config['NAME']}_api"

    def admin(sql: str) -> None:
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as connection:
            connection.execute(sql)

    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {name}")
    url = context.database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [context.python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        yield url, {**server, "dbname": name}
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def _server(context: BenchContext, database_url: str, redis_url: str) -> Iterator[str]:
    """gunicorn (DEBUG off), one worker: the two ingests run one after the other."""
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(context.workdir / "api-media"),
    }
    with gunicorn_serving(
        context, env=env, log_name="api-gunicorn.log", workers=1, threads=2, timeout=1800
    ) as port:
        yield f"http://127.0.0.1:{port}"


def _empty(server: dict[str, object]) -> None:
    """No cost stored: each ingest inserts into the same empty state."""
    import psycopg

    with psycopg.connect(**server, autocommit=True) as connection:  # type: ignore[arg-type]
        connection.execute("TRUNCATE costs_costrow, costs_costgrouptotal")


def _page_ingest(base: str, network: str, path: Path) -> float:
    """The upload page: the file posted as a browser would, then Accept on its preview."""
    session = requests.Session()
    session.cookies.set("sessionid", login(base, "bench-ops", PASSWORD))
    form = session.get(f"{base}/n/{network}/costs/upload/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None, form.status_code
    headers = {"Referer": f"{base}/n/{network}/costs/upload/"}
    start = time.perf_counter()
    with open(path, "rb") as stream:
        uploaded = session.post(
            f"{base}/n/{network}/costs/upload/",
            data={"csrfmiddlewaretoken": token.group(1)},
            files={"file": (path.name, stream, "application/json")},
            headers=headers,
            allow_redirects=False,
            timeout=1800,
        )
    assert uploaded.status_code == 302, uploaded.text[:500]
    preview = uploaded.headers["Location"]
    accepted = session.post(
        f"{base}{preview}accept/",
        data={"csrfmiddlewaretoken": token.group(1)},
        headers=headers,
        allow_redirects=False,
        timeout=1800,
    )
    seconds = time.perf_counter() - start
    assert accepted.status_code == 302, accepted.text[:500]
    return seconds


def _api_ingest(base: str, key: str, path: Path) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    with open(path, "rb") as stream:
        answer = requests.post(
            f"{base}/api/v1/costs",
            data=stream,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            timeout=1800,
        )
    seconds = time.perf_counter() - start
    assert answer.status_code == 200, answer.text[:1000]
    return seconds, answer.json()


def _stored(server: dict[str, object]) -> int:
    import psycopg

    with psycopg.connect(**server) as connection:  # type: ignore[arg-type]
        row = connection.execute("SELECT COUNT(*) FROM costs_costrow").fetchone()
    return int(row[0]) if row else 0


@benchmark("api")
def api_figures(context: BenchContext) -> list[Figure]:
    rows = context.rows
    name = f"POST /api/v1/costs, {rows:,}-row JSON: ingest rate"
    if not context.database_url:
        reason = "skipped: set DATABASE_URL to a PostgreSQL server (a bench database is made beside it)"
        return [Figure(name, None, "rows/s", goal=f">= {GOAL}x the upload page", note=reason)]
    path = cost_json(context.workdir / "costs.json", rows)
    size_mb = path.stat().st_size / 1e6
    with _database(context) as (url, server), _redis(context) as redis_url:
        env = {**os.environ, "DATABASE_URL": url}
        seeded = subprocess.run(
            [context.python, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        with _server(context, url, redis_url) as base:
            _empty(server)
            page_seconds = _page_ingest(base, seed["network"], path)
            page_stored = _stored(server)
            _empty(server)
            api_seconds, answer = _api_ingest(base, seed["key"], path)
            api_stored = _stored(server)
    assert page_stored == api_stored == rows, (page_stored, api_stored, rows)
    counts = answer["counts"]
    assert answer["stored"] and counts["errors"] == 0, counts  # type: ignore[index]
    api_rate, page_rate = rows / api_seconds, rows / page_seconds
    ratio = api_rate / page_rate
    return [
        Figure(
            name,
            api_rate,
            "rows/s",
            page_rate,
            "upload page: upload + Accept",
            ratio,
            f">= {GOAL}x",
            ratio >= GOAL,
            note=(
                f"{size_mb:.0f} MB body streamed to the API in {api_seconds:.1f} s (one pass: keep, check, "
                f"store); the page took {page_seconds:.1f} s (its upload checks and keeps a parsed copy, "
                "Accept checks again as it stores); same server, both from an empty cost table"
            ),
        )
    ]
