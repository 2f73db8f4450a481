"""Where a secret could end up, and a search for any 12-character piece of it."""

import contextlib
import json
import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import redis
from django.db import connection

WINDOW = 12


def pieces_found(secret: str, haystack: str, window: int = WINDOW) -> list[str]:
    """Every place in `haystack` holding `window` or more characters of `secret` in a row.

    Any window of the secret covers one whole block of window/2 characters starting at a multiple
    of window/2: find those blocks (str.find is fast), then see how far each hit matches around it.
    """
    step = window // 2
    found: list[str] = []
    for start in range(0, len(secret) - step + 1, step):
        block = secret[start : start + step]
        at = haystack.find(block)
        while at != -1:
            left = 0
            while left < start and at - left > 0 and haystack[at - left - 1] == secret[start - left - 1]:
                left += 1
            right = 0
            while (
                start + step + right < len(secret)
                and at + step + right < len(haystack)
                and haystack[at + step + right] == secret[start + step + right]
            ):
                right += 1
            if left + step + right >= window:
                found.append(haystack[max(0, at - left - 20) : at + step + right + 20])
                break
            at = haystack.find(block, at + 1)
    return found


def text_of(value: Any) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


class LogCapture(logging.Handler):
    """Every record of every logger, at DEBUG, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def every_log_at_debug() -> Iterator[LogCapture]:
    capture = LogCapture()
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for name in ("requests", "urllib3", "django.db.backends", "rq", "incost_portal"):
        loggers.append(logging.getLogger(name))
    levels = {logger: (logger.level, logger.disabled) for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    root.addHandler(capture)
    # SQL with its parameters is logged only with a debug cursor.
    connection.force_debug_cursor = True
    try:
        yield capture
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(capture)
        for logger, (level, disabled) in levels.items():
            logger.setLevel(level)
            logger.disabled = disabled


def redis_dump(url: str) -> Iterator[tuple[str, str]]:
    """(key, text) for every key of the Redis database: strings, hashes (RQ jobs, their pickled and
    compressed data opened), lists, sets and sorted sets (RQ registries)."""
    client = redis.Redis.from_url(url)
    for raw_key in client.scan_iter(count=1000):
        key = raw_key.decode("latin-1")
        kind = client.type(raw_key).decode()
        values: list[Any] = []
        if kind == "string":
            values = [client.get(raw_key)]
        elif kind == "hash":
            for field, value in client.hgetall(raw_key).items():
                values += [field, value]
                if field == b"data":
                    with contextlib.suppress(zlib.error):
                        values.append(zlib.decompress(value))
        elif kind == "list":
            values = client.lrange(raw_key, 0, -1)
        elif kind == "set":
            values = list(client.smembers(raw_key))
        elif kind == "zset":
            values = [member for member, _ in client.zrange(raw_key, 0, -1, withscores=True)]
        elif kind == "stream":
            for entry_id, fields in client.xrange(raw_key):
                values += [entry_id, *(part for pair in fields.items() for part in pair)]
        yield key, key + " " + " ".join(text_of(value) for value in values)


def database_dump() -> Iterator[tuple[str, str]]:
    """(table, text) for every row of every table, read with a raw cursor."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the schema
            for row in cursor.fetchall():
                yield table, " ".join(text_of(value) for value in row)


class EchoHandler(BaseHTTPRequestHandler):
    """A broken gateway in front of AppsFlyer: a 500 whose body repeats the Authorization header."""

    def _answer(self) -> None:
        auth = self.headers.get("Authorization", "")
        plain = self.path.startswith("/text/")
        if plain:
            # Plain text with the header far in, so that any cut of the body cuts the token too.
            body = ("gateway error; " * 30 + f"request headers: Authorization: {auth}").encode()
        else:
            error = {"error": {"error_message": f"Upstream refused Authorization: {auth} (echoed by proxy)"}}
            body = json.dumps(error).encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/plain" if plain else "application/json")
        self.send_header("X-Echo-Authorization", auth)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the gateway's own log is not the portal's


@contextmanager
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
