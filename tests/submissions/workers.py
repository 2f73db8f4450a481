"""Real RQ worker processes for the sending tests, on the test database and the test Redis."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

# Sending with the spec's waits shortened, so a test sees minutes of AppsFlyer life in seconds.
FAST_SENDING = {
    "INCOST_POLL_DELAY_SECONDS": "1",
    "INCOST_POLL_INTERVAL_SECONDS": "1",
    "INCOST_POLL_MAX_INTERVAL_SECONDS": "2",
    "INCOST_RETRY_RATE_LIMIT_SECONDS": "2",
    "INCOST_RETRY_SERVER_ISSUE_SECONDS": "1",
    "INCOST_RETRY_ERROR_PROCESSING_SECONDS": "1",
    "INCOST_RETRY_BACKOFF_SECONDS": "1",
    "INCOST_RETRY_MAX_BACKOFF_SECONDS": "2",
    "INCOST_MAX_UPLOAD_ATTEMPTS": "50",
    "INCOST_LIMITER_WAIT_SECONDS": "2",
    "INCOST_READ_TIMEOUT": "5",
    "SUBMISSION_LEASE_SECONDS": "8",
    "DISPATCH_INTERVAL_SECONDS": "2",
    "DISPATCH_REQUEUE_AFTER_SECONDS": "3",
}


def test_database_url() -> str:
    """The URL of the database this test runs on, for processes the test starts."""
    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"


def worker_env(redis_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(FAST_SENDING)
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": redis_url or settings.REDIS_URL,
            "SECRET_KEY": settings.SECRET_KEY,
            "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def _descendants(pid: int) -> list[int]:
    """Child processes, and theirs, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Workers:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start_cron(self) -> None:
        """RQ cron, as `make run` runs it: the dispatcher every DISPATCH_INTERVAL_SECONDS."""
        log = (self.log_dir / "cron.log").open("ab")
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "rqcron", "incost_portal.cron"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self, count: int = 1) -> None:
        for _ in range(count):
            log = (self.log_dir / f"worker-{len(self.processes)}.log").open("ab")
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "rqworker", "--with-scheduler", "incost", "default"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def revive(self) -> int:
        """Start a new worker for each that exited, as a process supervisor would; returns how many."""
        dead = [process for process in self.processes if process.poll() is not None]
        self.processes = [process for process in self.processes if process.poll() is None]
        self.start(len(dead))
        return len(dead)

    def kill_all(self) -> None:
        """SIGKILL the workers and their work horses: what a crash or an OOM kill does.

        RQ runs each job in a forked "work horse" in a session of its own, so killing the
        worker's process group would leave the horse finishing the send.
        """
        for process in self.processes:
            for pid in [*_descendants(process.pid), process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait(10)
        self.processes = []

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.processes = []

    def logs(self) -> str:
        logs = sorted(self.log_dir.glob("worker-*.log")) + sorted(self.log_dir.glob("cron.log"))
        return "\n".join(path.read_text(errors="replace")[-4000:] for path in logs)


@contextmanager
def workers_running(log_dir: Path, count: int = 2, *, cron: bool = False, **env: str) -> Iterator[Workers]:
    workers = Workers(worker_env(**env), log_dir)
    workers.start(count)
    if cron:
        workers.start_cron()
    try:
        yield workers
    finally:
        workers.stop()
