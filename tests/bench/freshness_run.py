"""`python -m tests.bench.freshness_run APPS POLICY OUT.json`: three simulated days of one network
whose every app's cost of the last 7 days changes every hour, sent by the real planner, packer,
limiter and sending services to the sandbox's own server (in this process, over HTTP), all on a
simulated clock (time-machine): the portal's `now`, the limiter's windows and the sandbox's jobs,
windows and dates all read it, so three days run in a minute or two. Run by tests/bench/freshness.py
in a fresh process (its own copy of a migrated SQLite database, its own Redis).

POLICY `fair`: the product as it is (six send times a day, "as fresh as the budget allows": the
freshness tick every FRESHNESS_TICK_MINUTES, the fair share, follow-ups). POLICY `old`: the
behaviour before, as the baseline: two sends a day at 00:00 and 12:00 UTC, every changed group of
the last 7 days planned in app id order, requests beyond the day's budget planned for tomorrow.

Changes: app i changes at minute (5 i) mod 60 of every hour, one row: the group of one of its last
7 days (in turn) gets a new spend, by an upload through the real accept (one upload a minute for the
apps changing then). Steps: the clock stops at every minute where something can happen (changes and
ticks every 5 minutes, status reads 2 minutes after an upload).
"""

import datetime as dt
import io
import json
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)
DAYS = 3
SOURCE = "benchfresh_int"
SETTINGS = {
    "INCOST_LIMITER_WAIT_SECONDS": "0",  # nothing waits in real time: the clock is simulated
    "INCOST_MAX_UPLOAD_ATTEMPTS": "20",
    "LOG_LEVEL": "WARNING",
}


def _app_ids(count: int) -> list[str]:
    return [f"com.benchfresh.app{n:04d}" for n in range(count)]


def _csv(rows: list[tuple[str, dt.date, str]]) -> bytes:
    lines = ["date,app_id,media_source,campaign_id,campaign_name,currency,spend"]
    lines += [f"{day.isoformat()},{app_id},{SOURCE},c1,campaign_1,USD,{spend}" for app_id, day, spend in rows]
    return ("\n".join(lines) + "\n").encode()


def main(apps: int, policy: str, out: Path) -> None:
    os.environ.update(SETTINGS)
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from incost_portal.runtime.redis_server import embedded_redis_start, free_port

    redis_port = free_port()
    redis_server = embedded_redis_start(redis_port, Path(tempfile.mkdtemp(prefix="bench-redis-")))
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incost_portal.settings")
    import django

    django.setup()
    from django.conf import settings

    # RQ's queues in a database of their own: the bench empties it after every step.
    for queue in settings.RQ_QUEUES.values():
        queue["URL"] = f"redis://127.0.0.1:{redis_port}/1"
    try:
        result = _run(apps, policy, Path(os.environ["VAR_DIR"]))
    finally:
        redis_server.terminate()
    out.write_text(json.dumps(result))


