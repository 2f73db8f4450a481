"""A worker process that takes limiter slots for one token as fast as it can (test_limiter)."""

import time

from incost_portal.incost.limiter import CallLimiter


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
) -> list[tuple[bool, bool]]:
    """A few calls on another token, none allowed to wait: (granted, whether the hot token was held
    back at that moment) for each."""
    minute, day, margin = windows
    limiter = CallLimiter(
        redis_url=redis_url,
        minute_seconds=minute,
        day_seconds=day,
        margin_seconds=margin,
        incost_per_minute=limits[0],
        incost_per_day=limits[1],
    )
    results = []
    for _ in range(calls):
        granted = limiter.try_acquire("job_status", fingerprint).granted
        results.append((granted, limiter.peek("upload", hot_fingerprint).wait_seconds > 0))
        time.sleep(0.02)  # spread over the hammering, not a wait for anything
    return results
