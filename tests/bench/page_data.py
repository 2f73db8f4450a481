"""`python -m tests.bench.page_data COST_ROWS SUBMISSIONS`: fill the (fresh, migrated) database of
DATABASE_URL for the page-load bench and print one JSON object (network code, login, counts).

One network with 20 apps in several time zones, its media sources, an admin and an ops member,
an API token, COST_ROWS cost rows over 90 days, and SUBMISSIONS jobs (most applied) with 1-3
groups and a few timeline events each. The big tables are written with COPY (PostgreSQL only).
"""

import datetime
import hashlib
import io
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

USERNAME = "bench-ops"
PASSWORD = "bench-pages-password"  # a throwaway database's
# Most jobs end Applied; a few fail, wait or are on their way, as on a busy network.
STATES = (
    ("applied", 0.90),
    ("failed", 0.04),
    ("needs_retry", 0.02),
    ("planned", 0.01),
    ("queued", 0.01),
    ("submitted", 0.01),
    ("polling", 0.005),
    ("sending", 0.005),
)
TRIGGERS = ("schedule", "schedule", "schedule", "manual", "backfill", "resend")


def _text(value: object) -> str:
    """One value in COPY's text format (NULL as \\N)."""
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    from django.db import connection

    count = 0
    buffer = io.StringIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            buffer.write("\t".join(_text(value) for value in row))
            buffer.write("\n")
            count += 1
            if count % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def _network() -> tuple[Any, dict[str, Any], Any]:
    from incost_portal.networks.models import Role
    from incost_portal.networks.services import (
        api_token_set,
        app_create,
        media_source_create,
        membership_set,
        network_create,
        user_ensure,
    )
    from tests.bench.cost_data import MEDIA_SOURCES, bench_apps

    network = network_create(name="Bench Pages", slug="bench-pages")
    for name in MEDIA_SOURCES:
        media_source_create(network=network, name=name)
    apps = {
        app.app_id: app_create(
            network=network, app_id=app.app_id, time_zone=app.time_zone, currency=app.currency
        )
        for app in bench_apps()
    }
    admin = user_ensure(username="bench-admin", email="admin@bench.example", password=PASSWORD)
    membership_set(network=network, user=admin, role=Role.ADMIN)
    ops = user_ensure(username=USERNAME, email="ops@bench.example", password=PASSWORD)
    membership_set(network=network, user=ops, role=Role.OPS)
    # With a token the dashboard also reads today's calls from Redis, as in production.
    api_token_set(network=network, plaintext="bench-" + "x" * 720, user=admin)
    return network, apps, ops


def _cost_rows(network: Any, apps: dict[str, Any], count: int) -> int:
    from incost_portal.costs.models import CostRow
    from tests.bench.cost_data import DAYS, HEADER, _rows, bench_apps

    now = datetime.datetime.now(datetime.UTC).isoformat()
    granularity = "adset_id,adset_name,geo,clicks,impressions"
    index = {name: i for i, name in enumerate(HEADER)}
    columns = (
        "network_id", "app_id", "date", "media_source", "af_prt", "campaign_id", "campaign_name",
        "adset_id", "adset_name", "ad_id", "ad_name", "site_id", "geo", "channel", "keywords",
        "currency", "spend", "clicks", "impressions", "granularity", "upload_id", "updated_at",
    )  # fmt: skip

    def rows() -> Iterable[Sequence[object]]:
        for values in _rows(count, apps=bench_apps(), days=DAYS):
            yield (
                network.pk, apps[values[index["app_id"]]].pk, values[index["date"]],
                values[index["media_source"]], "", values[index["campaign_id"]],
                values[index["campaign_name"]], values[index["adset_id"]], values[index["adset_name"]],
                "", "", "", values[index["geo"]], "", "", values[index["currency"]],
                values[index["spend"]] or "0", values[index["clicks"]], values[index["impressions"]],
                granularity, None, now,
            )  # fmt: skip

    return _copy(CostRow._meta.db_table, columns, rows())


