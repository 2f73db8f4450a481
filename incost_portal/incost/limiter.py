"""The InCost rate limiter, shared by every worker process and host through Redis, per token.

AppsFlyer allows a token 150 upload and job-status calls a minute and 1,000 a day, and 20 app-list
calls a minute and 100 a day. Each count is a sliding window held in a Redis sorted set (one
member per call, scored by the time it was let through): no span of the window's length ever
holds more than the limit, so the limits hold under either reading of "a minute" (fixed or
sliding). Windows are a little longer than AppsFlyer's (`margin_seconds`) because a call reaches
AppsFlyer some milliseconds after it is let through, and those delays differ from call to call.

Why not the `limits` library (it is a dependency, and was read first): its moving window stamps
each hit with the caller's own clock, so hosts whose clocks differ can let more through than the
limit; it cannot take the minute and the day windows in one step (a call refused by the day
window would still have used a minute slot, or the reverse); and its windows are whole seconds.
One Lua script here takes both windows at once, on Redis's clock.

Keys hold the token's fingerprint (an HMAC, see networks.token_vault), never the token.
"""

import math
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

# Which count a call falls under: upload and job status share one, as the spec says.
UPLOAD = "upload"
JOB_STATUS = "job_status"
APP_LIST = "app_list"
BUCKET_OF = {UPLOAD: "incost", JOB_STATUS: "incost", APP_LIST: "app_list"}
APP_LIST_PER_MINUTE = 20
APP_LIST_PER_DAY = 100
DEFAULT_MARGIN_SECONDS = 1.0

# KEYS: the minute and the day sorted sets. ARGV: minute limit, minute seconds, day limit,
# day seconds, a unique member, "1" to take a slot or "0" only to look, and the time ("" for
# Redis's own clock; a simulated clock only in a benchmark, see CallLimiter's `clock`).
# Returns {granted (1/0), seconds to wait or, when granted, Redis's time (strings), minute count,
# day count}.
ACQUIRE_SCRIPT = """
local now
if ARGV[7] ~= '' then
    now = tonumber(ARGV[7])
else
    local t = redis.call('TIME')
    now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local take = ARGV[6] == '1'
local wait = 0
local counts = {}
for i = 1, 2 do
    local limit = tonumber(ARGV[2 * i - 1])
    local window = tonumber(ARGV[2 * i])
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. tostring(now - window))
    local count = redis.call('ZCARD', KEYS[i])
    counts[i] = count
    if count >= limit then
        local oldest = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
        local until_free = tonumber(oldest[2]) + window - now
        if until_free > wait then wait = until_free end
    end
end
if wait > 0 or not take then
    return {0, tostring(wait), counts[1], counts[2]}
end
for i = 1, 2 do
    redis.call('ZADD', KEYS[i], now, ARGV[5])
    redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 * i]) * 1000) + 1000)
end
return {1, tostring(now), counts[1] + 1, counts[2] + 1}
"""


@dataclass(frozen=True)
class Budget:
    """A token's standing in one count: calls in the windows now, and the wait for the next slot."""

    granted: bool
    wait_seconds: float
    minute_used: int
    day_used: int
    granted_at: float | None = None  # Redis's clock, the time the windows count


