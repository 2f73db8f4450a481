"""`make run` end to end: the same command and Procfile, on a temporary database and free ports."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest
import redis
import requests
from rq import Worker

from incost_portal.runtime.redis_server import free_port
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def log_text(log: IO[str]) -> str:
    log.seek(0)
    return log.read()


@pytest.mark.slow
def test_make_run_serves_the_login_page_and_starts_a_worker(tmp_path: Path) -> None:
    web_port, redis_port, sandbox_port = free_port(), free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"  # nothing listens there: an embedded Redis must start
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "VAR_DIR": str(tmp_path),
        "REDIS_URL": redis_url,
        "SANDBOX_PORT": str(sandbox_port),
        "INCOST_BASE_URL": f"http://127.0.0.1:{sandbox_port}/api/",
    }
    log = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "start_portal", "--port", str(web_port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page: requests.Response | None = None
        workers: list[Worker] = []

        def serving_with_a_worker() -> bool:
            nonlocal page, workers
            if process.poll() is not None:
                return True  # it stopped: the assertions below show its output
            try:
                page = requests.get(f"http://127.0.0.1:{web_port}/accounts/login/", timeout=10)
                workers = Worker.all(connection=redis.Redis.from_url(redis_url))
            except (requests.RequestException, redis.RedisError):
                return False
            return page.status_code == 200 and bool(workers)

        wait_for(serving_with_a_worker, timeout=120, interval=0.2, message=lambda: log_text(log))
        log.seek(0)
        output = log.read()
        assert page is not None and page.status_code == 200, output
        assert "Log in" in page.text
        assert workers, f"no RQ worker registered in the embedded Redis\n{output}"
        assert "demo-ops" in output and "incost-demo" in output  # the logins are printed
        assert f"http://127.0.0.1:{web_port}/" in output
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C sends
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    # Ctrl+C stopped everything, the embedded Redis included.
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping()
