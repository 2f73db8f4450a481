"""The sandbox's settings: AppsFlyer's limits by default, and the faults a test or a dry run asks for.

They live in the sandbox's SQLite file, so that `incost_sandbox` flags, `POST /sandbox/config` and
every request thread see one set. A fault is decided from the seed and the partner's own count
of calls, so a partner making the same calls with the same seed meets the same faults, whatever
other partners did before.
"""

import dataclasses
import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from incost_portal.sandbox.store import write

CONFIG_KEY = "config"


@dataclass(frozen=True)
class SandboxConfig:
    # How long a job says "In progress" (AppsFlyer: check after 2 minutes).
    in_progress_seconds: float = 120.0
    # The length of AppsFlyer's "minute" and "day"; shortened for tests and benchmarks.
    minute_seconds: float = 60.0
    day_seconds: float = 86_400.0
    # Per token. Upload and job status share one count; the app list has its own.
    incost_per_minute: int = 150
    incost_per_day: int = 1000
    app_list_per_minute: int = 20
    app_list_per_day: int = 100
    max_body_bytes: int = 1_000_000
    history_days: int = 90
    # "replace": a later Applied upload for an app, date and media source replaces the earlier
    # one (what DESIGN.md assumes); "add": it adds to it (the other reading of the spec).
    ledger_mode: str = "replace"
    # Faults, each a share of calls from 0 to 1.
    latency_ms: int = 0
    server_error_share: float = 0.0
    ic300_share: float = 0.0
    processing_error_share: float = 0.0
    dropped_connection_share: float = 0.0
    # Answers as bare JSON strings (a job id, an error message) instead of objects.
    bare_string_share: float = 0.0
    seed: int = 0
    # How far the sandbox's clock runs ahead of the machine's: a test moves it on to skip
    # AppsFlyer's minutes, days and job times instead of waiting for them.
    clock_offset_seconds: float = 0.0

    def now(self) -> float:
        """The sandbox's time (a Unix timestamp): what windows, jobs and dates are judged by."""
        return time.time() + self.clock_offset_seconds

    def updated(self, changes: dict[str, Any]) -> "SandboxConfig":
        """A copy with `changes` applied; unknown names and values of the wrong type are refused."""
        known = {field.name: field for field in dataclasses.fields(self)}
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            kind = type(getattr(self, name))
            if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
                values[name] = float(value)
            elif isinstance(value, kind) and not isinstance(value, bool):
                values[name] = value
            else:
                raise ValueError(f"{name} must be a {kind.__name__}")
        config = dataclasses.replace(self, **values)
        config.check()
        return config

    def check(self) -> None:
        for name in (
            "server_error_share",
            "ic300_share",
            "processing_error_share",
            "dropped_connection_share",
            "bare_string_share",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.ledger_mode not in ("replace", "add"):
            raise ValueError("ledger_mode must be 'replace' or 'add'")
        if min(self.minute_seconds, self.day_seconds) <= 0 or self.in_progress_seconds < 0:
            raise ValueError("times must be positive")
        if self.clock_offset_seconds < 0:
            raise ValueError("the clock can only be moved forward")


def config_get(conn: sqlite3.Connection) -> SandboxConfig:
    row = conn.execute("SELECT value FROM setting WHERE key = ?", [CONFIG_KEY]).fetchone()
    if row is None:
        return SandboxConfig()
    return SandboxConfig().updated(json.loads(row["value"]))


def config_set(conn: sqlite3.Connection, *, changes: dict[str, Any], reset: bool = False) -> SandboxConfig:
    """Apply `changes` to the stored settings (to the defaults when `reset`), and store the result."""
    with write(conn):
        config = (SandboxConfig() if reset else config_get(conn)).updated(changes)
        conn.execute(
            "INSERT INTO setting (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [CONFIG_KEY, json.dumps(dataclasses.asdict(config))],
        )
    return config


def fault_hits(*, config: SandboxConfig, fault: str, call_number: int) -> bool:
    """Does this call meet this fault? Deterministic in (seed, call number, fault)."""
    share = getattr(config, f"{fault}_share")
    if share <= 0:
        return False
    if share >= 1:
        return True
    digest = hashlib.sha256(f"{config.seed}:{call_number}:{fault}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share
