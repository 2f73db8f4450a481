"""The outbound address guard: what a network configures never reaches the portal's own machines."""

import ipaddress
import socket
import threading
from collections.abc import Iterator

import pytest
from django.test import override_settings

from incost_portal import outbound
from tests.receivers import Receiver, Reply

LOCAL_ONLY = override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"])


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Host names of the test's choosing, resolved as a DNS server would answer them; every other
    name resolves as usual."""
    table: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host in table:
            family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield table


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.5", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("100.64.0.1", "not a public address"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_it_refuses_each_kind_of_address(address: str, reason: str) -> None:
    assert reason in outbound.address_refusal(ipaddress.ip_address(address))
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(outbound.OutboundRefused, match=reason):
        outbound.fetch("POST", f"http://{host}:9/hook", body=b"{}", timeout=2)


def test_public_addresses_pass() -> None:
    assert outbound.address_refusal(ipaddress.ip_address("93.184.216.34")) == ""
    assert outbound.address_refusal(ipaddress.ip_address("2606:4700::6810:85e5")) == ""


def test_a_public_looking_name_that_resolves_to_loopback_is_refused(
    names: dict[str, str], webhook_receiver: Receiver
) -> None:
    names["hooks.example.com"] = "127.0.0.1"
    with pytest.raises(
        outbound.OutboundRefused, match=r"hooks.example.com resolves to 127.0.0.1, a loopback"
    ):
        outbound.fetch("POST", f"http://hooks.example.com:{webhook_receiver.port}/hook", body=b"{}")
    with pytest.raises(outbound.OutboundRefused, match="loopback"):
        outbound.fetch("GET", f"http://localhost:{webhook_receiver.port}/hook")
    assert webhook_receiver.received() == []


@LOCAL_ONLY
def test_allowed_networks_let_a_local_receiver_through(webhook_receiver: Receiver) -> None:
    webhook_receiver.answer("/hook", Reply(202, b'{"ok": true}', {"X-Seen": "1"}))
    answer = outbound.fetch(
        "POST", webhook_receiver.url(), headers={"Content-Type": "application/json"}, body=b'{"a": 1}'
    )
    assert (answer.status, answer.body, answer.headers["x-seen"], answer.ok) == (
        202,
        b'{"ok": true}',
        "1",
        True,
    )
    [got] = webhook_receiver.received("/hook")
    assert (got.method, got.body, got.headers["content-type"]) == ("POST", b'{"a": 1}', "application/json")


@LOCAL_ONLY
def test_it_connects_to_the_address_it_checked_and_keeps_the_host_name(
    names: dict[str, str], webhook_receiver: Receiver
) -> None:
    names["hooks.example.com"] = "127.0.0.1"
    outbound.fetch("GET", f"http://hooks.example.com:{webhook_receiver.port}/hook")
    [got] = webhook_receiver.received()
    assert got.headers["host"] == f"hooks.example.com:{webhook_receiver.port}"


@LOCAL_ONLY
def test_a_redirect_to_a_refused_address_is_not_followed(
    names: dict[str, str], webhook_receiver: Receiver
) -> None:
    names["internal.example.com"] = "127.0.0.2"  # loopback, outside the allowed 127.0.0.1/32
    webhook_receiver.answer(
        "/hook", Reply(302, headers={"Location": f"http://internal.example.com:{webhook_receiver.port}/x"})
    )
    with pytest.raises(outbound.OutboundRefused, match=r"internal\.example\.com resolves to 127\.0\.0\.2"):
        outbound.fetch("POST", webhook_receiver.url(), body=b"{}")
    webhook_receiver.answer(
        "/meta", Reply(307, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    with pytest.raises(outbound.OutboundRefused, match="metadata"):
        outbound.fetch("GET", webhook_receiver.url("/meta"))
    assert [r.path for r in webhook_receiver.received()] == ["/hook", "/meta"]


@LOCAL_ONLY
def test_redirects_are_followed_each_hop_checked(webhook_receiver: Receiver) -> None:
    webhook_receiver.answer("/a", Reply(307, headers={"Location": "/b"}))
    webhook_receiver.answer("/b", Reply(302, headers={"Location": webhook_receiver.url("/c")}))
    webhook_receiver.answer("/c", Reply(200, b"done"))
    answer = outbound.fetch(
        "POST", webhook_receiver.url("/a"), body=b"payload", headers={"Authorization": "x"}
    )
    assert (answer.status, answer.body, answer.url) == (200, b"done", webhook_receiver.url("/c"))
    hops = [(r.path, r.method, r.body) for r in webhook_receiver.received()]
    # 307 keeps the method and body; 302 after a POST becomes a GET without one.
    assert hops == [("/a", "POST", b"payload"), ("/b", "POST", b"payload"), ("/c", "GET", b"")]


@LOCAL_ONLY
def test_a_redirect_to_another_host_carries_none_of_the_callers_credentials(
    names: dict[str, str], webhook_receiver: Receiver
) -> None:
    names["reports.example.com"] = names["cdn.example.net"] = "127.0.0.1"
    port = webhook_receiver.port
    webhook_receiver.answer(
        "/report", Reply(302, headers={"Location": f"http://cdn.example.net:{port}/file"})
    )
    webhook_receiver.answer("/file", Reply(200, b"date,spend"))
    secrets = {"Authorization": "Bearer a", "X-Api-Key": "k-123", "Cookie": "s=1", "Accept": "text/csv"}
    answer = outbound.fetch("GET", f"http://reports.example.com:{port}/report", headers=secrets)
    assert answer.body == b"date,spend"
    first, second = webhook_receiver.received()
    assert {"authorization", "x-api-key", "cookie"} <= set(first.headers)
    assert not {"authorization", "x-api-key", "cookie"} & set(second.headers)
    assert second.headers["accept"] == "text/csv"


@LOCAL_ONLY
def test_endless_redirects_end(webhook_receiver: Receiver) -> None:
    webhook_receiver.answer("/loop", Reply(302, headers={"Location": "/loop"}))
    with pytest.raises(outbound.OutboundError, match="redirects"):
        outbound.fetch("GET", webhook_receiver.url("/loop"))


@LOCAL_ONLY
def test_a_large_answer_is_cut(webhook_receiver: Receiver) -> None:
    webhook_receiver.answer("/big", Reply(200, b"x" * 300_000))
    with pytest.raises(outbound.OutboundError, match=r"answer of 127\.0\.0\.1 is larger than 100000 bytes"):
        outbound.fetch("GET", webhook_receiver.url("/big"), max_bytes=100_000)


@LOCAL_ONLY
def test_a_slow_receiver_times_out(webhook_receiver: Receiver) -> None:
    release = threading.Event()
    webhook_receiver.answer("/slow", Reply(200, hold=release))
    try:
        with pytest.raises(outbound.OutboundError, match=r"could not be reached|too long"):
            outbound.fetch("GET", webhook_receiver.url("/slow"), timeout=0.3)
    finally:
        release.set()


def test_bad_urls_get_clear_messages() -> None:
    for url, message in [
        ("ftp://example.com/x", "Only http"),
        ("http:///nohost", "no host"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://example.com:99999/", "not a valid URL"),
    ]:
        with pytest.raises(outbound.OutboundRefused, match=message):
            outbound.fetch("GET", url)
