"""Real RQ worker processes for the sending tests, on the test database and the test Redis."""

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]

# Sending with the spec's waits shortened, so a test sees minutes of AppsFlyer life in seconds.
FAST_SENDING = {
    "INCOST_POLL_DELAY_SECONDS": "1",
    "INCOST_POLL_INTERVAL_SECONDS": "1",
    "INCOST_POLL_MAX_INTERVAL_SECONDS": "2",
    "INCOST_RETRY_RATE_LIMIT_SECONDS": "1",
    "INCOST_RETRY_SERVER_ISSUE_SECONDS": "1",
    "INCOST_RETRY_ERROR_PROCESSING_SECONDS": "1",
    "INCOST_RETRY_BACKOFF_SECONDS": "1",
    "INCOST_RETRY_MAX_BACKOFF_SECONDS": "2",
    "INCOST_MAX_UPLOAD_ATTEMPTS": "50",
    "INCOST_LIMITER_WAIT_SECONDS": "2",
    "INCOST_READ_TIMEOUT": "5",
    "SUBMISSION_LEASE_SECONDS": "8",
    "DISPATCH_INTERVAL_SECONDS": "1",
    "DISPATCH_REQUEUE_AFTER_SECONDS": "2",
}
# AppsFlyer's "minute" shortened, for a test that makes more than 150 calls in a real one; the
# sandbox's minute must be set to the same (`minute_seconds`).
SHORT_MINUTE = {"INCOST_LIMITER_MINUTE_SECONDS": "2", "INCOST_LIMITER_MARGIN_SECONDS": "0.5"}
SHORT_MINUTE_SECONDS = 2.0
# Every wait zero: a retry or a poll is queued at once, never scheduled. After a SIGKILL the dead
# worker's RQ scheduler lock outlives it by a minute, so scheduled work would only move through the
# dispatcher's grace period; the kill trials are about the sends, and go this way much faster.
NO_WAITS = {
    "INCOST_POLL_DELAY_SECONDS": "0",
    "INCOST_POLL_INTERVAL_SECONDS": "0",
    "INCOST_RETRY_RATE_LIMIT_SECONDS": "0",
    "INCOST_RETRY_SERVER_ISSUE_SECONDS": "0",
    "INCOST_RETRY_ERROR_PROCESSING_SECONDS": "0",
    "INCOST_RETRY_BACKOFF_SECONDS": "0",
}


def as_settings(env: dict[str, str]) -> dict[str, int | float]:
    """The same values as Django settings, for this process (plans, the dispatcher)."""
    return {name: int(value) if value.isdigit() else float(value) for name, value in env.items()}


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


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie does not): workers are not our children, so read /proc."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class Workers:
    """RQ worker processes, forked by tests/submissions/worker_forks.py, and RQ cron."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.pids: list[int] = []
        self.cron: subprocess.Popen[bytes] | None = None
        self.forks = subprocess.Popen(
            [sys.executable, "-m", "tests.submissions.worker_forks"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(log_dir / "forks.log").open("ab"),
            start_new_session=True,
        )
        self.started = 0

    def start_cron(self) -> None:
        """RQ cron, as `make run` runs it: the dispatcher every DISPATCH_INTERVAL_SECONDS."""
        log = (self.log_dir / "cron.log").open("ab")
        self.cron = subprocess.Popen(
            [sys.executable, "manage.py", "rqcron", "incost_portal.cron"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, count: int = 1) -> None:
        assert self.forks.stdin is not None and self.forks.stdout is not None
        for _ in range(count):
            self.forks.stdin.write(f"{self.log_dir / f'worker-{self.started}.log'}\n".encode())
            self.forks.stdin.flush()
            line = self.forks.stdout.readline()
            assert line.strip().isdigit(), (self.log_dir / "forks.log").read_text(errors="replace")
            self.pids.append(int(line))
            self.started += 1

    def revive(self) -> int:
        """Start a new worker for each that exited, as a process supervisor would; returns how many."""
        dead = [pid for pid in self.pids if not _alive(pid)]
        self.pids = [pid for pid in self.pids if pid not in dead]
        self.start(len(dead))
        return len(dead)

    def kill_all(self) -> None:
        """SIGKILL the workers and their work horses: what a crash or an OOM kill does.

        RQ runs each job in a forked "work horse" in a session of its own, so killing the
        worker's process group would leave the horse finishing the send.
        """
        for pid in self.pids:
            for process in [*_descendants(pid), pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process, signal.SIGKILL)
        for pid in self.pids:
            wait_for(lambda: not _alive(pid), timeout=10, message=f"worker {pid} outlived SIGKILL")  # noqa: B023
        self.pids = []

    def stop(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
        for pid in self.pids:
            try:
                wait_for(lambda: not _alive(pid), timeout=15)  # noqa: B023
            except AssertionError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        self.pids = []
        for process in (self.cron, self.forks):
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def logs(self) -> str:
        logs = sorted(self.log_dir.glob("worker-*.log")) + sorted(self.log_dir.glob("cron.log"))
        logs.append(self.log_dir / "forks.log")
        return "\n".join(path.read_text(errors="replace")[-4000:] for path in logs if path.exists())


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
