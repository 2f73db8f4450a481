"""`manage.py validate_cost`: its output and exit codes (0 nothing blocks, 1 blocked, 2 unreadable)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.builders import csv_bytes, json_bytes, row
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("validate_cost", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    except CommandError as exc:
        status = exc.returncode
    return status, out.getvalue(), err.getvalue()


def recent_row(**changes: object) -> dict[str, object]:
    from django.utils import timezone

    return row(date=timezone.now().date().isoformat(), **changes)


def test_a_clean_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes([recent_row()]))
    status, out, _ = run(str(path))
    assert status == 0
    assert "nothing blocks" in out


def test_errors_exit_1_and_print_each_issue(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([recent_row(spend="-1"), recent_row(campaign_id="c2", geo="ZZ")]))
    status, out, _ = run(str(path))
    assert status == 1
    assert "row 2 spend: ic217 (error)" in out
    assert "row 3 geo: ic219 (error)" in out


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "warn.json"
    path.write_bytes(json_bytes([recent_row(campaign_name="a b")]))
    status, out, _ = run(str(path))
    assert status == 0
    assert "pw201 (warning)" in out


def test_json_output_is_one_object_a_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(
        json_bytes([recent_row(spend="12.5", clicks=1), recent_row(campaign_id="c2", clicks=-1)])
    )
    status, out, err = run(str(path), "--format", "json")
    assert status == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [
        {"row": 1, "field": "spend", "code": "pv102", "message": lines[0]["message"], "severity": "error"},
        {"row": 2, "field": "clicks", "code": "ic241", "message": lines[1]["message"], "severity": "error"},
    ]
    assert "2 rows" in err


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    assert run(str(tmp_path / "missing.csv"))[0] == 2
    assert run(str(tmp_path))[0] == 2


def test_broken_file_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(b'[{"date": ')
    status, out, _ = run(str(path))
    assert status == 1
    assert "ic416" in out


def test_network_checks_need_network(tmp_path: Path, cast: Cast) -> None:
    path = tmp_path / "ms.csv"
    path.write_bytes(csv_bytes([recent_row(media_source="nope_int")]))
    assert run(str(path))[0] == 0
    status, out, _ = run(str(path), "--network", "acme")
    assert status == 1
    assert "ic213" in out
    assert run(str(path), "--network", "nope")[0] == 2


def test_app_option_makes_one_request(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_bytes(csv_bytes([recent_row(), recent_row(app_id="com.acme.game")]))
    status, out, _ = run(str(path), "--app", "id123456789")
    assert status == 1
    assert "ic228" in out and "ic229" in out
