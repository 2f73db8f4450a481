"""POST /api/v1/costs over real HTTP: the upload page's validation, storage and audit, by key."""

import io
import json
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils.html import escape

from incost_portal.api.idempotency import idempotency_claim, request_fingerprint
from incost_portal.api.models import ApiKey, IdempotentRequest
from incost_portal.audit.models import Action, AuditEvent
from incost_portal.costs.models import CostIssue, CostRow, CostUpload
from tests.api.conftest import Keys
from tests.api.test_keys import error_of
from tests.builders import csv_bytes, json_bytes, today
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)

IOS, ANDROID = "id123456789", "com.acme.game"
JSON = {"Content-Type": "application/json"}
CSV = {"Content-Type": "text/csv"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def incost(app_id: str = IOS, days_back: int = 3, **changes: Any) -> dict[str, Any]:
    values = {
        "date": today(days_back),
        "app_id": app_id,
        "media_source": "acme_int",
        "campaign_id": "c1",
        "campaign_name": "camp_1",
        "currency": "USD",
        "spend": 12.5,
        "geo": "US",
        **changes,
    }
    return {name: value for name, value in values.items() if value is not None}


def spend_of(cast: Cast) -> dict[tuple[str, str, str], Decimal]:
    totals: dict[tuple[str, str, str], Decimal] = {}
    for app_id, day, source, spend in CostRow.objects.filter(network=cast.network).values_list(
        "app__app_id", "date", "media_source", "spend"
    ):
        key = (app_id, day.isoformat(), source)
        totals[key] = totals.get(key, Decimal(0)) + spend
    return totals


def test_a_json_push_of_many_apps_and_dates_is_stored_as_an_api_upload(keys: Keys, cast: Cast) -> None:
    rows = [incost(IOS, 3), incost(IOS, 4, spend=7), incost(ANDROID, 3, campaign_id="c9", spend=1.25)]
    answer = keys.write.post("/api/v1/costs", data=json_bytes(rows), headers=JSON)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stored"] and body["valid"] and body["counts"]["rows"] == 3 and body["issues"] == []
    assert body["upload"]["status"] == "accepted" and body["upload"]["source"] == "api"
    assert body["accepted_upload"]["id"] == body["upload"]["id"]
    assert spend_of(cast) == {
        (IOS, today(3), "acme_int"): Decimal("12.5"),
        (IOS, today(4), "acme_int"): Decimal(7),
        (ANDROID, today(3), "acme_int"): Decimal("1.25"),
    }
    upload = CostUpload.objects.get(network=cast.network)
    assert upload.source == CostUpload.Source.API and upload.created_by is None
    key = ApiKey.objects.get(network=cast.network, name="write key")
    accepted = AuditEvent.objects.get(network=cast.network, action=Action.UPLOAD_ACCEPTED)
    assert accepted.actor is None
    assert accepted.detail["api_key"] == key.prefix and accepted.detail["api_key_name"] == "write key"
    assert keys.write.key not in json.dumps(accepted.detail)
    # The uploads page's "Source: API" filter finds it.
    client = Client()
    client.force_login(cast.ops)
    page = client.get(f"/n/{cast.network.code}/costs/uploads/?source=api")
    assert page.status_code == 200 and "api-push.json" in page.content.decode()


def test_validate_only_stores_nothing_and_names_every_issue(keys: Keys, cast: Cast) -> None:
    rows = [incost(), incost(geo="XX", campaign_id="c2"), incost(days_back=-3, campaign_id="c3")]
    answer = keys.write.post("/api/v1/costs?validate_only=true", data=json_bytes(rows), headers=JSON)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"]["code"] == "cost_invalid" and body["upload"] is None
    assert body["validate_only"] and not body["valid"] and not body["stored"]
    assert body["counts"]["issue_counts"] == {"ic212": 1, "ic219": 1}
    assert {(issue["row"], issue["field"], issue["code"]) for issue in body["issues"]} == {
        (2, "geo", "ic219"),
        (3, "date", "ic212"),
    }
    assert not CostUpload.objects.exists() and not CostRow.objects.exists()
    clean = keys.write.post("/api/v1/costs?validate_only=true", data=json_bytes([incost()]), headers=JSON)
    assert clean.status_code == 200 and clean.json()["valid"] and "error" not in clean.json()
    assert not CostUpload.objects.exists() and not CostRow.objects.exists()


def _preview_issues(cast: Cast, data: bytes, name: str) -> tuple[list[tuple[Any, ...]], str]:
    """The issues the upload page's preview shows for these bytes, and the preview's HTML."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(cast.ops)
    response = client.post(
        f"/n/{cast.network.code}/costs/upload/", {"file": SimpleUploadedFile(name, data)}, follow=True
    )
    assert response.status_code == 200
    upload = CostUpload.objects.filter(network=cast.network, source=CostUpload.Source.FILE).latest("id")
    issues = CostIssue.objects.filter(upload=upload).order_by("id")
    return [(i.row, i.field, i.code, i.message, i.severity) for i in issues], response.content.decode()


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_the_answer_names_the_issues_exactly_as_the_preview_does(keys: Keys, cast: Cast, kind: str) -> None:
    rows = [
        incost(),
        incost(campaign_id="c2", geo="XX", currency="ZZZ"),
        incost(campaign_id="c3", media_source="nope_int", campaign_name="bad name!"),
        incost(),  # a duplicate of row 1
        incost(campaign_id="c5", spend=-1, days_back=120),
    ]
    if kind == "json":
        data, headers, name = json_bytes(rows), JSON, "c.json"
    else:
        data, headers, name = csv_bytes(rows), CSV, "c.csv"
    preview, html = _preview_issues(cast, data, name)
    assert len(preview) >= 6
    checked = keys.write.post("/api/v1/costs?validate_only=true", data=data, headers=headers).json()
    pushed = keys.write.post("/api/v1/costs", data=data, headers=headers)
    assert pushed.status_code == 422
    refusal = pushed.json()
    assert refusal["error"]["code"] == "cost_invalid" and not refusal["stored"]
    for answer in (checked, refusal):
        shown = [(i["row"], i["field"], i["code"], i["message"], i["severity"]) for i in answer["issues"]]
        assert shown == preview
    for _, _, code, message, _ in preview:
        assert code in html and escape(message) in html, (code, message)
    # The full list behind the link is the same list.
    listed = keys.read.get(refusal["upload"]["issues_url"]).json()["items"]
    assert [(i["row"], i["field"], i["code"], i["message"], i["severity"]) for i in listed] == preview
    assert not CostRow.objects.exists()


def test_accept_all_is_all_or_nothing(keys: Keys, cast: Cast) -> None:
    keys.write.post("/api/v1/costs", data=json_bytes([incost(spend=5)]), headers=JSON)
    before = spend_of(cast)
    bad = [incost(spend=9), incost(ANDROID, campaign_id="c2", geo="XX")]
    answer = keys.write.post("/api/v1/costs", data=json_bytes(bad), headers=JSON)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "cost_invalid"
    assert answer.json()["upload"]["status"] == "invalid"
    assert spend_of(cast) == before
    # A person can open it on the upload page, fix it and accept it there.
    client = Client()
    client.force_login(cast.ops)
    preview = client.get(answer.json()["upload"]["preview_url"])
    assert preview.status_code == 200 and "ic219" in preview.content.decode()


def test_accept_valid_stores_the_clean_groups_and_reports_the_others(keys: Keys, cast: Cast) -> None:
    keys.write.post(
        "/api/v1/costs", data=json_bytes([incost(spend=5), incost(ANDROID, spend=6)]), headers=JSON
    )
    rows = [
        incost(spend=9),  # the iOS group: clean, replaced
        incost(ANDROID, spend=1),
        incost(ANDROID, campaign_id="c2", geo="XX"),  # the Android group: an error, left as it was
        incost(IOS, 4, spend=3),  # a new clean group
    ]
    answer = keys.write.post("/api/v1/costs?accept=valid", data=json_bytes(rows), headers=JSON)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stored"] and not body["valid"]
    assert body["groups_left_out"] == [{"app_id": ANDROID, "date": today(3), "media_source": "acme_int"}]
    assert [(i["row"], i["code"]) for i in body["issues"]] == [(3, "ic219")]
    assert body["accepted_upload"]["status"] == "accepted" and body["accepted_upload"]["source"] == "api"
    assert body["upload"]["superseded_by"] == body["accepted_upload"]["id"]
    assert spend_of(cast) == {
        (IOS, today(3), "acme_int"): Decimal(9),
        (ANDROID, today(3), "acme_int"): Decimal(6),
        (IOS, today(4), "acme_int"): Decimal(3),
    }
    everything_bad = keys.write.post(
        "/api/v1/costs?accept=valid", data=json_bytes([incost(geo="XX")]), headers=JSON
    )
    assert everything_bad.status_code == 422 and everything_bad.json()["error"]["code"] == "cost_invalid"
    assert spend_of(cast)[(IOS, today(3), "acme_int")] == Decimal(9)


def test_a_csv_with_decimal_commas_and_day_first_dates(keys: Keys, cast: Cast) -> None:
    day = today(3)
    written = f"{day[8:10]}/{day[5:7]}/{day[0:4]}"
    data = (
        "date;app_id;media_source;campaign_id;campaign_name;currency;spend\n"
        f"{written};{IOS};acme_int;c1;camp_1;EUR;1.234,50\n"
    ).encode()
    plain = keys.write.post("/api/v1/costs?validate_only=true", data=data, headers=CSV).json()
    assert not plain["valid"]
    answer = keys.write.post(
        "/api/v1/costs",
        params={"decimal_separator": ",", "date_format": "DD/MM/YYYY"},
        data=data,
        headers=CSV,
    )
    assert answer.status_code == 200, answer.text
    assert spend_of(cast) == {(IOS, day, "acme_int"): Decimal("1234.5")}


def test_an_xlsx_body_by_its_content_type(keys: Keys, cast: Cast) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    row = incost(spend=4.5)
    sheet.append(list(row))
    sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    checked = keys.write.post(
        "/api/v1/costs?validate_only=true", data=out.getvalue(), headers={"Content-Type": XLSX}
    )
    assert checked.status_code == 200 and checked.json()["valid"], checked.text
    answer = keys.write.post("/api/v1/costs", data=out.getvalue(), headers={"Content-Type": XLSX})
    assert answer.status_code == 200, answer.text
    assert answer.json()["upload"]["file_format"] == "xlsx"
    assert spend_of(cast) == {(IOS, today(3), "acme_int"): Decimal("4.5")}


def test_an_unknown_content_type_or_option_is_refused_in_the_error_shape(keys: Keys) -> None:
    answer = keys.write.post("/api/v1/costs", data=b"<x/>", headers={"Content-Type": "application/xml"})
    assert answer.status_code == 415 and error_of(answer)["code"] == "unsupported_media_type"
    for params in ({"accept": "some"}, {"date_format": "YY"}, {"app_id": "com.other.app"}, {"issues": 0}):
        refused = keys.write.post("/api/v1/costs", params=params, data=b"[]", headers=JSON)
        assert refused.status_code == 422 and error_of(refused)["code"] == "invalid_request", params
    chunked = keys.write.post("/api/v1/costs", data=iter([json_bytes([incost()])]), headers=JSON)
    assert chunked.status_code == 411 and error_of(chunked)["code"] == "length_required"
    zone = keys.write.post("/api/v1/costs?source_time_zone=Mars/Base", data=b"[]", headers=JSON)
    assert "'Mars/Base' is not an IANA time zone name" in error_of(zone)["message"]
    assert not CostUpload.objects.exists()


def test_the_name_given_is_kept_as_a_file_name_may_be(keys: Keys, cast: Cast) -> None:
    for given, kept in (
        ("march costs.json", "march_costs.json"),
        ("../../etc/x.json", "x.json"),
        ("\U0004c88b", ""),
    ):
        answer = keys.write.post(
            "/api/v1/costs", params={"name": given}, data=json_bytes([incost()]), headers=JSON
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["upload"]["name"] == (kept or "api-push.json")


def test_a_read_key_cannot_push_and_another_network_cannot_see_the_upload(keys: Keys, cast: Cast) -> None:
    refused = keys.read.post("/api/v1/costs", data=json_bytes([incost()]), headers=JSON)
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert not CostUpload.objects.exists()
    upload = keys.write.post("/api/v1/costs", data=json_bytes([incost()]), headers=JSON).json()["upload"]
    for path in (f"/api/v1/uploads/{upload['id']}", f"/api/v1/uploads/{upload['id']}/issues"):
        assert keys.read.get(path).status_code == 200
        theirs = keys.other.get(path)
        missing = keys.other.get(path.replace(upload["id"], "00000000-0000-0000-0000-000000000000"))
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()
    assert keys.other.get("/api/v1/uploads").json()["items"] == []


def test_the_same_idempotency_key_twice_applies_once(keys: Keys, cast: Cast) -> None:
    data = json_bytes([incost(spend=5)])
    headers = {**JSON, "Idempotency-Key": "push-0001"}
    first = keys.write.post("/api/v1/costs", data=data, headers=headers)
    # Meanwhile the group changes: a replay must not put the first push's rows back.
    keys.write.post("/api/v1/costs", data=json_bytes([incost(spend=8)]), headers=JSON)
    again = keys.write.post("/api/v1/costs", data=data, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert CostUpload.objects.filter(network=cast.network).count() == 2
    assert spend_of(cast) == {(IOS, today(3), "acme_int"): Decimal(8)}
    accepted = AuditEvent.objects.filter(network=cast.network, action=Action.UPLOAD_ACCEPTED)
    assert accepted.count() == 2

    other_body = keys.write.post("/api/v1/costs", data=json_bytes([incost(spend=6)]), headers=headers)
    assert other_body.status_code == 422 and error_of(other_body)["code"] == "idempotency_key_reused"
    other_query = keys.write.post("/api/v1/costs?validate_only=true", data=data, headers=headers)
    assert error_of(other_query)["code"] == "idempotency_key_reused"
    # Keys are per API key: another network's key may use the same one for its own request.
    theirs = keys.other.post("/api/v1/costs?validate_only=true", data=data, headers=headers)
    # (their network has no such app: their own answer, a refusal of their own body)
    assert "Idempotent-Replayed" not in theirs.headers and theirs.json()["validate_only"]
    assert theirs.json()["counts"]["issue_counts"] == {"ic213": 1, "ic215": 1}


def test_a_refusal_is_replayed_too(keys: Keys, cast: Cast) -> None:
    headers = {**JSON, "Idempotency-Key": "bad-push"}
    data = json_bytes([incost(geo="XX")])
    first = keys.write.post("/api/v1/costs", data=data, headers=headers)
    again = keys.write.post("/api/v1/costs", data=data, headers=headers)
    assert first.status_code == again.status_code == 422 and first.json() == again.json()
    assert CostUpload.objects.filter(network=cast.network).count() == 1


def test_a_duplicate_while_the_first_runs_answers_409(keys: Keys, cast: Cast) -> None:
    data = json_bytes([incost()])
    key = ApiKey.objects.get(network=cast.network, name="write key")
    import hashlib

    fingerprint = request_fingerprint(
        method="POST",
        path="/api/v1/costs",
        query="",
        content_type="application/json",
        body_sha256=hashlib.sha256(data).hexdigest(),
    )
    running = idempotency_claim(api_key=key, key="in-flight", fingerprint=fingerprint)
    assert isinstance(running, IdempotentRequest)
    answer = keys.write.post("/api/v1/costs", data=data, headers={**JSON, "Idempotency-Key": "in-flight"})
    assert answer.status_code == 409 and error_of(answer)["code"] == "idempotency_key_in_use"
    assert not CostUpload.objects.exists()
    bad = keys.write.post("/api/v1/costs", data=data, headers={**JSON, "Idempotency-Key": "é" * 3})
    assert bad.status_code == 422


def test_a_large_body_streams_and_answers_with_counts_and_the_first_issues(keys: Keys, cast: Cast) -> None:
    # Over DATA_UPLOAD_MAX_MEMORY_SIZE (10 MB): request.body would refuse it; the API streams it.
    rows = [incost(campaign_id=f"c{n}", geo="XX", campaign_name="n" * 60) for n in range(60_000)]
    data = json_bytes(rows)
    assert len(data) > 10 * 1024 * 1024
    answer = keys.write.post("/api/v1/costs?validate_only=true", data=data, headers=JSON)
    assert answer.status_code == 422, answer.text[:500]
    body = answer.json()
    # One group of 60,000 rows is also over the 1 MB a request may carry (ic311).
    assert body["counts"]["rows"] == 60_000
    assert body["counts"]["issue_counts"] == {"ic219": 60_000, "ic311": 1}
    assert len(body["issues"]) == 100 and body["issues_total"] == 60_001
    pushed = keys.write.post("/api/v1/costs", data=data, headers=JSON).json()
    assert len(pushed["issues"]) == 100 and pushed["upload"]["issues_truncated"]
    page = keys.read.get(pushed["upload"]["issues_url"], params={"limit": 1000, "code": "ic219"}).json()
    assert len(page["items"]) == 1000 and page["next_cursor"] is None  # the first 1,000 of a code are kept


def test_idempotency_keys_are_kept_a_day_then_pruned_by_the_hourly_job(keys: Keys, cast: Cast) -> None:
    import datetime

    from django.utils import timezone

    from incost_portal.runtime.jobs import storage_prune

    data = json_bytes([incost()])
    headers = {**JSON, "Idempotency-Key": "daily-push"}
    first = keys.write.post("/api/v1/costs", data=data, headers=headers)
    assert (
        keys.write.post("/api/v1/costs", data=data, headers=headers).headers["Idempotent-Replayed"] == "true"
    )
    keys.write.post(
        "/api/v1/costs?validate_only=true", data=data, headers={**JSON, "Idempotency-Key": "fresh"}
    )
    IdempotentRequest.objects.filter(key="daily-push").update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    assert storage_prune()["idempotency keys removed"] == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["fresh"]
    # A day on, the key is new again: the push runs (and is stored) once more.
    again = keys.write.post("/api/v1/costs", data=data, headers=headers)
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert again.json()["upload"]["id"] != first.json()["upload"]["id"]
