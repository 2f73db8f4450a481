"""`Idempotency-Key`: a write retried with the same key returns the first answer, applied once.

The key is claimed by inserting a row (unique per API key) before the write runs, so of two
identical requests at once one runs and the other is told 409; a retry after the first ended gets
its status and body back. The same key with another request (method, path, query, content type or
body) is refused with 422 `idempotency_key_reused`. A write that failed unexpectedly (a 5xx)
releases its key, since nothing of it was applied, so a retry runs it afresh. Rows are kept
IDEMPOTENCY_HOURS and pruned by the hourly storage job."""

import datetime
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from incost_portal.api.errors import ApiError
from incost_portal.api.models import ApiKey, IdempotentRequest

IDEMPOTENCY_HOURS = 24
# A claim still "running" this long after it was made belongs to a process that died mid-request
# (a push of the largest file ends well within it): a retry may take it over.
ABANDONED_AFTER = datetime.timedelta(minutes=30)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any


def request_fingerprint(*, method: str, path: str, query: str, content_type: str, body_sha256: str) -> str:
    """What makes two requests "the same request" for an idempotency key."""
    params = "&".join(sorted(query.split("&"))) if query else ""
    text = "\n".join([method.upper(), path, params, content_type.split(";")[0].strip().lower(), body_sha256])
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_claim(*, api_key: ApiKey, key: str, fingerprint: str) -> IdempotentRequest | Replay:
    """The claim to run this request under `key` (run it, then `idempotency_finish`), or the first
    answer to replay. ApiError 409 while the first request runs, 422 when the key was used for
    another request, 422 for a key that is not 1-255 visible ASCII characters."""
    if not _KEY.match(key):
        raise ApiError(
            422,
            "invalid_request",
            "Idempotency-Key: 1 to 255 visible ASCII characters (a UUID is a good choice).",
        )
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(api_key=api_key, key=key, request_hash=fingerprint)
        except IntegrityError:
            pass
        first = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
        if first is None:
            continue  # released meanwhile: claim it now
        expired = first.created_at < now - datetime.timedelta(hours=IDEMPOTENCY_HOURS)
        abandoned = (
            first.state == IdempotentRequest.State.RUNNING and first.created_at < now - ABANDONED_AFTER
        )
        if expired or abandoned:
            IdempotentRequest.objects.filter(pk=first.pk, created_at=first.created_at).delete()
            continue
        if first.request_hash != fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request in the last 24 hours; use a new key "
                "for a new request.",
            )
        if first.state == IdempotentRequest.State.RUNNING:
            raise ApiError(
                409,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still running; retry when it has ended to get "
                "its answer.",
                headers={"Retry-After": "5"},
            )
        return Replay(status_code=first.status_code or 200, body=first.response)
    raise ApiError(409, "idempotency_key_in_use", "This Idempotency-Key is being claimed; retry.")


def idempotency_finish(*, claim: IdempotentRequest, status_code: int, body: Any) -> None:
    """Keep the answer for retries; a 5xx releases the key instead (nothing was applied)."""
    if status_code >= 500:
        IdempotentRequest.objects.filter(pk=claim.pk).delete()
        return
    IdempotentRequest.objects.filter(pk=claim.pk).update(
        state=IdempotentRequest.State.DONE, status_code=status_code, response=body, finished_at=timezone.now()
    )


def idempotency_release(*, claim: IdempotentRequest) -> None:
    IdempotentRequest.objects.filter(pk=claim.pk).delete()


def idempotent_requests_prune(*, now: datetime.datetime | None = None, batch: int = 1000) -> int:
    """Delete one batch of records older than IDEMPOTENCY_HOURS; how many went."""
    before = (now or timezone.now()) - datetime.timedelta(hours=IDEMPOTENCY_HOURS)
    ids = list(IdempotentRequest.objects.filter(created_at__lt=before).values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    deleted, _ = IdempotentRequest.objects.filter(pk__in=ids).delete()
    return deleted


def idempotent(
    request: HttpRequest, *, api_key: ApiKey, body_sha256: str, run: Callable[[], tuple[int, Any]]
) -> HttpResponse:
    """Run a write under the request's Idempotency-Key header, if it has one: `run` answers
    (status, body) or raises ApiError; either is kept and replayed byte for byte to a retry."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return _json(*run())
    fingerprint = request_fingerprint(
        method=request.method or "",
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        content_type=request.content_type or "",
        body_sha256=body_sha256,
    )
    claim = idempotency_claim(api_key=api_key, key=key.strip(), fingerprint=fingerprint)
    if isinstance(claim, Replay):
        response = JsonResponse(claim.body, status=claim.status_code, safe=False)
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        status, body = run()
    except ApiError as refused:
        idempotency_finish(claim=claim, status_code=refused.status_code, body=refused.body())
        raise
    except BaseException:
        idempotency_release(claim=claim)
        raise
    response = _json(status, body)
    # Kept as sent (dates as the encoder wrote them), so a replay is the same bytes.
    idempotency_finish(claim=claim, status_code=status, body=json.loads(response.content))
    return response


def _json(status: int, body: Any) -> HttpResponse:
    return JsonResponse(body, status=status, encoder=DjangoJSONEncoder, safe=False)
