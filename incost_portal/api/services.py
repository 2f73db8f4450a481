"""API keys: created (shown once), found by a presented key, refused, revoked; each in the audit trail.

A key reads `icp_` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored, with its
first 12 characters as a visible prefix that finds the row before the hash is compared in constant
time. A refused use (revoked key, read-only key writing, too many calls) is written to the network's
audit trail at most once a minute per key and reason, so a misbehaving script cannot flood it.
"""

import datetime
import functools
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incost_portal.api.models import ApiKey, Scope
from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.networks.models import Network

logger = logging.getLogger(__name__)

KEY_PREFIX = "icp_"
PREFIX_LENGTH = 12
# last_used_at is written at most this often per key: not a database write on every call.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class KeyRefused(Exception):
    """A presented key that does not open the API: `reason` is safe to show and to log."""

    def __init__(self, reason: str, *, key: ApiKey | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key: shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, network: Network, name: str, scope: str = Scope.WRITE, user: Any | None) -> NewKey:
    name = name.strip()
    if not name:
        raise ValueError("Give the key a name, e.g. the system that will use it.")
    if scope not in Scope.values:
        raise ValueError(f"Unknown scope {scope!r}: use write or read.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            network=network,
            name=name[:100],
            scope=scope,
            prefix=secret[:PREFIX_LENGTH],
            key_hash=_hash(secret),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        audit_record(
            network=network,
            actor=user,
            action=Action.API_KEY_CREATED,
            target=f"API key {key.name}",
            detail={"prefix": key.prefix, "scope": key.scope},
        )
    return NewKey(key=key, secret=secret)


def api_key_revoke(*, key: ApiKey, user: Any | None) -> ApiKey:
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.revoked_by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        key.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            network=key.network,
            actor=user,
            action=Action.API_KEY_REVOKED,
            target=f"API key {key.name}",
            detail={"prefix": key.prefix},
        )
    return key


def api_key_authenticate(secret: str) -> ApiKey:
    """The active key `secret` is, with its network loaded; KeyRefused otherwise."""
    secret = (secret or "").strip()
    if not secret.startswith(KEY_PREFIX) or len(secret) < PREFIX_LENGTH + 8:
        raise KeyRefused("This is not a portal API key (they start with icp_).")
    key = ApiKey.objects.select_related("network").filter(prefix=secret[:PREFIX_LENGTH]).first()
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        raise KeyRefused("Unknown API key.")
    if key.revoked_at is not None:
        api_key_refusal_note(key, "revoked")
        raise KeyRefused("This API key was revoked.", key=key)
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_key_refusal_note(key: ApiKey, reason: str, *, detail: dict[str, Any] | None = None) -> None:
    """Write a refused use to the audit trail, once a minute per key and reason at most."""
    try:
        first = _redis().set(f"api:refused:{key.pk}:{reason}", "1", nx=True, ex=60)
    except redis.RedisError:
        first = True  # without Redis, better a repeated line than a missing one
    if first:
        audit_record(
            network=key.network,
            actor=None,
            action=Action.API_KEY_REFUSED,
            target=f"API key {key.name}",
            detail={"prefix": key.prefix, "reason": reason, **(detail or {})},
        )


@functools.cache
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _redis() -> redis.Redis:
    return _redis_for(settings.REDIS_URL)


def api_key_rate_take(key: ApiKey, *, now: float | None = None) -> int:
    """Count one call against the key's minute; 0 when it may go on, else the seconds to wait.

    A fixed one-minute window in Redis, shared by every web process. Without Redis the call goes
    through: the API stays usable, and AppsFlyer's own budget is kept by the limiter regardless."""
    limit = settings.API_KEY_CALLS_PER_MINUTE
    if limit <= 0:
        return 0
    now = timezone.now().timestamp() if now is None else now
    window = int(now // 60)
    name = f"api:rate:{key.pk}:{window}"
    try:
        pipe = _redis().pipeline()
        pipe.incr(name)
        pipe.expire(name, 120)
        count = pipe.execute()[0]
    except redis.RedisError:
        logger.warning("API rate limit not counted: Redis does not answer")
        return 0
    if count <= limit:
        return 0
    return max(1, int((window + 1) * 60 - now) + 1)
