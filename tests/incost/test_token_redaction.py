"""No piece of the token survives an answer that echoes it back transformed: JSON-escaped,
upper-cased or cut short, as a gateway in front of AppsFlyer may do."""

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest
from django.urls import reverse

from incost_portal.incost.answers import InCostError
from incost_portal.incost.client import InCostClient
from incost_portal.incost.redaction import MARK, TokenRedactor
from incost_portal.networks.models import Network
from incost_portal.networks.services import api_token_set
from incost_portal.onboarding import services as onboarding
from incost_portal.onboarding.selectors import onboarding_for
from tests.cast import Cast
from tests.hardening.secrets_scan import pieces_found

TOKEN = "eyJhbGciOiJIUzI1NiJ9." + secrets.token_urlsafe(540) + "-_-" + secrets.token_urlsafe(120)


def escaped(text: str) -> str:
    """Every character as a JSON \\u escape, as some gateways write them."""
    return "".join(f"\\u{ord(char):04x}" for char in text)


def refused(written: str) -> bytes:
    """An error body with the header as the gateway wrote it (escapes left for the JSON parser)."""
    return b'{"error": {"error_message": "refused ' + written.encode() + b'"}}'


# name: how the gateway writes back the Authorization header it got, and its content type.
ECHOES: dict[str, tuple[Callable[[str], bytes], str]] = {
    "dash as \\u002d": (
        lambda auth: refused(auth.replace("-", "\\u002d")),
        "application/json",
    ),
    "every character escaped": (
        lambda auth: refused(escaped(auth)),
        "application/json",
    ),
    "cut to 200, upper-cased": (
        lambda auth: json.dumps({"error": {"error_message": f"refused {auth[:200].upper()}"}}).encode(),
        "application/json",
    ),
    "in a key and a list": (
        lambda auth: json.dumps({"errors": [{"detail": auth[7:307]}], auth[50:90]: 1}).encode(),
        "application/json",
    ),
    "plain text cut to 300": (lambda auth: f"gateway says: {auth[:300]}".encode(), "text/plain"),
}


@contextmanager
def gateway(echo: Callable[[str], bytes], content_type: str) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = echo(self.headers.get("Authorization", ""))
            self.send_response(502)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_redactor_takes_out_every_run_of_twelve_characters() -> None:
    redactor = TokenRedactor(TOKEN)
    for text in (TOKEN, TOKEN.upper(), TOKEN[100:112], f"x{TOKEN[5:400]}y{TOKEN[-20:]}"):
        assert not pieces_found(TOKEN.lower(), redactor.text(text).lower()), text[:20]
        assert MARK in redactor.text(text)
    # Eleven characters are not a piece, and text without the token is left as it is.
    assert redactor.text(TOKEN[100:111]) == TOKEN[100:111]
    assert redactor.text("media_source was not found") == "media_source was not found"
    assert repr(redactor) == "<TokenRedactor>"


@pytest.mark.parametrize("name", list(ECHOES))
def test_an_echoed_token_leaves_no_piece_in_the_error(name: str) -> None:
    echo, content_type = ECHOES[name]
    with gateway(echo, content_type) as base_url:
        client = InCostClient(base_url=base_url, token=TOKEN, limiter=None)
        try:
            with pytest.raises(InCostError) as caught:
                client.upload(app_id="id888123456", body=b"[{}]")
        finally:
            client.close()
    error = caught.value
    for text in (error.message, str(error), repr(error), *map(str, error.args)):
        assert not pieces_found(TOKEN.lower(), text.lower()), (name, text[:120])


@pytest.mark.parametrize("name", list(ECHOES))
def test_a_connection_test_stores_and_shows_no_piece(name: str, cast: Cast, client: Any) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    echo, content_type = ECHOES[name]
    with gateway(echo, content_type) as base_url:
        Network.objects.filter(pk=cast.network.pk).update(api_base_url=base_url)
        network = Network.objects.get(pk=cast.network.pk)
        test = onboarding.connection_test(network=network, user=cast.admin)
    assert not test.ok
    shown = [test.message, *(step.evidence for step in onboarding_for(network=network).steps)]
    client.force_login(cast.reviewer)
    for page in ("onboarding:index", "onboarding:report"):
        answer = client.get(reverse(page, args=[network.code]))
        assert answer.status_code == 200
        shown.append(answer.content.decode())
    for text in shown:
        assert not pieces_found(TOKEN.lower(), text.lower()), (name, text[:120])
