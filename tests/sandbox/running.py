"""The sandbox as its own process on a free port, as `make run` starts it, for tests to talk to."""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from incost_portal.runtime.redis_server import free_port
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
# What the tests start from: jobs that end at once, AppsFlyer's limits and windows. A test that
# looks at a job in progress sets its own in-progress time and moves the clock on (`advance`).
TEST_FLAGS = {"in_progress_seconds": 0.0}


@dataclass
class Sandbox:
    url: str
    db: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def post(self, path: str, data: dict[str, Any]) -> Any:
        response = requests.post(f"{self.url}{path}", json=data, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def get(self, path: str, **params: str) -> Any:
        response = requests.get(f"{self.url}{path}", params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def partner(
        self, *, media_sources: tuple[str, ...] = ("acme_int",), apps: tuple[str, ...] = ()
    ) -> tuple[str, str]:
        """A new partner of its own for one test: (name, token)."""
        name = f"p-{uuid.uuid4().hex[:10]}"
        answer = self.post(
            "/sandbox/partners", {"name": name, "media_sources": list(media_sources), "apps": list(apps)}
        )
        return name, answer["token"]

    def configure(self, **changes: Any) -> dict[str, Any]:
        return self.post("/sandbox/config", changes)

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock on: its windows, job times and dates see `seconds` more pass."""
        offset = self.get("/sandbox/config")["clock_offset_seconds"]
        self.configure(clock_offset_seconds=offset + seconds)

    def reset(self) -> None:
        self.post("/sandbox/config", {"reset": True, **TEST_FLAGS})

    def ledger(self, partner: str) -> dict[str, Any]:
        return self.get("/sandbox/ledger", partner=partner)


def _flags(config: dict[str, Any]) -> list[str]:
    flags: list[str] = []
    for name, value in config.items():
        flags += [f"--{name.replace('_', '-')}", str(value)]
    return flags


@contextmanager
def sandbox_running(directory: Path, *, port: int | None = None, **config: Any) -> Iterator[Sandbox]:
    """Start `manage.py incost_sandbox` and wait until it answers; stop it afterwards."""
    port = port or free_port()
    db, log = directory / "sandbox.sqlite3", directory / f"sandbox-{port}.log"
    command = [sys.executable, "manage.py", "incost_sandbox", "--port", str(port), "--db", str(db)]
    command += _flags({**TEST_FLAGS, **config})
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    sandbox = Sandbox(url=f"http://127.0.0.1:{port}", db=db, process=process, log=log)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"The sandbox did not start:\n{log.read_text()}")
        try:
            return requests.get(f"{sandbox.url}/sandbox/health", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_for(answers, timeout=60, interval=0.02, message=log.read_text)
        yield sandbox
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
