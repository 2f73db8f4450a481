"""The sandbox's settings and the deterministic fault decisions."""

import pytest

from incost_portal.sandbox.config import SandboxConfig, fault_hits


def test_the_defaults_are_appsflyers() -> None:
    config = SandboxConfig()
    assert (config.incost_per_minute, config.incost_per_day) == (150, 1000)
    assert (config.app_list_per_minute, config.app_list_per_day) == (20, 100)
    assert (config.minute_seconds, config.day_seconds, config.in_progress_seconds) == (60, 86_400, 120)
    assert config.max_body_bytes == 1_000_000 and config.ledger_mode == "replace"
    assert config.clock_offset_seconds == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"nope": 1},
        {"ic300_share": 1.5},
        {"latency_ms": "10"},
        {"ledger_mode": "sum"},
        {"minute_seconds": 0},
        {"clock_offset_seconds": -1},
    ],
)
def test_bad_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SandboxConfig().updated(changes)


def test_fault_decisions_repeat_with_the_seed() -> None:
    config = SandboxConfig(server_error_share=0.3, seed=7)
    first = [fault_hits(config=config, fault="server_error", call_number=n) for n in range(1000)]
    again = [fault_hits(config=config, fault="server_error", call_number=n) for n in range(1000)]
    other = SandboxConfig(server_error_share=0.3, seed=8)
    reseeded = [fault_hits(config=other, fault="server_error", call_number=n) for n in range(1000)]
    assert first == again and first != reseeded
    assert 250 < sum(first) < 350
    assert not fault_hits(config=config, fault="ic300", call_number=1)
