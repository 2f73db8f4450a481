"""The sandbox on the wire: raw HTTP against its own process, so the answers are AppsFlyer's shapes."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.builders import IOS, body, incost_row, today
from tests.sandbox.running import Sandbox, sandbox_running

UPLOAD = "incost-uploader/v1/data/app/{app}"
STATUS = "incost-jobstatus/v1/data/app/{app}/job/{job}"


def call(
    sandbox: Sandbox, method: str, path: str, token: str, data: bytes | None = None
) -> requests.Response:
    return requests.request(
        method,
        sandbox.api_url + path,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=10,
    )


def test_answers_have_appsflyers_shapes(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    sandbox.configure(in_progress_seconds=120)
    accepted = call(sandbox, "POST", UPLOAD.format(app=IOS), token, body(incost_row()))
    assert accepted.status_code == 200 and set(accepted.json()) == {"job_id"}
    assert accepted.headers["Content-Type"] == "application/json"

    bad = call(sandbox, "POST", UPLOAD.format(app=IOS), token, b"[{")
    assert bad.status_code == 422
    assert bad.json()["error"]["af_error_code"] == "ic416" and bad.json()["error"]["error_message"]

    status = call(sandbox, "GET", STATUS.format(app=IOS, job=accepted.json()["job_id"]), token).json()
    assert status["status"] == "In progress"
    assert set(status) >= {"app_id", "status", "date_from", "date_to", "matched_records_percentage", "agency"}
    sandbox.advance(120)
    status = call(sandbox, "GET", STATUS.format(app=IOS, job=accepted.json()["job_id"]), token).json()
    assert status["status"] == "Applied" and status["matched_records_percentage"] == "0.00"
    uploaded = requests.get(status["uploaded_request_url"], timeout=5).json()
    assert uploaded[0]["spend"] == 12.5


def test_a_missing_or_wrong_token_is_401_with_a_bare_string(sandbox: Sandbox) -> None:
    for token in ("", "x" * 700):
        answer = call(sandbox, "GET", "mng/apps?capabilities=cost", token)
        assert answer.status_code == 401 and isinstance(answer.json(), str)


def test_the_control_endpoints_never_show_tokens(sandbox: Sandbox) -> None:
    name, token = sandbox.partner(media_sources=("acme_int", "acme2_int"), apps=("com.acme.x",))
    listing = requests.get(f"{sandbox.url}/sandbox/partners", timeout=5)
    assert token not in listing.text
    mine = next(partner for partner in listing.json()["partners"] if partner["name"] == name)
    assert mine["media_sources"] == ["acme2_int", "acme_int"]
    assert mine["apps"] == ["com.acme.x", "com.cost.app", "id888123456"]
    assert (
        requests.get(f"{sandbox.url}/sandbox/ledger", params={"partner": "nobody"}, timeout=5).status_code
        == 404
    )
    refused = requests.post(f"{sandbox.url}/sandbox/config", json={"ic300_share": 2}, timeout=5)
    assert refused.status_code == 400


def test_concurrent_uploads_are_all_taken_and_all_applied(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()

    def upload(number: int) -> str:
        answer = call(
            sandbox,
            "POST",
            UPLOAD.format(app=IOS),
            token,
            body(incost_row(date=today(number % 80), spend=1)),
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["job_id"]

    with ThreadPoolExecutor(16) as pool:
        job_ids = list(pool.map(upload, range(80)))
    assert len(set(job_ids)) == 80
    ledger = sandbox.ledger(name)
    # 80 uploads of 80 different days: every one applied, each day once.
    assert ledger["row_count"] == 80 and ledger["spend_total"] == "80"


def test_the_ledger_can_add_instead_of_replace(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    sandbox.configure(ledger_mode="add", in_progress_seconds=0)
    for _ in range(2):
        call(sandbox, "POST", UPLOAD.format(app=IOS), token, body(incost_row(spend=2)))
    assert sandbox.ledger(name)["spend_total"] == "4"


def test_jobs_and_the_ledger_survive_a_restart(tmp_path: Path) -> None:
    with sandbox_running(tmp_path, in_progress_seconds=120) as first:
        name, token = first.partner()
        job_id = call(first, "POST", UPLOAD.format(app=IOS), token, body(incost_row(spend=3))).json()[
            "job_id"
        ]
    # Still in progress when the sandbox stops; it ends while it runs again.
    with sandbox_running(tmp_path, in_progress_seconds=120) as second:
        assert call(second, "GET", STATUS.format(app=IOS, job=job_id), token).json()["status"] == (
            "In progress"
        )
        second.advance(120)
        status = call(second, "GET", STATUS.format(app=IOS, job=job_id), token).json()
        assert status["status"] == "Applied"
        assert second.ledger(name)["spend_total"] == "3"


def test_each_partner_meets_the_same_faults_with_the_same_seed(sandbox: Sandbox) -> None:
    sandbox.configure(server_error_share=0.5, seed=42)

    def outcomes() -> list[int]:
        _, token = sandbox.partner()
        return [call(sandbox, "GET", STATUS.format(app=IOS, job="x"), token).status_code for _ in range(20)]

    first, second = outcomes(), outcomes()
    assert first == second
    assert {422} < set(first) and set(first) - {422} <= {500, 502, 503}