def _submissions(network: Any, apps: dict[str, Any], user: Any, count: int) -> dict[str, int]:
    from django.db import connection

    from incost_portal.submissions.models import Submission, SubmissionEvent, SubmissionGroup
    from tests.bench.cost_data import DAYS, MEDIA_SOURCES

    rng = random.Random(11)
    now = datetime.datetime.now(datetime.UTC)
    today = now.date()
    app_list = list(apps.values())
    states = [state for state, _ in STATES]
    weights = [weight for _, weight in STATES]
    body = b'[{"campaign":"bench"}]'
    payload = "\\x" + body.hex()  # bytea's hex input (_text escapes its backslash for COPY)
    jobs: list[tuple[int, int, datetime.date, datetime.date, str, datetime.datetime]] = []

    def submission_rows() -> Iterable[Sequence[object]]:
        for pk in range(1, count + 1):
            app = app_list[rng.randrange(len(app_list))]
            # Spread evenly over the 90 days, the oldest first, so ids grow with created_at.
            created = now - datetime.timedelta(seconds=(count - pk) * DAYS * 86_400 / count + rng.random())
            state = rng.choices(states, weights)[0]
            date_to = min(created.date(), today) - datetime.timedelta(days=rng.randrange(0, 3))
            date_from = date_to - datetime.timedelta(days=rng.randrange(0, 3))
            finished = created + datetime.timedelta(minutes=rng.randint(2, 30))
            terminal = state in ("applied", "failed")
            jobs.append((pk, app.pk, date_from, date_to, state, created))
            yield (
                pk, uuid.uuid4(), network.pk, app.pk, state, rng.choice(TRIGGERS),
                user.pk if rng.random() < 0.2 else None, payload, "", len(body),
                hashlib.sha256(str(pk).encode()).hexdigest(),
                rng.randint(10_000, 990_000), rng.randint(50, 5000), app.currency,
                "adset_id,adset_name,geo,clicks,impressions", date_from, date_to,
                f"{rng.random() * 10_000:.5f}", f"job-{pk}" if state not in ("planned", "queued") else "",
                f"{rng.uniform(60, 100):.2f}" if state == "applied" else None,
                "ic201" if state == "failed" else "", "Bench failure." if state == "failed" else "",
                1, 1 if terminal else 0, finished, None, created,
                created + datetime.timedelta(seconds=5), finished if terminal else None, finished,
            )  # fmt: skip

    columns = (
        "id", "code", "network_id", "app_id", "state", "trigger", "created_by_id", "payload",
        "payload_codec", "payload_stored_bytes", "payload_sha256", "payload_bytes", "row_count",
        "currency", "granularity", "date_from", "date_to", "spend_total", "job_id",
        "matched_records_percentage", "error_code", "error_message",
        "upload_attempts", "status_polls", "due_at", "claimed_at", "created_at", "submitted_at",
        "finished_at", "updated_at",
    )  # fmt: skip
    made = _copy(Submission._meta.db_table, columns, submission_rows())

    def group_rows() -> Iterable[Sequence[object]]:
        for pk, app_id, date_from, date_to, _, _ in jobs:
            days = (date_to - date_from).days + 1
            for n in range(rng.randint(1, 3)):
                day = date_from + datetime.timedelta(days=n % days)
                yield (
                    pk, network.pk, app_id, day, MEDIA_SOURCES[n % len(MEDIA_SOURCES)],
                    hashlib.sha256(f"{pk}:{n}".encode()).hexdigest(), rng.randint(10, 2000),
                    f"{rng.random() * 5000:.5f}",
                )  # fmt: skip

    groups = _copy(
        SubmissionGroup._meta.db_table,
        (
            "submission_id",
            "network_id",
            "app_id",
            "date",
            "media_source",
            "content_hash",
            "row_count",
            "spend",
        ),
        group_rows(),
    )

    def event_rows() -> Iterable[Sequence[object]]:
        for pk, _, _, _, state, created in jobs:
            yield pk, "queued", created, True, None, "", "", None
            yield (
                pk,
                "upload",
                created + datetime.timedelta(seconds=5),
                True,
                200,
                "",
                "",
                rng.randint(80, 900),
            )
            if state in ("applied", "failed"):
                at = created + datetime.timedelta(minutes=3)
                yield pk, "status", at, True, 200, "", "", rng.randint(30, 300)
                yield pk, state, at, state == "applied", None, "", "", None

    events = _copy(
        SubmissionEvent._meta.db_table,
        ("submission_id", "kind", "at", "ok", "http_status", "code", "message", "duration_ms"),
        event_rows(),
    )
    with connection.cursor() as cursor:
        table = Submission._meta.db_table
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [count])
    return {"submissions": made, "groups": groups, "events": events}


def _applied_groups(network: Any) -> int:
    """What AppsFlyer last applied of each group, as sending records it when a request is Applied."""
    from django.db import connection

    from incost_portal.costs.models import CostGroupApplied
    from incost_portal.submissions.models import Submission, SubmissionGroup

    applied, groups = CostGroupApplied._meta.db_table, SubmissionGroup._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {applied} (network_id, app_id, date, media_source, currency, spend, row_count, "  # noqa: S608
            "request_id, request_created_at) "
            "SELECT DISTINCT ON (g.app_id, g.date, g.media_source, s.currency) g.network_id, g.app_id, "
            "g.date, g.media_source, s.currency, g.spend, g.row_count, s.id, s.created_at "
            f"FROM {groups} g JOIN {Submission._meta.db_table} s ON s.id = g.submission_id "
            "WHERE s.network_id = %s AND s.state = %s "
            "ORDER BY g.app_id, g.date, g.media_source, s.currency, s.created_at DESC, s.id DESC",
            [network.pk, "applied"],
        )
        return cursor.rowcount


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.page_settings")
    import django

    django.setup()
    from django.db import connection

    from incost_portal.costs.row_store import group_totals_refresh

    cost_rows, submissions = int(sys.argv[1]), int(sys.argv[2])
    start = time.perf_counter()
    network, apps, user = _network()
    stored = _cost_rows(network, apps, cost_rows)
    counts = _submissions(network, apps, user, submissions)
    counts["applied_groups"] = _applied_groups(network)
    # The groups' totals and their Applied state, as the row store and sending keep them.
    group_totals_refresh(network_id=network.pk)
    # As autovacuum would have left a database this size: statistics and the visibility map.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    out = {
        "network": str(network.code),
        "username": USERNAME,
        "password": PASSWORD,
        "cost_rows": stored,
        **counts,
        "seconds": time.perf_counter() - start,
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
