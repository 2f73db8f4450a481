"""`python -m tests.bench.call_rate OUT.json`: RQ workers sending to the sandbox with a shortened
minute, measured from the sandbox's own call log. Run by tests/bench/sending.py in a fresh process
(its own SQLite database, its own Redis), never against a user's data."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOW = 20.0  # the shortened "minute": short enough for a bench, long enough for the workers here
PER_WINDOW = 150
WORKERS = 4
SOURCES = ("benchads_int", "benchvideo_int")
SETTINGS = {
    "INCOST_LIMITER_MINUTE_SECONDS": str(WINDOW),
    # The margin scaled with the window, as 1 s is to AppsFlyer's 60.
    "INCOST_LIMITER_MARGIN_SECONDS": str(WINDOW / 60),
    "INCOST_LIMITER_WAIT_SECONDS": str(WINDOW),
    "INCOST_CALLS_PER_DAY": "100000",
    "INCOST_POLL_DELAY_SECONDS": "0",
    "INCOST_POLL_INTERVAL_SECONDS": "1",
    "INCOST_MAX_REQUEST_BYTES": "1024",  # one group (5 rows) a request: many calls
    "DISPATCH_REQUEUE_AFTER_SECONDS": "5",
}


def windows(times: list[float], width: float) -> tuple[list[int], int]:
    """Calls in consecutive full windows from the first call, and in the busiest sliding window."""
    start, end = times[0], times[-1]
    full = int((end - start) // width)
    counts = [sum(1 for t in times if start + i * width <= t < start + (i + 1) * width) for i in range(full)]
    busiest, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - width:
            j += 1
        busiest = max(busiest, i - j + 1)
    return counts, busiest


def main(out: Path) -> None:
    os.environ.update(SETTINGS)
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from incost_portal.runtime.redis_server import embedded_redis_start, free_port

    port = free_port()
    redis_server = embedded_redis_start(port, Path(tempfile.mkdtemp(prefix="bench-redis-")))
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incost_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.sandbox.running import sandbox_running

    workdir = Path(os.environ["VAR_DIR"])
    config = {"minute_seconds": WINDOW, "in_progress_seconds": 0.0}
    workers: list[subprocess.Popen[bytes]] = []
    try:
        with sandbox_running(workdir, **config) as sandbox:
            sandbox.configure(incost_per_minute=PER_WINDOW, incost_per_day=100_000)
            partner, token = sandbox.partner(media_sources=SOURCES)
            network = _network(sandbox.api_url, token)
            from incost_portal.submissions.services.planning import send_plan_create

            plan = send_plan_create(network=network)
            env = {**os.environ}
            for n in range(WORKERS):
                log = (workdir / f"bench-worker-{n}.log").open("ab")
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "manage.py", "rqworker", "incost", "--with-scheduler"],
                        cwd=root,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            _settle(deadline=time.monotonic() + 600)
            calls = sandbox.get("/sandbox/calls", partner=partner)["calls"]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(5)
        redis_server.terminate()
    times = sorted(call["at"] for call in calls if call["counted"])
    counts, busiest = windows(times, WINDOW)
    steady = counts[1:-1] or counts  # the first window starts mid-burst, the last may run dry
    out.write_text(
        json.dumps(
            {
                "calls": len(times),
                "refused": sum(1 for call in calls if not call["counted"]),
                "requests": plan.requests,
                "workers": WORKERS,
                "window_seconds": WINDOW,
                "allowed_per_window": PER_WINDOW,
                "full_windows": len(counts),
                "mean_window_calls": sum(steady) / len(steady),
                "max_window_calls": busiest,
            }
        )
    )


def _network(api_url: str, token: str):  # type: ignore[no-untyped-def]
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from incost_portal.costs.models import CostRow
    from incost_portal.networks.models import App
    from incost_portal.networks.services import api_token_set, app_create, media_source_create, network_create

    network = network_create(name="Bench", slug=f"bench-{int(time.time())}", api_base_url=api_url)
    for source in SOURCES:
        media_source_create(network=network, name=source)
    api_token_set(network=network, plaintext=token, user=None)
    apps = [
        app_create(network=network, app_id=app_id, is_test_app=True)
        for app_id in ("id888123456", "com.cost.app")
    ]
    today = timezone.now().date()
    rows = [
        CostRow(network=network, app=app, date=today - dt.timedelta(days=back), media_source=source,
                campaign_id=f"c{n}", campaign_name=f"campaign_{n}", currency="USD", spend=Decimal("1.5"),
                updated_at=timezone.now())
        for app in apps for back in range(0, 90) for source in SOURCES for n in range(5)
    ]  # fmt: skip
    CostRow.objects.bulk_create(rows)
    App.objects.filter(network=network).update(enabled=True, send_cost=True)
    return network


def _settle(deadline: float) -> None:
    from incost_portal.submissions.models import State, Submission
    from incost_portal.submissions.services.dispatch import submissions_dispatch_due

    while time.monotonic() < deadline:
        submissions_dispatch_due()
        if not Submission.objects.exclude(state__in=[State.APPLIED, State.FAILED]).exists():
            return
        time.sleep(1)
    raise SystemExit("the bench's submissions did not settle in time")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
