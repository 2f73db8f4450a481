"""The API's tests speak to a live server over real HTTP, with real portal keys."""

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from incost_portal.api.models import Scope
from incost_portal.api.services import api_key_create
from tests.cast import Cast


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
