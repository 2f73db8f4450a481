"""The one HTTP client for AppsFlyer's InCost API, and for the sandbox: only the base URL differs.

    client = InCostClient(base_url=network.incost_base_url, token=plaintext, limiter=limiter_default())
    accepted = client.upload(app_id="id888123456", body=b'[{...}]')
    status = client.job_status(app_id="id888123456", job_id=accepted.job_id)
    page = client.app_list(limit=1000, offset=0)

Every failure is an InCostError (see incost.answers) saying whether retrying can help. With a
limiter, every call first takes a slot in the token's shared budget; when none comes within
`limiter_wait_seconds` the call is not sent and InCostError("ic111", http_status=None) says
when to try again. Job status and app list (reads) are tried again up to `read_attempts` times
after a timeout, a dropped connection or a 5xx; an upload never is, because the caller's
Submission row must know about every attempt.

The token is never logged, never in an exception and never in a repr.
"""

import json
import logging
import time
from typing import Any
from urllib.parse import quote, urljoin

import redis
import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from incost_portal.incost import answers
from incost_portal.incost.answers import AppListPage, InCostError, JobStatus, UploadAccepted
from incost_portal.incost.limiter import APP_LIST, JOB_STATUS, UPLOAD, CallLimiter, retry_after
from incost_portal.incost.redaction import TokenRedactor
from incost_portal.networks import token_vault

logger = logging.getLogger(__name__)

READ_BACKOFF_SECONDS = 0.5


class InCostClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        fingerprint: str = "",
        limiter: CallLimiter | None = None,
        limiter_wait_seconds: float = 0.0,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        read_attempts: int = 2,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.__token = token
        self.__redactor = TokenRedactor(token)
        # The limiter's key: the stored ApiToken.fingerprint, or the same HMAC computed here.
        self.fingerprint = fingerprint or token_vault.fingerprint(token)
        self.limiter = limiter
        self.limiter_wait_seconds = limiter_wait_seconds
        self.timeout = (
            connect_timeout or settings.INCOST_CONNECT_TIMEOUT,
            read_timeout or settings.INCOST_READ_TIMEOUT,
        )
        self.read_attempts = max(1, read_attempts)
        self.session = session or self._session()

    @staticmethod
    def _session() -> requests.Session:
        session = requests.Session()
        # No retries below us: each attempt must pass the limiter, and uploads are never repeated.
        adapter = HTTPAdapter(max_retries=0, pool_maxsize=4)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        return session

    def __repr__(self) -> str:
        return f"<InCostClient {self.base_url} token {self.fingerprint[:12]}>"

    def close(self) -> None:
        self.session.close()

    def upload(self, *, app_id: str, body: bytes) -> UploadAccepted:
        """Send one request's rows (a JSON array, already packed) and get the job id back."""
        path = f"incost-uploader/v1/data/app/{quote(app_id, safe='')}"
        response_body = self._call(UPLOAD, "POST", path, data=body, attempts=1)
        return answers.upload_accepted(response_body)

    def job_status(self, *, app_id: str, job_id: str) -> JobStatus:
        """A job's status; "Validation error" and "Error processing data" are results, not errors."""
        path = f"incost-jobstatus/v1/data/app/{quote(app_id, safe='')}/job/{quote(job_id, safe='')}"
        return answers.job_status(self._call(JOB_STATUS, "GET", path))

    def app_list(self, *, limit: int = 1000, offset: int = 0) -> AppListPage:
        """One page of the apps that enabled cost from this network (the app permission list)."""
        params = {"capabilities": "cost", "limit": str(limit), "offset": str(offset)}
        return answers.app_list_page(self._call(APP_LIST, "GET", "mng/apps", params=params))

    def _call(self, kind: str, method: str, path: str, *, attempts: int | None = None, **kwargs: Any) -> Any:
        attempts = attempts or self.read_attempts
        for attempt in range(1, attempts + 1):
            try:
                return self._send(kind, method, path, **kwargs)
            except InCostError as error:
                # Not ic300 (a 500 too): the spec asks for 10 minutes, which is the caller's wait.
                transient = error.code in ("timeout", "connection") or error.code.startswith("http_5")
                if attempt == attempts or not transient:
                    raise
                time.sleep(READ_BACKOFF_SECONDS * attempt)
        raise AssertionError("unreachable")

    def _take_slot(self, kind: str) -> None:
        if self.limiter is None:
            return
        try:
            budget = self.limiter.acquire(kind, self.fingerprint, timeout=self.limiter_wait_seconds)
        except redis.RedisError:
            # Without the shared count, a call could break the token's limits: wait for Redis.
            raise InCostError(
                "limiter_unavailable",
                "The rate limiter (Redis) cannot be reached; nothing was sent.",
                retryable=True,
                retry_after_seconds=30,
            ) from None
        if not budget.granted:
            raise InCostError(
                "ic111",
                "The token's call budget is spent for now (shared limiter); nothing was sent.",
                retryable=True,
                retry_after_seconds=retry_after(budget),
            )

    def _send(self, kind: str, method: str, path: str, **kwargs: Any) -> Any:
        self._take_slot(kind)
        url = urljoin(self.base_url, path)
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                headers={"Authorization": f"Bearer {self.__token}"},
                timeout=self.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.Timeout as exc:
            logger.warning("InCost %s %s timed out", method, path)
            raise InCostError(
                "timeout", f"No answer in time ({type(exc).__name__}).", retryable=True
            ) from None
        except requests.RequestException as exc:
            logger.warning("InCost %s %s failed: %s", method, path, type(exc).__name__)
            raise InCostError(
                "connection", f"The connection failed ({type(exc).__name__}).", retryable=True
            ) from None
        logger.info(
            "InCost %s %s -> %s in %.0f ms",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1e3,
        )
        body = self._body(response, self.__redactor)
        if response.status_code != 200:
            raise self._scrubbed(
                answers.error_from_body(
                    body,
                    http_status=response.status_code,
                    retry_after_header=response.headers.get("Retry-After"),
                )
            )
        return body

    @staticmethod
    def _body(response: requests.Response, redactor: TokenRedactor) -> Any:
        """The answer's JSON (a bare JSON string too), else its text (a proxy's error page).

        A gateway that echoes the request must not carry the token, or any piece of it, into
        messages, rows or logs: every string is redacted once decoded (JSON escapes undone) and
        before any cut (a cut piece would no longer be found whole).
        """
        raw = response.content
        try:
            body = json.loads(raw)  # bytes: UTF-8, -16 or -32 detected, as requests' .json() does
        except ValueError:
            return redactor.text(raw.decode("utf-8", errors="replace"))[:2000]  # a page: enough to quote
        return redactor.value(body)

    def _scrubbed(self, error: InCostError) -> InCostError:
        # The body was redacted already; a message built from it is redacted again for safety.
        error.message = self.__redactor.text(error.message)
        error.args = (error.code, error.message)
        return error
