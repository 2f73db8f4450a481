"""Suite-wide set-up: a real Redis for every test session (the machine's, or an embedded one)."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest
from django.conf import settings

from incost_portal.runtime.redis_server import embedded_redis_start, free_port, redis_answers

if TYPE_CHECKING:
    from tests.cast import Cast
    from tests.receivers import Receiver, SmtpServer
    from tests.sandbox.running import Sandbox
    from tests.wiring import Wired


def _xdist_worker_number() -> int:
    """0 without pytest-xdist, else n for its worker "gwn"."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _test_redis_url() -> tuple[str, bool]:
    """REDIS_URL when set, else database 15 of a local Redis; (url, answers).

    Each pytest-xdist worker takes the database below the previous one's (15, 14, 13, ... or from
    REDIS_URL's number down): each FLUSHDB and each queue is its own. When nothing answers, each
    worker starts an embedded Redis of its own anyway.
    """
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    if not redis_answers(url):
        return url, False
    parsed = urlparse(url)
    number = int(parsed.path.strip("/") or 0) - _xdist_worker_number()
    if number < 0:
        raise pytest.UsageError(f"Too many xdist workers for Redis databases from {parsed.path} down.")
    return parsed._replace(path=f"/{number}").geturl(), True


# The longest test of all (minutes), to be started before any other.
LONGEST = "tests/submissions/test_fault_trials.py::"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that start real processes first, the longest first: they wait on workers more than
    they use the CPU, so under pytest-xdist the other workers run everything else meanwhile."""
    items.sort(key=lambda item: (not item.nodeid.startswith(LONGEST), not item.get_closest_marker("slow")))


@pytest.fixture(scope="session", autouse=True)
def redis_url() -> Iterator[str]:
    url, answers = _test_redis_url()
    process = None
    if not answers:
        port = free_port()
        process = embedded_redis_start(port, Path(tempfile.mkdtemp(prefix="incost-redis-")))
        url = f"redis://127.0.0.1:{port}/0"
    # Uploaded files of every test go to a temporary folder, never the project's var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="incost-media-")
    # Fast hashing: the cast's passwords are not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REDIS_URL = url
    for queue in settings.RQ_QUEUES.values():
        queue["URL"] = url
    import redis

    redis.Redis.from_url(url).flushdb()
    try:
        yield url
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator["Sandbox"]:
    """The InCost sandbox as its own process on a free port, for the whole session."""
    from tests.sandbox.running import sandbox_running

    with sandbox_running(tmp_path_factory.mktemp("sandbox")) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_process: "Sandbox") -> Iterator["Sandbox"]:
    """The session's sandbox, with its settings and faults put back after each test."""
    sandbox_process.reset()
    yield sandbox_process
    sandbox_process.reset()


@pytest.fixture
def wired(sandbox: "Sandbox", db: None) -> Iterator["Wired"]:
    """A network with its own sandbox partner and token, the two test apps, and an empty queue."""
    from tests.wiring import incost_queue_empty, wire

    incost_queue_empty()
    yield wire(sandbox)
    incost_queue_empty()


@pytest.fixture
def private_redis_url() -> Iterator[str]:
    """A Redis of this test's own (tests/builders.py): no FLUSHDB of another test session empties
    it, no other worker takes its jobs, and a scan of it sees only what this test put there."""
    from tests.builders import redis_of_its_own

    with redis_of_its_own() as url:
        yield url


@pytest.fixture
def cast(db: None) -> "Cast":
    """The fixed cast (tests/cast.py) for pytest-style tests."""
    from tests.cast import make_cast

    return make_cast()


@pytest.fixture
def webhook_receiver() -> Iterator["Receiver"]:
    """An HTTP server of this test's own on 127.0.0.1 that records what it is sent (tests/receivers.py)."""
    from tests.receivers import receiver_running

    with receiver_running() as receiver:
        yield receiver


@pytest.fixture
def smtp_server() -> Iterator["SmtpServer"]:
    """A real SMTP server (aiosmtpd) of this test's own, collecting every message (tests/receivers.py)."""
    from tests.receivers import smtp_running

    with smtp_running() as server:
        yield server