class CallLimiter:
    """Per-token sliding windows in Redis. `acquire` blocks; `try_acquire` and `peek` do not."""

    def __init__(
        self,
        *,
        redis_url: str,
        minute_seconds: float = 60.0,
        day_seconds: float = 86_400.0,
        margin_seconds: float = DEFAULT_MARGIN_SECONDS,
        incost_per_minute: int | None = None,
        incost_per_day: int | None = None,
        app_list_per_minute: int = APP_LIST_PER_MINUTE,
        app_list_per_day: int = APP_LIST_PER_DAY,
        prefix: str = "incost:limiter",
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`clock`: None for Redis's clock (always, but in a benchmark on a simulated clock)."""
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self.minute_seconds = minute_seconds + margin_seconds
        self.day_seconds = day_seconds + margin_seconds
        self.limits = {
            "incost": (
                incost_per_minute or settings.INCOST_CALLS_PER_MINUTE,
                incost_per_day or settings.INCOST_CALLS_PER_DAY,
            ),
            "app_list": (app_list_per_minute, app_list_per_day),
        }
        self.prefix = prefix
        self.clock = clock
        self._script = self.redis.register_script(ACQUIRE_SCRIPT)

    def __repr__(self) -> str:
        return f"<CallLimiter minute={self.minute_seconds:g}s day={self.day_seconds:g}s {self.limits}>"

    def _run(self, kind: str, fingerprint: str, *, take: bool) -> Budget:
        bucket = BUCKET_OF[kind]
        per_minute, per_day = self.limits[bucket]
        keys = [f"{self.prefix}:{fingerprint}:{bucket}:{name}" for name in ("minute", "day")]
        member = f"{time.time():.6f}-{secrets.token_hex(6)}"
        now = "" if self.clock is None else repr(self.clock())
        args = [per_minute, self.minute_seconds, per_day, self.day_seconds, member, "1" if take else "0", now]
        granted, seconds, minute_used, day_used = self._script(keys=keys, args=args)
        return Budget(
            granted=bool(granted),
            wait_seconds=0.0 if granted else float(seconds),
            minute_used=int(minute_used),
            day_used=int(day_used),
            granted_at=float(seconds) if granted else None,
        )

    def try_acquire(self, kind: str, fingerprint: str) -> Budget:
        """Take a slot for one call now if both windows have one; never waits."""
        return self._run(kind, fingerprint, take=True)

    def peek(self, kind: str, fingerprint: str) -> Budget:
        """Would a call be let through now? Takes nothing (`granted` is always False)."""
        return self._run(kind, fingerprint, take=False)

    def acquire(self, kind: str, fingerprint: str, timeout: float) -> Budget:
        """Take a slot, waiting up to `timeout` seconds for one; `granted` says if it was had."""
        deadline = time.monotonic() + timeout
        while True:
            budget = self.try_acquire(kind, fingerprint)
            left = deadline - time.monotonic()
            if budget.granted or budget.wait_seconds > left:
                return budget
            # A little jitter, so that waiting workers do not all wake at the same instant.
            time.sleep(min(left, budget.wait_seconds + random.uniform(0.001, 0.02)))

    def calls_used_today(self, fingerprint: str) -> int:
        """Upload and job-status calls let through in the last day (the day window), for the dashboard."""
        return self.peek(UPLOAD, fingerprint).day_used

    def day_budget_left(self, fingerprint: str) -> int:
        return max(0, self.limits["incost"][1] - self.calls_used_today(fingerprint))

    def calls_since(self, fingerprint: str, seconds: float) -> int:
        """Upload and job-status calls let through in the last `seconds` (at most the day window):
        the budget's pace (submissions.services.budget)."""
        now = self.clock() if self.clock is not None else _redis_now(self.redis)
        key = f"{self.prefix}:{fingerprint}:incost:day"
        return int(self.redis.zcount(key, now - seconds, "+inf"))

    def reset(self, fingerprint: str) -> None:
        """Forget a token's counts (tests, and a token that was replaced)."""
        for bucket in ("incost", "app_list"):
            self.redis.delete(*[f"{self.prefix}:{fingerprint}:{bucket}:{name}" for name in ("minute", "day")])


def _redis_now(client: redis.Redis) -> float:
    seconds, micros = client.time()
    return seconds + micros / 1_000_000


def retry_after(budget: Budget) -> int:
    """Whole seconds to wait before trying again."""
    return max(1, math.ceil(budget.wait_seconds))


@cache
def _limiter(redis_url: str, minute_seconds: float, day_seconds: float, margin_seconds: float) -> CallLimiter:
    return CallLimiter(
        redis_url=redis_url,
        minute_seconds=minute_seconds,
        day_seconds=day_seconds,
        margin_seconds=margin_seconds,
    )


def limiter_default() -> CallLimiter:
    """The limiter on settings.REDIS_URL with AppsFlyer's windows, one per process.

    INCOST_LIMITER_MINUTE_SECONDS / INCOST_LIMITER_DAY_SECONDS, when settings define them, shorten
    the windows to match a sandbox run with shortened ones (benchmarks); never in production.
    """
    return _limiter(
        settings.REDIS_URL,
        settings.INCOST_LIMITER_MINUTE_SECONDS,
        settings.INCOST_LIMITER_DAY_SECONDS,
        settings.INCOST_LIMITER_MARGIN_SECONDS,
    )
