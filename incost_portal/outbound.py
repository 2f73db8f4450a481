"""The outbound address guard: every HTTP call to an address a network configured goes through here.

A webhook URL (and later a source's report URL) is typed by a user, so it could point the portal at
itself, at the machines beside it or at the cloud's metadata service. `fetch` refuses loopback,
private, link-local, multicast, reserved and metadata addresses after DNS resolution and again on
every redirect (it follows them itself, checking each hop), and connects to the very address it
checked, so a DNS answer that changes between the check and the call (rebinding) cannot swap it.
Addresses inside OUTBOUND_ALLOWED_NETWORKS (comma-separated CIDRs, empty by default) are let
through: a test's local receiver, a company's own relay. Answers are cut at `max_bytes` and the
whole call, redirects included, at `timeout` seconds.
"""

import ipaddress
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services: link-local or unique-local already, named so the message says so.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024


class OutboundRefused(Exception):
    """The URL or an address it leads to is not one the portal may call."""


class OutboundError(Exception):
    """The call could not be made or its answer not read (connection, TLS, timeout, size)."""


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes
    url: str  # the last hop's, after redirects
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def allowed_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", ())))


def address_refusal(address: Address, allowed: Iterable[Network] = ()) -> str:
    """Why the portal must not call this address ("" when it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == net.version and address in net for net in allowed):
        return ""
    checks = (
        (address in METADATA_ADDRESSES, "a cloud metadata address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for hit, reason in checks if hit), "")


def _resolve(host: str, port: int) -> list[Address]:
    """Every address the name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OutboundError(f"{host} cannot be resolved ({error}).") from None
    found: list[Address] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise OutboundError(f"{host} resolves to no address.")
    return found


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    address: Address


def check_url(url: str) -> _Target:
    """Parse and resolve a URL, refusing it unless every address its name has may be called."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise OutboundRefused(f"{url!r} is not a valid URL ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("Only http:// and https:// URLs can be called.")
    if not parts.hostname:
        raise OutboundRefused("The URL has no host name.")
    if parts.username or parts.password:
        raise OutboundRefused("Put credentials in a header, not in the URL.")
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    allowed = allowed_networks()
    for address in addresses:
        reason = address_refusal(address, allowed)
        if reason:
            raise OutboundRefused(
                f"{host} resolves to {address}, {reason}: the portal does not call it "
                "(OUTBOUND_ALLOWED_NETWORKS lets chosen networks through)."
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(parts.scheme, host, port, path, addresses[0])


def _pool(target: _Target, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    # Connect to the checked address; TLS still checks the certificate against the host name.
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            str(target.address),
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(
        str(target.address), target.port, timeout=timeout, retries=False, maxsize=1
    )


def _read(response: urllib3.BaseHTTPResponse, *, max_bytes: int, deadline: float, host: str) -> bytes:
    # Messages name the host only: a URL's path or query may carry a secret (Slack's do).
    body = bytearray()
    for chunk in response.stream(CHUNK_BYTES):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise OutboundError(f"The answer of {host} is larger than {max_bytes} bytes.")
        if time.monotonic() > deadline:
            raise OutboundError(f"{host} took too long to answer.")
    return bytes(body)


# The only headers a redirect to another host keeps: they describe the request, not who sends it.
HEADERS_KEPT_ACROSS_HOSTS = frozenset(
    {"accept", "accept-encoding", "user-agent", "content-type", "content-length"}
)


def fetch(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
    max_bytes: int = 1_000_000,
    max_redirects: int = MAX_REDIRECTS,
) -> OutboundResponse:
    """Call `url` through the guard and return its answer (any status; redirects followed).

    Raises OutboundRefused for an address the portal must not call (on any hop), OutboundError
    when the call fails, takes longer than `timeout` in all, or answers more than `max_bytes`.
    """
    deadline = time.monotonic() + timeout
    method = method.upper()
    sent = dict(headers or {})
    for _ in range(max_redirects + 1):
        target = check_url(url)
        left = deadline - time.monotonic()
        if left <= 0:
            raise OutboundError(f"{target.host} took too long to answer.")
        pool = _pool(target, urllib3.Timeout(connect=min(left, 5.0), read=left))
        default_port = 443 if target.scheme == "https" else 80
        host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
        if ":" in target.host:
            host_header = f"[{target.host}]" + ("" if target.port == default_port else f":{target.port}")
        try:
            response = pool.urlopen(
                method,
                target.path,
                body=body,
                headers={**sent, "Host": host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                content = _read(response, max_bytes=max_bytes, deadline=deadline, host=target.host)
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as error:
            raise OutboundError(f"{target.host} could not be reached: {type(error).__name__}.") from None
        finally:
            pool.close()
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location:
            answer = {name.lower(): value for name, value in response.headers.items()}
            return OutboundResponse(status=response.status, body=content, url=url, headers=answer)
        next_url = urljoin(url, location)
        if urlsplit(next_url).hostname != target.host:
            # Whatever the caller sent was meant for that host: a report's own key header
            # (X-Api-Key, a token in any name) must not follow a redirect to another one.
            sent = {k: v for k, v in sent.items() if k.lower() in HEADERS_KEPT_ACROSS_HOSTS}
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
            sent = {k: v for k, v in sent.items() if k.lower() not in ("content-type", "content-length")}
        url = next_url
    raise OutboundError(f"More than {max_redirects} redirects.")
