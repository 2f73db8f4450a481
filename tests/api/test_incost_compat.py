"""The InCost-compatible endpoint (/incost/) answers as AppsFlyer does: each request is sent to the
sandbox (the reference emulator) and to the portal over real HTTP, and the two answers compared."""

import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import override_settings

from incost_portal.api.models import ApiKey, IncostJob
from incost_portal.api.services import api_key_revoke
from incost_portal.audit.models import Action, AuditEvent
from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.networks.services import app_create
from tests.api.incost_compat import APPS, Compat, Speaker, code_of, shape
from tests.builders import ANDROID, IOS, body, incost_row, today
from tests.wiring import queued_jobs_run

pytestmark = pytest.mark.django_db(transaction=True)

# The sandbox's conformance cases (tests/sandbox/test_validation.py), dated from today.
ROW_CASES = [
    ([incost_row(extra="x")], "ic248"),
    ([incost_row(campaign_id="")], "ic248"),
    ([incost_row(campaign_name=None)], "ic248"),
    ([incost_row(adset_name="x")], "ic248"),
    ([incost_row(campaign_id="c" * 25)], "ic248"),
    ([incost_row(date=today(1).replace("-0", "-", 1))], "ic211"),
    ([incost_row(date="2026-02-30")], "ic211"),
    ([incost_row(date=today(-1))], "ic212"),
    ([incost_row(date=today(91))], "ic232"),
    ([incost_row(spend=-1)], "ic217"),
    ([incost_row(spend="1.5")], "ic217"),
    ([incost_row(spend=1.123456)], "ic217"),
    ([incost_row(spend=float("nan"))], "ic217"),
    ([incost_row(geo="XX")], "ic219"),
    ([incost_row(currency="XYZ")], "ic220"),
    ([incost_row(), incost_row(campaign_id="c2", currency="EUR")], "ic221"),
    ([incost_row(), incost_row()], "ic222"),
    ([incost_row(), incost_row(app_id=ANDROID)], "ic228"),
    ([incost_row(app_id=ANDROID)], "ic229"),
    ([incost_row(), incost_row(campaign_id="c2", geo="US")], "ic231"),
    ([incost_row(clicks=-1)], "ic241"),
    ([incost_row(impressions=2.5)], "ic242"),
]
BAD_BODIES = [b"", b"not json", b"{}", b"[]", b"[1, 2]", b"\xff\xfe", b'[{"a": 1}, "x"]', b"[{"]


def same(sandbox: Any, portal: Any) -> None:
    """The portal answers with the sandbox's status, body shape and code."""
    assert portal.status_code == sandbox.status_code, (sandbox.text, portal.text)
    assert shape(portal.json()) == shape(sandbox.json()), (sandbox.text, portal.text)
    assert portal.headers["Content-Type"] == "application/json"
    if isinstance(sandbox.json(), dict) and isinstance(sandbox.json().get("error"), dict):
        assert code_of(portal) == code_of(sandbox), (sandbox.text, portal.text)


