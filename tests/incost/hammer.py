"""A worker process that takes limiter slots for one token as fast as it can (test_limiter)."""

import time

from incost_portal.incost.limiter import CallLimiter


def hammer(
    redis_url: str,
    fingerprint: str,
    seconds: float,
    windows: tuple[float, float, float],
    limits: tuple[int, int],
) -> list[float]:
    """Take every slot the limiter gives for `seconds`; the times at which calls could be made."""
    minute, day, margin = windows
    limiter = CallLimiter(
        redis_url=redis_url,
        minute_seconds=minute,
        day_seconds=day,
        margin_seconds=margin,
        incost_per_minute=limits[0],
        incost_per_day=limits[1],
    )
    stamps: list[float] = []
    end = time.time() + seconds
    while (left := end - time.time()) > 0:
        if limiter.acquire("upload", fingerprint, timeout=left).granted:
            stamps.append(time.time())
    return stamps


def sip(
    redis_url: str, fingerprint: str, calls: int, windows: tuple[float, float, float], limits: tuple[int, int]
):
    """A few calls on another token, none allowed to wait: (granted, seconds each took)."""
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
        started = time.monotonic()
        granted = limiter.try_acquire("job_status", fingerprint).granted
        results.append((granted, time.monotonic() - started))
        time.sleep(0.02)
    return results
