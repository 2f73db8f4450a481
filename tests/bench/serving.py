"""The portal served by gunicorn for a bench (DEBUG off), started and stopped around the figures."""

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import requests

from incost_portal.runtime.redis_server import free_port
from tests.bench import BenchContext
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def gunicorn_serving(
    context: BenchContext, *, env: Mapping[str, str], log_name: str, workers: int, threads: int,
    timeout: int = 30,
) -> Iterator[int]:  # fmt: skip
    """gunicorn on a free port with `env` over this process's environment; yields the port once
    /healthz answers (its log in the bench's work directory)."""
    port = free_port()
    log_path = context.workdir / log_name
    log = log_path.open("ab")
    process = subprocess.Popen(
        [
            context.python, "-m", "gunicorn", "incost_portal.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), "--timeout", str(timeout),
            "--error-logfile", "-",
        ],
        cwd=ROOT, env={**os.environ, "DEBUG": "0", "LOG_LEVEL": "WARNING", **env},
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def answers_or_died() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn did not start; see {log_path}")
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
        return False

    try:
        wait_for(answers_or_died, timeout=60, interval=0.3, message=f"gunicorn's log: {log_path}")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()
