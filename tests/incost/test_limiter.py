"""The shared limiter through real Redis, with several processes hammering one token."""

import multiprocessing
import secrets

import pytest
import redis

from incost_portal.incost.answers import InCostError
from incost_portal.incost.client import InCostClient
from incost_portal.incost.limiter import CallLimiter
from incost_portal.networks import token_vault
from tests.builders import IOS, body, incost_row
from tests.incost.hammer import hammer, sip
from tests.sandbox.running import Sandbox
from tests.waiting import wait_for

# AppsFlyer's windows scaled down: a "minute" of 0.5 s, a "day" of 2 s, each with a margin of
# 0.1 s; limits as in production for the minute (150), and 300 for the day so that the day
# window binds within the test.
WINDOWS = (0.5, 2.0, 0.1)
LIMITS = (150, 300)


def most_in_any_window(stamps: list[float], window: float) -> int:
    """The most stamps any closed span of `window` seconds holds (stamps sorted)."""
    most, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.slow
def test_processes_hammering_one_token_never_pass_its_windows_and_another_token_is_not_slowed(
    private_redis_url: str,
) -> None:
    hot, cool = secrets.token_hex(32), secrets.token_hex(32)
    context = multiprocessing.get_context("spawn")
    watcher = CallLimiter(redis_url=private_redis_url, minute_seconds=WINDOWS[0], margin_seconds=WINDOWS[2])
    with context.Pool(5) as pool:
        hammers = [pool.apply_async(hammer, (private_redis_url, hot, 3.0, WINDOWS, LIMITS)) for _ in range(4)]
        # The other token starts once the first is held back.
        wait_for(lambda: watcher.peek("upload", hot).minute_used >= LIMITS[0], timeout=60)
        sipper = pool.apply_async(sip, (private_redis_url, cool, 20, WINDOWS, LIMITS, hot))
        calls = [call for result in hammers for call in result.get(60)]
        sipped = sipper.get(60)

    minute, day, margin = WINDOWS
    granted = sorted(granted_at for granted_at, _ in calls)
    # On the limiter's clock (Redis's), no span of a "minute" or a "day" holds more than the limit.
    assert most_in_any_window(granted, minute) <= LIMITS[0]
    assert most_in_any_window(granted, day) <= LIMITS[1]
    # On the callers' clocks too, but for the slack of scheduling between a grant and the call,
    # which the margin is there to absorb.
    made = sorted(made_at for _, made_at in calls)
    assert most_in_any_window(made, minute - margin) <= LIMITS[0]
    # The limits are reached, not merely kept: over 3 s the day window's 300 were all used.
    assert len(granted) >= LIMITS[1]
    # The other token had every call at once (none of them waits), each while the first was held back.
    assert len(sipped) == 20 and all(sipped)


def test_peek_takes_nothing_and_counts_what_was_taken(private_redis_url: str) -> None:
    limiter = CallLimiter(redis_url=private_redis_url, incost_per_minute=3, incost_per_day=5)
    fingerprint = secrets.token_hex(32)
    assert limiter.peek("upload", fingerprint).minute_used == 0
    for _ in range(3):
        assert limiter.try_acquire("job_status", fingerprint).granted
    refused = limiter.try_acquire("upload", fingerprint)
    assert not refused.granted and 59 < refused.wait_seconds <= 61
    assert limiter.calls_used_today(fingerprint) == 3
    assert limiter.day_budget_left(fingerprint) == 2
    # The app list has its own count.
    assert limiter.try_acquire("app_list", fingerprint).granted
    assert not limiter.acquire("upload", fingerprint, timeout=0.2).granted
    limiter.reset(fingerprint)
    assert limiter.calls_used_today(fingerprint) == 0


def test_nothing_in_redis_holds_the_token(redis_url: str, sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    limiter = CallLimiter(redis_url=redis_url)
    client = InCostClient(base_url=sandbox.api_url, token=token, limiter=limiter)
    client.upload(app_id=IOS, body=body(incost_row()))
    client.app_list()
    connection = redis.Redis.from_url(redis_url)
    fingerprint = token_vault.fingerprint(token)
    keys = [key.decode() for key in connection.scan_iter(f"incost:limiter:{fingerprint}:*")]
    assert len(keys) == 4
    for key in connection.scan_iter("*"):
        assert token[-32:].encode() not in key
        if connection.type(key) == b"zset":
            assert not any(token[-32:].encode() in member for member in connection.zrange(key, 0, -1))


def test_a_client_with_the_limiter_never_meets_the_servers_ic111(redis_url: str, sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    sandbox.configure(minute_seconds=1.0, incost_per_minute=10)
    limiter = CallLimiter(redis_url=redis_url, minute_seconds=1.0, margin_seconds=0.1, incost_per_minute=10)
    client = InCostClient(base_url=sandbox.api_url, token=token, limiter=limiter, limiter_wait_seconds=5)
    for _ in range(25):
        with pytest.raises(InCostError) as caught:
            client.job_status(app_id=IOS, job_id="unknown")
        assert caught.value.code == "ic224"  # never ic111
    calls = sandbox.get("/sandbox/calls", partner=name)["calls"]
    assert len(calls) == 25 and all(call["counted"] for call in calls)

    impatient = InCostClient(base_url=sandbox.api_url, token=token, limiter=limiter, limiter_wait_seconds=0)
    errors = []
    for _ in range(11):
        try:
            impatient.job_status(app_id=IOS, job_id="unknown")
        except InCostError as error:
            errors.append(error)
    refused = [error for error in errors if error.code == "ic111"]
    assert refused, "the limiter let an 11th call through within the window"
    assert (refused[0].http_status, refused[0].retryable) == (None, True)
    assert refused[0].retry_after_seconds in (1, 2)  # the window (1.1 s) rounded up
    assert len(sandbox.get("/sandbox/calls", partner=name)["calls"]) < 36


def test_no_redis_means_nothing_is_sent(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    limiter = CallLimiter(redis_url="redis://127.0.0.1:1/0")
    client = InCostClient(base_url=sandbox.api_url, token=token, limiter=limiter)
    with pytest.raises(InCostError) as caught:
        client.app_list()
    assert (caught.value.code, caught.value.retryable) == ("limiter_unavailable", True)
    assert sandbox.get("/sandbox/calls", partner=name)["calls"] == []
