"""The API's tests speak to a live server over real HTTP, with real portal keys."""

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from incost_portal.api.models import Scope
from incost_portal.api.services import api_key_create
from incost_portal.networks.services import app_create, media_source_create, network_create
from tests.api.incost_compat import Compat, Speaker
from tests.cast import Cast
from tests.sandbox.running import Sandbox
from tests.wiring import Wired


@dataclass
class ApiClient:
    """requests against the live server with one key (or none): `api.get("/api/v1/apps")`."""

    base: str
    key: str | None

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return requests.request(method, self.base + path, headers=self.headers(headers), timeout=60, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


@dataclass
class Keys:
    write: ApiClient  # a write key of cast.network
    read: ApiClient  # a read-only key of cast.network
    other: ApiClient  # a write key of cast.other_network
    anonymous: ApiClient  # no key at all


@pytest.fixture
def keys(live_server: Any, cast: Cast) -> Keys:
    def client(network: Any, scope: str) -> ApiClient:
        return ApiClient(
            live_server.url,
            api_key_create(network=network, name=f"{scope} key", scope=scope, user=cast.admin).secret,
        )

    return Keys(
        write=client(cast.network, Scope.WRITE),
        read=client(cast.network, Scope.READ),
        other=client(cast.other_network, Scope.WRITE),
        anonymous=ApiClient(live_server.url, None),
    )


@pytest.fixture
def compat(wired: Wired, sandbox: Sandbox, live_server: Any) -> Compat:
    _, token = sandbox.partner(media_sources=("acme_int", "other_int"))
    other = network_create(name="Other Ads", slug="other-ads")
    app_create(network=other, app_id="com.other.app", name="Other App")
    media_source_create(network=other, name="acme_int")
    base = f"{live_server.url}/incost/"

    def key(network: Any, scope: str) -> Speaker:
        return Speaker(
            base, api_key_create(network=network, name=f"{scope} key", scope=scope, user=None).secret
        )

    return Compat(
        wired=wired,
        sandbox=Speaker(sandbox.api_url, token),
        write=key(wired.network, Scope.WRITE),
        read=key(wired.network, Scope.READ),
        other=key(other, Scope.WRITE),
        anonymous=Speaker(base, None),
    )
