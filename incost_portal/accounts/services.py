"""Account writes: how often a password reset email may be asked for."""

import hashlib
import logging

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


def password_reset_allowed(*, email: str, client_ip: str | None) -> bool:
    """Count one reset request for this address and this client; False past either limit.

    Fixed windows of PASSWORD_RESET_WINDOW_SECONDS in the shared Redis, so every web process
    counts together; keys hold a hash of the address, never the address. With Redis unreachable
    the request is allowed (a reset email is how a locked-out user gets back in).
    """
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    counters = [(f"incost:pwreset:address:{address}", settings.PASSWORD_RESET_PER_ADDRESS)]
    if client_ip:
        counters.append((f"incost:pwreset:client:{client_ip}", settings.PASSWORD_RESET_PER_CLIENT))
    try:
        connection = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        with connection.pipeline() as pipe:
            for key, _ in counters:
                pipe.incr(key)
                pipe.expire(key, window, nx=True)
            counts = pipe.execute()[::2]
    except redis.RedisError as error:
        logger.warning("Password reset limits not counted (Redis: %s)", type(error).__name__)
        return True
    return all(count <= limit for count, (_, limit) in zip(counts, counters, strict=True))
