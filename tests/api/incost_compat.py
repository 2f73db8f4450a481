"""The InCost-compatible endpoint's tests speak to a live server over real HTTP, beside the sandbox
(the reference emulator) given the same requests."""

from dataclasses import dataclass
from typing import Any

import requests

from tests.wiring import Wired

UPLOAD = "incost-uploader/v1/data/app/{app}"
STATUS = "incost-jobstatus/v1/data/app/{app}/job/{job}"
APPS = "mng/apps"


@dataclass
class Speaker:
    """One InCost client: a base URL (the sandbox's /api/ or the portal's /incost/) and a token."""

    base: str
    token: str | None

    def call(self, method: str, path: str, data: bytes | None = None, **kwargs: Any) -> requests.Response:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return requests.request(method, self.base + path, data=data, headers=headers, timeout=60, **kwargs)

    def upload(self, app: str, data: bytes) -> requests.Response:
        return self.call("POST", UPLOAD.format(app=app), data)

    def status(self, app: str, job: str) -> requests.Response:
        return self.call("GET", STATUS.format(app=app, job=job))


@dataclass
class Compat:
    wired: Wired
    sandbox: Speaker  # a partner of the sandbox of its own, registered for acme_int and other_int
    write: Speaker  # the portal, with a write key of the wired network
    read: Speaker  # a read-only key of the wired network
    other: Speaker  # a write key of another network (its own app com.other.app)
    anonymous: Speaker


def shape(body: Any) -> Any:
    """What a client parses: the keys of objects (recursively), or the kind of a bare value."""
    if isinstance(body, dict):
        return {name: shape(value) for name, value in body.items() if isinstance(value, dict)} | {
            name: "value" for name, value in body.items() if not isinstance(value, dict)
        }
    return type(body).__name__


def code_of(answer: requests.Response) -> str:
    return answer.json()["error"]["af_error_code"]
