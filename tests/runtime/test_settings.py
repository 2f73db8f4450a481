import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from incost_portal.env import env_bool, env_cidrs, env_float, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def test_env_helpers_read_typed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_FLOAT", "2.5")
    monkeypatch.setenv("X_LIST", " a.example, b.example ,")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 0) == 42
    assert env_float("X_FLOAT", 0.0) == 2.5
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_str("X_UNSET_FOR_SURE", "fallback") == "fallback"


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("X_BOOL", "maybe", lambda: env_bool("X_BOOL", False)),
        ("X_INT", "12a", lambda: env_int("X_INT", 0)),
        ("X_INT", "-1", lambda: env_int("X_INT", 0, minimum=0)),
        ("X_FLOAT", "fast", lambda: env_float("X_FLOAT", 1.0)),
    ],
)
def test_env_helpers_fail_loudly_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name, value, read
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        read()


def test_allowed_outbound_networks_are_checked_cidrs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_CIDRS", "127.0.0.1/32, 10.0.0.0/8,::1/128")
    assert env_cidrs("X_CIDRS", []) == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    monkeypatch.setenv("X_CIDRS", "127.0.0.1/32,localhost")
    with pytest.raises(ImproperlyConfigured, match=r"X_CIDRS: 'localhost' is not a network in CIDR notation"):
        env_cidrs("X_CIDRS", [])


def test_a_required_variable_says_so() -> None:
    with pytest.raises(ImproperlyConfigured, match="X_REQUIRED_UNSET"):
        env_str("X_REQUIRED_UNSET")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    dropped = {"SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="incost_portal.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_the_development_key() -> None:
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="incost_portal.production",
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_token_keys() -> None:
    result = _manage(
        "check", DJANGO_SETTINGS_MODULE="incost_portal.production", SECRET_KEY=secrets.token_urlsafe(64)
    )
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS" in result.stderr


def test_production_settings_refuse_a_key_of_one_repeated_character() -> None:
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="incost_portal.production",
        SECRET_KEY="a" * 60,
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr and "5 different characters" in result.stderr


def test_production_settings_refuse_token_keys_that_are_not_fernet_keys() -> None:
    good = Fernet.generate_key().decode()
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="incost_portal.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        TOKEN_ENCRYPTION_KEYS=f"{good},not-a-fernet-key-at-all",
    )
    assert result.returncode != 0
    assert "key 2 is not a Fernet key" in result.stderr
    assert "not-a-fernet-key-at-all" not in result.stderr + result.stdout
