"""The sandbox's HTTP server: the standard library's threaded server, one thread per connection.

Plain `http.server` rather than WSGI because the dropped-connection fault needs the socket
itself: the request is processed (an upload makes its job), then the socket is shut without a
byte of answer, as when a proxy or the network fails after AppsFlyer has done the work.
"""

import contextlib
import json
import logging
import socket
import sqlite3
import threading
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from incost_portal.sandbox.api import Answer, Request, incost_answer
from incost_portal.sandbox.control import control_answer
from incost_portal.sandbox.store import connect, store_init

logger = logging.getLogger(__name__)

# Bodies beyond this are not read at all: far past any limit the sandbox is set to.
HARD_BODY_LIMIT = 64 * 1024 * 1024


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], db_path: Path) -> None:
        self.db_path = db_path
        self._local = threading.local()
        super().__init__(address, SandboxHandler)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection to the sandbox file (threads come and go with connections)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.db_path)
        return conn


ALLOWED_METHODS = ("GET", "POST", "PUT", "DELETE")


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a requests.Session expects
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle and delayed ACKs add
        # 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (an unsupported method is its 501, a malformed request 400) in
        JSON, as every other answer: an API client never gets an HTML page."""
        self.close_connection = True  # the body of such a request was never read
        if code == HTTPStatus.NOT_IMPLEMENTED:
            allowed = ", ".join(ALLOWED_METHODS)
            text = f"Method {self.command} is not allowed here; use {allowed}."
            self._send(Answer(HTTPStatus.METHOD_NOT_ALLOWED, {"error": text}, headers={"Allow": allowed}))
            return
        self._send(Answer(code, {"error": message or HTTPStatus(code).phrase}))

    def log_message(self, format: str, *args: Any) -> None:
        # The request line only: headers (the token) are never logged.
        logger.info("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > HARD_BODY_LIMIT:
            self.close_connection = True
            self._send(Answer(413, {"error": {"af_error_code": "ic311", "error_message": "Too large."}}))
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        conn = self.server.connection()
        try:
            answer = incost_answer(conn, request) or control_answer(conn, request)
        except Exception:
            logger.exception("sandbox: %s %s failed", request.method, request.path)
            answer = Answer(500, "Internal server error")
        if answer is None:
            answer = Answer(404, {"error": f"Not found: {request.path}"})
        if answer.drop:
            self._drop()
            return
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        if isinstance(answer.body, bytes):
            payload = answer.body
        else:
            payload = json.dumps(answer.body, default=_json_default).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            if name != "Content-Type":
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def sandbox_serve(*, host: str, port: int, db_path: Path, ready: threading.Event | None = None) -> None:
    """Serve the sandbox until interrupted."""
    store_init(db_path)
    with SandboxServer((host, port), db_path) as server:
        if ready is not None:
            ready.set()
        server.serve_forever()
