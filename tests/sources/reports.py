"""A network's reporting server for the sources' tests: real HTTP on a local port, answering each
path as a test sets it (a file with its content type, a status, a redirect, an answer held until
the test lets it go, a required header), and recording every request it was sent."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from incost_portal.runtime.redis_server import free_port

CSV = "text/csv; charset=utf-8"
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Route:
    body: bytes = b""
    content_type: str = CSV
    status: int = 200
    # Answers with these statuses first, one a request, then as above.
    first_statuses: list[int] = field(default_factory=list)
    location: str = ""  # a redirect
    require: dict[str, str] = field(default_factory=dict)  # headers without which it answers 401
    hold: threading.Event | None = None  # the answer waits until the test sets it
    delay: threading.Event | None = None  # waits on it up to delay_seconds (latency), then answers
    delay_seconds: float = 0.0


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class Reports:
    def __init__(self, host: str) -> None:
        self.host = host
        self.port = free_port()
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, self.port), _handler(self))
        self.server.daemon_threads = True

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def set(self, path: str, **route: Any) -> Route:
        self.routes[path] = Route(**route)
        return self.routes[path]

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]


def _handler(reports: Reports) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            with reports._lock:
                reports.seen.append(Seen(parts.path, parse_qs(parts.query), dict(self.headers.items())))
                reports.in_flight += 1
                reports.most_in_flight = max(reports.most_in_flight, reports.in_flight)
            try:
                self._answer(reports.routes.get(parts.path))
            finally:
                with reports._lock:
                    reports.in_flight -= 1

        def _answer(self, route: Route | None) -> None:
            if route is None:
                return self._send(404, b"no such report", "text/plain")
            if route.hold is not None:
                route.hold.wait(60)
            if route.delay is not None:
                route.delay.wait(route.delay_seconds)
            if any(self.headers.get(name) != value for name, value in route.require.items()):
                return self._send(401, b'{"error": "unauthorized"}', JSON)
            if route.first_statuses:
                return self._send(route.first_statuses.pop(0), b"try later", "text/plain")
            if route.location:
                self.send_response(302)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            return self._send(route.status, route.body, route.content_type)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the portal gave up waiting (a timeout test)

    return Handler


@contextmanager
def reports_running(host: str = "127.0.0.1") -> Iterator[Reports]:
    reports = Reports(host)
    thread = threading.Thread(target=reports.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield reports
    finally:
        for route in reports.routes.values():
            if route.hold is not None:
                route.hold.set()
        reports.server.shutdown()
        reports.server.server_close()
