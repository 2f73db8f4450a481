"""Bodies are refused by their declared length and credentials before a byte of them is read: a
signed-out gigabyte never reaches /tmp. Over real HTTP: the request sends its headers only, so a
server that tried to read the body would hang instead of answering."""

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client

from incost_portal.api.services import api_key_create
from incost_portal.costs.models import CostUpload
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)
GIGABYTE = 1024**3


def headers_only(live_server: Any, path: str, length: int, cookies: dict[str, str], **headers: str) -> str:
    """POST the headers of a body of `length` bytes, send none of it, return the status line."""
    address = urlsplit(live_server.url)
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {address.netloc}",
        "Content-Type: multipart/form-data; boundary=xyz",
        f"Content-Length: {length}",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = conn.recv(4096).decode(errors="replace")  # a server reading the body would hang here
    return answer.split("\r\n", 1)[0]


def signed_in(client: Client, cast: Cast, *, csrf: bool) -> dict[str, str]:
    client.force_login(cast.ops)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    if csrf:
        cookies[settings.CSRF_COOKIE_NAME] = "x" * 32
    return cookies


def test_a_signed_out_body_over_the_form_size_is_refused_unread(live_server: Any, cast: Cast) -> None:
    for path in ("/accounts/login/", "/accounts/password/reset/", f"/n/{cast.network.code}/costs/upload/"):
        assert " 413 " in headers_only(live_server, path, GIGABYTE, {}), path


def test_a_signed_in_body_without_the_pages_credentials_is_refused_unread(
    live_server: Any, cast: Cast, client: Client
) -> None:
    upload = f"/n/{cast.network.code}/costs/upload/"
    # No CSRF cookie: it could only fail CSRF.
    assert " 403 " in headers_only(live_server, upload, 50 * 1024**2, signed_in(client, cast, csrf=False))
    # Another site's page.
    cookies = signed_in(client, cast, csrf=True)
    assert " 403 " in headers_only(live_server, upload, 50 * 1024**2, cookies, Origin="https://evil.example")
    # Over the largest cost file, whoever sends it.
    over = settings.COST_UPLOAD_MAX_BYTES + 2 * 1024**2
    assert " 413 " in headers_only(live_server, upload, over, cookies, Origin=live_server.url)


def test_a_signed_in_upload_from_the_portals_page_goes_through(
    live_server: Any, cast: Cast, client: Client
) -> None:
    client.force_login(cast.ops)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    page_url = f"{live_server.url}/n/{cast.network.code}/costs/upload/"
    page = session.get(page_url, timeout=10)
    token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    rows = "".join(f"2026-03-10,id123456789,acme_int,c{n},camp,USD,1.5\n" for n in range(3000))
    data = ("date,app_id,media_source,campaign_id,campaign_name,currency,spend\n" + rows).encode()
    assert len(data) > 64 * 1024  # past what a signed-out visitor may send
    answer = session.post(
        page_url,
        data={"csrfmiddlewaretoken": token},
        files={"file": ("cost.csv", data, "text/csv")},
        headers={"Referer": page_url, "Origin": live_server.url},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302 and "/costs/uploads/" in answer.headers["Location"], answer.text[:300]
    assert CostUpload.objects.filter(network=cast.network, original_name="cost.csv").exists()


def test_an_api_body_is_judged_by_its_key_before_a_byte_of_it_is_read(live_server: Any, cast: Cast) -> None:
    secret = api_key_create(network=cast.network, name="etl", user=cast.admin).secret
    costs = "/api/v1/costs"
    assert " 401 " in headers_only(
        live_server, costs, 50 * 1024**2, {}, Authorization="Bearer icp_wrongwrongwrong"
    )
    too_big = headers_only(live_server, costs, GIGABYTE, {}, Authorization=f"Bearer {secret}")
    assert " 413 " in too_big