def final_status(speaker: Speaker, app: str, answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    return speaker.status(app, answer.json()["job_id"])


@pytest.mark.parametrize(("rows", "code"), ROW_CASES)
def test_a_row_error_gives_a_job_in_validation_error_with_the_sandboxs_code_and_stores_nothing(
    compat: Compat, rows: list[dict[str, Any]], code: str
) -> None:
    data = json.dumps(rows).encode()
    sandbox_answer, portal_answer = compat.sandbox.upload(IOS, data), compat.write.upload(IOS, data)
    same(sandbox_answer, portal_answer)
    # As at AppsFlyer, the rows are judged after the answer: in progress until a worker has.
    assert final_status(compat.write, IOS, portal_answer).json()["status"] == "In progress"
    queued_jobs_run()
    sandbox_status = final_status(compat.sandbox, IOS, sandbox_answer)
    portal_status = final_status(compat.write, IOS, portal_answer)
    same(sandbox_status, portal_status)
    assert (portal_status.json()["status"], code_of(portal_status)) == ("Validation error", code)
    assert portal_status.json()["error"]["error_message"]
    assert not CostRow.objects.filter(network=compat.wired.network).exists()
    # The upload page's service judged it: the Uploads page shows it with its issues.
    upload = CostUpload.objects.get(network=compat.wired.network)
    assert (upload.source, upload.status) == (CostUpload.Source.API, CostUpload.Status.INVALID)


@pytest.mark.parametrize("data", BAD_BODIES)
def test_what_is_not_an_array_of_objects_is_422_ic416_at_once(compat: Compat, data: bytes) -> None:
    same(compat.sandbox.upload(IOS, data), answer := compat.write.upload(IOS, data))
    assert (answer.status_code, code_of(answer)) == (422, "ic416")
    assert not IncostJob.objects.exists()


def test_json_nested_past_any_parsers_depth_is_ic416_not_a_crash(compat: Compat) -> None:
    # (The sandbox answers this one 500: its parser's RecursionError is not caught.)
    answer = compat.write.upload(IOS, b"[" * 100_000 + b"]" * 100_000)
    assert (answer.status_code, code_of(answer)) == (422, "ic416")


def test_an_unregistered_media_source_is_415_ic213_at_once(compat: Compat) -> None:
    data = body(incost_row(), incost_row(campaign_id="c2", media_source="x_int"))
    same(compat.sandbox.upload(IOS, data), answer := compat.write.upload(IOS, data))
    assert (answer.status_code, code_of(answer)) == (415, "ic213") and "x_int" in answer.text
    assert not IncostJob.objects.exists()


def test_a_body_over_1_mb_is_413_ic311_unread(compat: Compat) -> None:
    row = json.dumps(incost_row()).encode()
    data = b"[" + b",".join([row] * (1_000_000 // len(row) + 10)) + b"]"
    same(compat.sandbox.upload(IOS, data), answer := compat.write.upload(IOS, data))
    assert (answer.status_code, code_of(answer)) == (413, "ic311")


def test_an_app_the_network_does_not_have_is_422_ic215(compat: Compat) -> None:
    data = body(incost_row(app_id="com.nowhere.app"))
    same(
        compat.sandbox.upload("com.nowhere.app", data), answer := compat.write.upload("com.nowhere.app", data)
    )
    assert code_of(answer) == "ic215"
    # Another network's app is as unknown.
    assert code_of(compat.write.upload("com.other.app", body(incost_row(app_id="com.other.app")))) == "ic215"


def test_an_app_appsflyer_no_longer_lists_is_401_ic414(compat: Compat) -> None:
    app_create(network=compat.wired.network, app_id="com.gone.app", name="Gone", enabled=False)
    answer = compat.write.upload("com.gone.app", body(incost_row(app_id="com.gone.app")))
    assert (answer.status_code, code_of(answer)) == (401, "ic414")


def test_a_clean_upload_is_stored_as_an_accepted_upload_of_the_app(compat: Compat) -> None:
    rows = [incost_row(), incost_row(campaign_id="c2", date=today(2), spend=3, af_prt="agencya")]
    same(compat.sandbox.upload(IOS, body(*rows)), answer := compat.write.upload(IOS, body(*rows)))
    job = IncostJob.objects.get(code=answer.json()["job_id"])
    status = compat.write.status(IOS, answer.json()["job_id"]).json()
    assert status["status"] == "In progress" and status["matched_records_percentage"] is None
    waiting = job.body.name
    assert default_storage.exists(waiting)
    queued_jobs_run()  # the worker stores it (and plans its send)
    job.refresh_from_db()
    assert not default_storage.exists(waiting)  # the upload keeps its own copy
    assert job.state == IncostJob.State.ACCEPTED and job.upload and job.upload.source == CostUpload.Source.API
    assert job.upload.status == CostUpload.Status.ACCEPTED and not job.body
    assert job.key == ApiKey.objects.get(network=compat.wired.network, name="write key")
    assert compat.wired.portal_totals() == {
        (IOS, today(1), "acme_int"): Decimal("12.5"),
        (IOS, today(2), "acme_int"): Decimal(3),
    }
    status = compat.write.status(IOS, str(job.code)).json()
    assert (status["date_from"], status["date_to"], status["agency"]) == (today(2), today(1), "agencya")
    assert status["uploaded_request_url"].endswith(f"/costs/uploads/{job.upload.code}/original")


def test_job_status_answers_ic224_for_an_unknown_job_and_ic415_for_another_apps(compat: Compat) -> None:
    for speaker in (compat.sandbox, compat.write):
        job_id = speaker.upload(IOS, body(incost_row())).json()["job_id"]
        unknown, other_app = speaker.status(IOS, "no-such-job"), speaker.status(ANDROID, job_id)
        assert (unknown.status_code, code_of(unknown), other_app.status_code, code_of(other_app)) == (
            422,
            "ic224",
            401,
            "ic415",
        )
    same(compat.sandbox.status(IOS, "00000000-0000-0000-0000-000000000000"), compat.write.status(IOS, "x"))


def test_another_networks_key_finds_no_job_and_sees_only_its_apps(compat: Compat) -> None:
    job_id = compat.write.upload(IOS, body(incost_row())).json()["job_id"]
    assert code_of(compat.other.status(IOS, job_id)) == "ic224"
    assert [app["id"] for app in compat.other.call("GET", APPS).json()["data"]] == ["com.other.app"]
    assert [app["id"] for app in compat.write.call("GET", APPS).json()["data"]] == [ANDROID, IOS]


def test_the_app_list_pages_as_appsflyers(compat: Compat) -> None:
    query = {"capabilities": "cost", "limit": 1, "offset": 0}
    sandbox_page = compat.sandbox.call("GET", APPS, params=query)
    page = compat.write.call("GET", APPS, params=query)
    same(sandbox_page, page)
    listed = page.json()
    assert listed["meta"] == {"total_items": 2} and listed["data"][0]["type"] == "app"
    assert set(listed["data"][0]["attributes"]) == {"name", "platform", "currency", "time_zone"}
    assert listed["links"]["next"].endswith("/incost/mng/apps?capabilities=cost&limit=1&offset=1")
    last = compat.write.call("GET", APPS, params={**query, "offset": 1}).json()
    assert "next" not in last["links"] and last["data"][0]["id"] == IOS
    for bad, code in (({"limit": 0}, "ic226"), ({"limit": 1001}, "ic226"), ({"offset": -1}, "ic227")):
        sandbox_answer = compat.sandbox.call("GET", APPS, params=bad)
        same(sandbox_answer, answer := compat.write.call("GET", APPS, params=bad))
        assert code_of(answer) == code


def test_no_key_a_wrong_key_and_a_revoked_key_are_401_with_a_bare_string(compat: Compat) -> None:
    wrong = Speaker(compat.write.base, (compat.write.token or "")[:-4] + "AAAA")
    for speaker in (compat.anonymous, wrong, Speaker(compat.write.base, "x" * 700)):
        same(Speaker(compat.sandbox.base, "x" * 700).call("GET", APPS), answer := speaker.call("GET", APPS))
        assert answer.status_code == 401 and isinstance(answer.json(), str)
        assert speaker.upload(IOS, body(incost_row())).status_code == 401
    api_key_revoke(key=ApiKey.objects.get(network=compat.wired.network, name="write key"), user=None)
    answer = compat.write.upload(IOS, body(incost_row()))
    assert answer.status_code == 401 and answer.json() == "Unauthorized: This API key was revoked."
    # Without a key, a large body is refused unread with the same answer.
    large = compat.anonymous.upload(IOS, b"[" + b" " * 200_000 + b"]")
    assert large.status_code == 401 and isinstance(large.json(), str)


def test_a_read_key_reads_job_status_and_apps_but_cannot_upload(compat: Compat) -> None:
    refused = compat.read.upload(IOS, body(incost_row()))
    assert (refused.status_code, code_of(refused)) == (401, "ic414") and "read-only" in refused.text
    assert not IncostJob.objects.exists()
    job_id = compat.write.upload(IOS, body(incost_row())).json()["job_id"]
    assert compat.read.status(IOS, job_id).json()["status"] == "In progress"
    assert compat.read.call("GET", APPS).status_code == 200
    note = AuditEvent.objects.get(network=compat.wired.network, action=Action.API_KEY_REFUSED)
    assert note.detail["reason"] == "read-only key tried to write"


@override_settings(API_KEY_CALLS_PER_MINUTE=2)
def test_a_key_over_its_minute_gets_429_ic111_with_retry_after(compat: Compat, sandbox: Any) -> None:
    sandbox.configure(incost_per_minute=2)
    for speaker in (compat.sandbox, compat.write):
        answers = [speaker.status(IOS, "x") for _ in range(3)]
        assert [answer.status_code for answer in answers] == [422, 422, 429]
    sandbox_answer = compat.sandbox.status(IOS, "x")
    same(sandbox_answer, answer := compat.write.status(IOS, "x"))
    assert code_of(answer) == "ic111" and 1 <= int(answer.headers["Retry-After"]) <= 61


def test_other_methods_and_paths_answer_as_the_sandbox(compat: Compat) -> None:
    upload_path = f"incost-uploader/v1/data/app/{IOS}"
    same(compat.sandbox.call("GET", upload_path), answer := compat.write.call("GET", upload_path))
    assert answer.status_code == 405
    for path in (f"incost-jobstatus/v1/data/app/{IOS}/job/x", APPS):
        same(compat.sandbox.call("POST", path, b"[]"), answer := compat.write.call("POST", path, b"[]"))
        assert answer.status_code == 405
    same(compat.sandbox.call("GET", "nothing/here"), answer := compat.write.call("GET", "nothing/here"))
    assert answer.status_code == 404


def test_with_redis_down_an_upload_is_stored_at_once_not_lost(compat: Compat) -> None:
    dead = {name: {**queue, "URL": "redis://127.0.0.1:1/0"} for name, queue in settings.RQ_QUEUES.items()}
    with override_settings(RQ_QUEUES=dead):
        answer = compat.write.upload(IOS, body(incost_row(spend=7)))
    assert answer.status_code == 200
    job = IncostJob.objects.get(code=answer.json()["job_id"])
    assert job.state == IncostJob.State.ACCEPTED and not job.body
    assert compat.wired.portal_totals() == {(IOS, today(1), "acme_int"): Decimal(7)}
