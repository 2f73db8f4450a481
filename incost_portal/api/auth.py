"""How an API call proves whose it is: a portal API key as a Bearer token, its scope, its rate."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from incost_portal.api.errors import ApiError, rate_limited
from incost_portal.api.models import ApiKey
from incost_portal.api.services import api_key_authenticate, api_key_rate_take, api_key_refusal_note

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class KeyAuth(HttpBearer):
    openapi_description = "A portal API key of the network, created on Settings → API keys."

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        key = api_key_authenticate(token)
        wait = api_key_rate_take(key)
        if wait:
            api_key_refusal_note(key, "rate limited")
            raise rate_limited(wait)
        if request.method not in SAFE_METHODS and not key.can_write:
            api_key_refusal_note(key, "read-only key tried to write", detail={"path": request.path[:200]})
            raise ApiError(
                403, "forbidden", "This key is read-only: writing needs a key with the write scope."
            )
        request.api_key = key  # type: ignore[attr-defined]
        return key


def key_of(request: HttpRequest) -> ApiKey:
    """The key the request was authenticated with (its network is loaded)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]
