"""A worker process that takes limiter slots for one token as fast as it can (test_limiter)."""

import time

from incost_portal.incost.limiter import CallLimiter
from tests.waiting import wait_for


def hammer(
    redis_url: str,
    fingerprint: str,
    seconds: float,
    windows: tuple[float, float, float],
    limits: tuple[int, int],
) -> list[tuple[float, float]]:
    """Take every slot the limiter gives for `seconds`: (Redis time of each grant, local time after it)."""
    minute, day, margin = windows
    limiter = CallLimiter(
        redis_url=redis_url,
        minute_seconds=minute,
        day_seconds=day,
        margin_seconds=margin,
        incost_per_minute=limits[0],
        incost_per_day=limits[1],
    )
    stamps: list[tuple[float, float]] = []
    end = time.time() + seconds
    while (left := end - time.time()) > 0:
        budget = limiter.acquire("upload", fingerprint, timeout=left)
        if budget.granted and budget.granted_at is not None:
            stamps.append((budget.granted_at, time.time()))
    return stamps


def sip(
    redis_url: str,
    fingerprint: str,
    calls: int,
    windows: tuple[float, float, float],
    limits: tuple[int, int],
    hot_fingerprint: str,
) -> list[bool]:
    """Calls on another token, each made at a moment the hot token is held back, none allowed to
    wait: whether each was granted. Waits on that condition (a deadline ends a hammering that never
    holds the hot token back), never on the clock."""
    minute, day, margin = windows
    limiter = CallLimiter(
        redis_url=redis_url,
        minute_seconds=minute,
        day_seconds=day,
        margin_seconds=margin,
        incost_per_minute=limits[0],
        incost_per_day=limits[1],
    )
    results: list[bool] = []

    def one_more_while_held_back() -> bool:
        if limiter.peek("upload", hot_fingerprint).wait_seconds > 0:
            results.append(limiter.try_acquire("job_status", fingerprint).granted)
        return len(results) >= calls

    wait_for(one_more_while_held_back, timeout=30, interval=0.01, message="the hot token was never held back")
    return results
