"""The API's one error shape: `{"error": {"code": "...", "message": "..."}}` with the right status.

Codes are stable words a script can branch on; messages are for people and name the problem."""

from typing import Any

from ninja.errors import HttpError


class ApiError(HttpError):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.code = code
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"No such {what} in this network.")


def rate_limited(wait_seconds: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"Too many calls with this key this minute; try again in {wait_seconds} s.",
        headers={"Retry-After": str(wait_seconds)},
    )