def _run(count: int, policy: str, workdir: Path) -> dict[str, Any]:
    import time_machine
    from django.conf import settings

    from incost_portal.costs.services import cost_upload_create
    from incost_portal.incost import limiter as limiter_module
    from incost_portal.networks.models import App, SendSchedule
    from incost_portal.networks.services import api_token_set, media_source_create, network_create
    from incost_portal.runtime.redis_server import free_port
    from incost_portal.sandbox.config import config_set
    from incost_portal.sandbox.server import SandboxServer
    from incost_portal.sandbox.services import app_enable, partner_create
    from incost_portal.sandbox.store import connect, store_init
    from incost_portal.submissions.models import State, Submission, Trigger
    from incost_portal.submissions.services.budget import freshness_run_due
    from incost_portal.submissions.services.planning import send_plan_create
    from incost_portal.submissions.services.schedules import schedules_run_due

    sandbox_db = workdir / f"sandbox-{count}-{policy}.sqlite3"
    store_init(sandbox_db)
    conn = connect(sandbox_db)
    config_set(conn, changes={"in_progress_seconds": 120.0})
    app_ids = _app_ids(count)
    partner = partner_create(conn, name=f"fresh-{count}-{policy}", media_sources=[SOURCE])
    for app_id in app_ids:
        app_enable(conn, partner_name=partner.name, app_id=app_id)
    server = SandboxServer(("127.0.0.1", free_port()), sandbox_db)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api_url = f"http://127.0.0.1:{server.server_address[1]}/api/"

    # The real limiter, on the simulated clock (its seam): windows counted in simulated seconds.
    sim_limiter = limiter_module.CallLimiter(
        redis_url=settings.REDIS_URL,
        minute_seconds=settings.INCOST_LIMITER_MINUTE_SECONDS,
        day_seconds=settings.INCOST_LIMITER_DAY_SECONDS,
        margin_seconds=settings.INCOST_LIMITER_MARGIN_SECONDS,
        clock=time.time,
    )
    limiter_module._limiter = lambda *args: sim_limiter  # type: ignore[assignment]

    changes: dict[str, list[float]] = defaultdict(list)
    calls_per_day: list[int] = []
    refused_per_day: list[int] = []
    real_start = time.monotonic()
    with time_machine.travel(START, tick=False) as traveller:
        network = network_create(name="Fresh bench", slug=f"fresh-{count}-{policy}", api_base_url=api_url)
        media_source_create(network=network, name=SOURCE)
        fingerprint = api_token_set(network=network, plaintext=partner.token, user=None).fingerprint
        App.objects.bulk_create(App(network=network, app_id=app_id, name=app_id) for app_id in app_ids)
        if policy == "old":
            # The schedule the baseline had; driven below as it was (no fair share, no tick).
            SendSchedule.objects.create(network=network, send_times=["00:00", "12:00"], enabled=False)
        today = START.date()
        initial = [(app_id, today - dt.timedelta(days=back), "10") for app_id in app_ids for back in range(7)]
        _put(cost_upload_create, network, initial)
        for app_id in app_ids:
            changes[app_id].append(START.timestamp())

        minutes = DAYS * 24 * 60
        for minute in range(0, minutes + 1):
            if minute % 5 not in (0, 2):
                continue
            now = START + dt.timedelta(minutes=minute)
            traveller.move_to(now)
            if minute and minute % (24 * 60) == 0:
                calls, refused = _sandbox_calls(conn, now.timestamp() - 86_400, now.timestamp())
                calls_per_day.append(calls)
                refused_per_day.append(refused)
            if minute == minutes:
                break
            if minute % 5 == 0 and minute:
                slot = (minute % 60) // 5
                hour = minute // 60
                changing = [app_id for n, app_id in enumerate(app_ids) if n % 12 == slot]
                if changing:
                    day = now.date() - dt.timedelta(days=hour % 7)
                    spend = f"{10 + hour % 89}.{minute % 100:02d}"
                    _put(cost_upload_create, network, [(app_id, day, spend) for app_id in changing])
                    for app_id in changing:
                        changes[app_id].append(now.timestamp())
            if policy == "fair":
                schedules_run_due(now=now)
                if minute % settings.FRESHNESS_TICK_MINUTES == 0:
                    freshness_run_due(now=now)
            elif minute % 720 == 0:
                send_plan_create(
                    network=network, trigger=Trigger.SCHEDULE, now=now, days=settings.INCOST_RESTATEMENT_DAYS
                )
            _work(now, policy, first=minute % 5 == 0, fingerprint=fingerprint)
        end = START + dt.timedelta(minutes=minutes)

    applied = list(
        Submission.objects.filter(network=network, state=State.APPLIED).values_list(
            "app__app_id", "created_at", "job_id"
        )
    )
    finish = dict(conn.execute("SELECT job_id, finish_at FROM job WHERE outcome = 'Applied'").fetchall())
    server.shutdown()
    staleness, unserved, worst_change = _staleness(changes, applied, finish, end.timestamp())
    means = sorted(sum(values) / len(values) for values in staleness.values())
    return {
        "apps": count,
        "policy": policy,
        "calls_per_day": calls_per_day,
        "refused_per_day": refused_per_day,
        "requests": Submission.objects.filter(network=network).count(),
        "changes": sum(len(v) for v in changes.values()),
        "unserved_changes": unserved,
        "mean_minutes": sum(means) / len(means) / 60,
        "worst_app_minutes": means[-1] / 60,
        "best_app_minutes": means[0] / 60,
        "worst_change_minutes": worst_change / 60,
        "real_seconds": time.monotonic() - real_start,
    }


