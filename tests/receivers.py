"""Servers that tests start to receive what the portal sends: an HTTP receiver (webhooks, Slack
lines, outbound calls) and a real SMTP server (aiosmtpd). The `webhook_receiver` and `smtp_server`
fixtures (tests/conftest.py) give each test its own."""

import email
import email.policy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from incost_portal.runtime.redis_server import free_port


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    # Held until this event is set (a slow receiver), when given.
    hold: threading.Event | None = None


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers as told, per path."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: dict[str, Reply | Callable[[Received], Reply]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                got = Received(
                    self.command,
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                with receiver.lock:
                    receiver.requests.append(got)
                    reply = receiver.replies.get(self.path.split("?")[0], Reply())
                if callable(reply):
                    reply = reply(got)
                if reply.hold is not None:
                    reply.hold.wait(10)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, reply: Reply | Callable[[Received], Reply]) -> None:
        with self.lock:
            self.replies[path] = reply

    def received(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path.split("?")[0] == path]


@contextmanager
def receiver_running() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: _Inbox

    @property
    def messages(self) -> list[EmailMessage]:
        with self.inbox.lock:
            return list(self.inbox.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @property
    def settings(self) -> dict[str, Any]:
        """Django's settings for sending through this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    @property
    def env(self) -> dict[str, str]:
        """The same, as environment variables for processes a test starts."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
        }


@contextmanager
def smtp_running() -> Iterator[SmtpServer]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, inbox=inbox)
    finally:
        controller.stop()
