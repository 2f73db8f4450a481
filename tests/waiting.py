"""Waiting in tests: on a condition with a deadline, never a fixed sleep.

A slow machine only makes a test wait longer, never fail; a fast one never waits for nothing.
The deadline is generous on purpose: it is there to end a test that would hang, not to say how
fast anything must be (time is a benchmark's business).
"""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import close_old_connections

T = TypeVar("T")


class ConditionTimeout(AssertionError):
    """The condition never held before the deadline."""


def wait_for(
    predicate: Callable[[], T],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
) -> T:
    """Call `predicate` until it returns something truthy, and return that.

    Fails the test (ConditionTimeout) after `timeout` seconds; `message`, or what it returns when it
    is a function (read only then, so it can show the state at the end), says what was awaited.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            name = getattr(predicate, "__name__", repr(predicate))
            raise ConditionTimeout(f"{name} did not hold within {timeout:g} s. {text}".strip())
        time.sleep(interval)


def at_once(function: Callable[[], T], *, times: int = 2) -> list[T]:
    """Run `function` in `times` threads released together (each with its own database
    connection, closed after), and return what each returned: a race as two hosts would run it."""
    results: list[T] = []
    start = threading.Barrier(times)

    def run() -> None:
        start.wait()
        try:
            results.append(function())
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == times, "a thread failed"
    return results