def _put(create: Any, network: Any, rows: list[tuple[str, dt.date, str]]) -> None:
    upload = create(network=network, user=None, file=io.BytesIO(_csv(rows)), name="changes.csv", accept=True)
    if upload.status != upload.Status.ACCEPTED:
        raise SystemExit(f"the bench's cost was not accepted: {upload.status}")


def _work(now: dt.datetime, policy: str, first: bool, fingerprint: str) -> None:
    """What the workers would do by now: start due work (the dispatcher, every 5 minutes here),
    upload, read statuses, and plan the follow-up of every request that ended (what the follow-up
    job does; the baseline had none). Calls the limiter would refuse for the day are not tried (a
    worker would try, be refused and put the work back a minute later: the same outcome, with
    thousands of refusals a simulated hour when the baseline has used up its day)."""
    import django_rq

    from incost_portal.incost.limiter import limiter_default
    from incost_portal.submissions.models import State, Submission
    from incost_portal.submissions.services.dispatch import submissions_dispatch_due
    from incost_portal.submissions.services.planning import follow_up_plan
    from incost_portal.submissions.services.sending import submission_poll, submission_send

    if first:
        submissions_dispatch_due(now=now)
    while True:
        left = limiter_default().day_budget_left(fingerprint)
        due = Submission.objects.filter(due_at__lte=now).order_by("due_at", "pk").values_list("pk", flat=True)
        submitted = list(due.filter(state=State.SUBMITTED)[:left])
        queued = list(due.filter(state=State.QUEUED)[: left - len(submitted)])
        if not (queued or submitted):
            break
        for pk in queued:
            submission_send(submission_id=pk)
        for pk in submitted:
            submission_poll(submission_id=pk)
        if policy == "fair":
            ended = Submission.objects.filter(finished_at=now, pk__in=submitted).values_list("pk", flat=True)
            for pk in list(ended):
                follow_up_plan(submission_id=pk)
    # The jobs the services queued (sends, reads, follow-ups) were run above from the database:
    # RQ's own database (not the limiter's) is emptied.
    django_rq.get_queue("incost").connection.flushdb()


def _sandbox_calls(conn: Any, since: float, until: float) -> tuple[int, int]:
    row = conn.execute(
        "SELECT SUM(counted = 1), SUM(counted = 0) FROM call WHERE bucket = 'incost' AND at >= ? AND at < ?",
        [since, until],
    ).fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def _staleness(
    changes: dict[str, list[float]],
    applied: list[tuple[str, dt.datetime, str]],
    finish: dict[str, float],
    end: float,
) -> tuple[dict[str, list[float]], int, float]:
    """Per app, each change's wait from the portal to Applied at the sandbox: the first Applied
    request planned at or after the change carries it (or newer content). A change not Applied by
    the end counts until the end (a lower bound) and is counted as unserved."""
    served: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for app_id, created_at, job_id in applied:
        if job_id in finish:
            served[app_id].append((created_at.timestamp(), finish[job_id]))
    staleness: dict[str, list[float]] = {}
    unserved, worst = 0, 0.0
    for app_id, times in changes.items():
        requests = sorted(served.get(app_id, []))
        waits = []
        for change in times:
            done = [applied_at for planned, applied_at in requests if planned >= change]
            if done:
                waits.append(min(done) - change)
            else:
                unserved += 1
                waits.append(end - change)
        staleness[app_id] = waits
        worst = max(worst, *waits)
    return staleness, unserved, worst


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
