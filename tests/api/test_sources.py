"""/api/v1/sources over real HTTP: create, list, change and delete a source with a write key,
secrets never answered back, runs requested (a test and a fetch) and read; tenancy and scopes."""

from typing import Any

import pytest
from django.test import override_settings

from incost_portal.audit.models import Action, AuditEvent
from incost_portal.costs.models import CostRow
from incost_portal.sources.models import Source
from tests.api.conftest import Keys
from tests.builders import csv_bytes, row, today
from tests.cast import Cast
from tests.sources.conftest import FAST
from tests.sources.reports import reports_running
from tests.sources.running import jobs_run

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "Bearer api-report-secret-1a2b3c4d"


def create(keys: Keys, **body: Any) -> Any:
    given = {"name": "Daily", "kind": "https", "url_template": "https://r.example.com/c.csv", **body}
    return keys.write.post("/api/v1/sources", json=given)


def test_a_source_is_created_listed_changed_and_deleted_without_its_secret_ever_answered(
    keys: Keys, cast: Cast
) -> None:
    answer = create(keys, headers={"Authorization": SECRET}, column_mapping={"Cost": "spend"})
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["headers"] == {"Authorization": "…3c4d"} and made["secret_key"] is None
    assert made["column_mapping"] == {"Cost": "spend"} and made["on_problems"] == "valid_groups"
    assert SECRET not in answer.text
    listed = keys.write.get("/api/v1/sources").json()
    assert [item["id"] for item in listed["items"]] == [made["id"]] and SECRET not in str(listed)

    changed = keys.write.patch(f"/api/v1/sources/{made['id']}", json={"every_hours": 2, "enabled": False})
    assert changed.status_code == 200 and changed.json()["every_hours"] == 2
    assert changed.json()["headers"] == {"Authorization": "…3c4d"}  # kept: not given
    assert AuditEvent.objects.get(action=Action.SOURCE_UPDATED).detail == {
        "changed": ["enabled", "every_hours"]
    }

    assert keys.write.delete(f"/api/v1/sources/{made['id']}").status_code == 204
    assert not Source.objects.exists()
    assert AuditEvent.objects.filter(action=Action.SOURCE_DELETED, network=cast.network).exists()


def test_bad_settings_answer_422_naming_the_field(keys: Keys) -> None:
    answer = create(keys, url_template="reports.example.com", column_mapping={"Cost": "price"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert {detail["where"] for detail in error["details"]} == {"url_template", "column_mapping"}
    assert create(keys, kind="ftp").status_code == 422
    assert keys.write.post("/api/v1/sources", json={"name": "x"}).status_code == 422  # no URL


def test_fetch_now_and_a_dry_run_through_the_api(keys: Keys, cast: Cast) -> None:
    rows = [row(date=today(1), app_id=cast.ios_app.app_id), row(date=today(2), app_id=cast.ios_app.app_id)]
    with reports_running() as reports, override_settings(**FAST):
        reports.set("/c.csv", body=csv_bytes(rows), require={"Authorization": SECRET})
        made = create(keys, url_template=reports.url("/c.csv"), headers={"Authorization": SECRET}).json()
        test = keys.write.post(f"/api/v1/sources/{made['id']}/runs?dry_run=true")
        assert test.status_code == 202 and test.json()["dry_run"] and test.json()["outcome"] == "queued"
        jobs_run()
        fetch = keys.write.post(f"/api/v1/sources/{made['id']}/runs")
        jobs_run()
    runs = keys.read.get(f"/api/v1/sources/{made['id']}/runs").json()["items"]
    assert [(run["id"], run["dry_run"], run["outcome"]) for run in runs] == [
        (fetch.json()["id"], False, "succeeded"),
        (test.json()["id"], True, "succeeded"),
    ]
    assert runs[0]["groups_replaced"] == 2 and len(runs[0]["uploads"]) == 1 and runs[1]["uploads"] == []
    assert CostRow.objects.filter(network=cast.network).count() == 2


def test_another_networks_key_gets_404_and_a_read_key_cannot_write(keys: Keys) -> None:
    made = create(keys).json()
    for method, path in (
        ("GET", f"/api/v1/sources/{made['id']}"),
        ("PATCH", f"/api/v1/sources/{made['id']}"),
        ("DELETE", f"/api/v1/sources/{made['id']}"),
        ("POST", f"/api/v1/sources/{made['id']}/runs"),
        ("GET", f"/api/v1/sources/{made['id']}/runs"),
    ):
        answer = keys.other.request(method, path, json={} if method == "PATCH" else None)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    assert keys.other.get("/api/v1/sources").json()["items"] == []
    assert keys.read.post("/api/v1/sources", json={"name": "x", "kind": "https"}).status_code == 403
    assert keys.read.post(f"/api/v1/sources/{made['id']}/runs").status_code == 403
    assert keys.read.get(f"/api/v1/sources/{made['id']}").status_code == 200


def test_characters_that_cannot_be_stored_answer_422(keys: Keys) -> None:
    for body in (
        {"name": "a\x00b"},
        {"url_template": "https://r.example.com/\ud800"},
        {"headers": {"X-Key": "v\x00"}},
        {"column_mapping": {"Co\x00st": "spend"}},
        {"secret_key": "k\ud800"},
    ):
        answer = create(keys, **body)
        assert answer.status_code == 422, (body, answer.text)
    assert not Source.objects.exists()
