"""The API's reads and settings over real HTTP: cost, groups, jobs, status, schedule, media sources;
every write refused to a read key, every object of another network a 404, errors in one shape."""

import json
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest

from incost_portal.alerts.models import Channel
from incost_portal.api.models import ApiKey
from incost_portal.audit.models import Action, AuditEvent
from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.networks.models import MediaSource, SendSchedule
from incost_portal.networks.selectors import send_schedule_for
from incost_portal.networks.services import api_token_set
from incost_portal.sources.models import Source
from incost_portal.sources.services.config import source_create
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.sending import submission_applied_record
from tests.alerts.builders import alert_channel
from tests.api.conftest import Keys
from tests.api.test_costs_push import ANDROID, IOS, JSON, incost
from tests.api.test_keys import error_of
from tests.builders import day, json_bytes, submission, today
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def push(keys: Keys, rows: list[dict[str, Any]]) -> dict[str, Any]:
    answer = keys.write.post("/api/v1/costs", data=json_bytes(rows), headers=JSON)
    assert answer.status_code == 200, answer.text
    return answer.json()


def operations(keys: Keys) -> list[tuple[str, str]]:
    """Every (method, path template) of the OpenAPI document."""
    paths = keys.anonymous.get("/api/v1/openapi.json").json()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item]


def test_costs_list_with_the_costs_page_filters_and_cursor(keys: Keys, cast: Cast) -> None:
    rows = [incost(IOS, d, campaign_id=f"c{d}", spend=d) for d in range(1, 6)]
    rows += [incost(ANDROID, 2, campaign_id="a1", campaign_name="autumn", spend=0.5)]
    push(keys, rows)
    everything = keys.read.get("/api/v1/costs").json()["items"]
    assert len(everything) == 6 and [row["date"] for row in everything] == sorted(
        (row["date"] for row in everything), reverse=True
    )
    first = everything[-1]
    assert first["spend"] == "5" and first["app_id"] == IOS and first["campaign_name"] == "camp_1"
    only = keys.read.get("/api/v1/costs", params={"app_id": ANDROID}).json()["items"]
    assert [(row["app_id"], row["spend"]) for row in only] == [(ANDROID, "0.5")]
    ranged = keys.read.get("/api/v1/costs", params={"date_from": today(3), "date_to": today(2)}).json()
    assert sorted(row["campaign_id"] for row in ranged["items"]) == ["a1", "c2", "c3"]
    named = keys.read.get("/api/v1/costs", params={"campaign": "autum"}).json()["items"]
    assert [row["campaign_id"] for row in named] == ["a1"]
    seen, cursor = [], None
    while True:
        page = keys.read.get(
            "/api/v1/costs", params={"limit": 4, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [row["id"] for row in everything]
    assert keys.other.get("/api/v1/costs").json()["items"] == []
    unknown = keys.read.get("/api/v1/costs", params={"app_id": "com.other.app"})
    assert unknown.status_code == 422 and error_of(unknown)["code"] == "invalid_request"
    assert keys.read.get("/api/v1/costs", params={"date_from": "yesterday"}).status_code == 422


def test_groups_say_to_send_on_its_way_applied_and_failed(keys: Keys, cast: Cast) -> None:
    push(keys, [incost(IOS, d, spend=d) for d in (1, 2, 3, 4)])
    app = cast.ios_app
    assert CostRow.objects.filter(app=app).count() == 4
    # Requests as the workers leave them: day 2 on its way, day 3 Applied (85%), day 4 failed (ic213).
    submission(app, State.SUBMITTED, day=day(2), spend=Decimal(2))
    applied = submission(
        app, State.APPLIED, day=day(3), spend=Decimal(3), matched_records_percentage=Decimal("85.5")
    )
    submission_applied_record(applied)
    failed = submission(app, State.FAILED, day=day(4), spend=Decimal(4), error_code="ic213")
    answer = keys.read.get("/api/v1/groups", params={"app_id": IOS})
    assert answer.status_code == 200, answer.text
    states = {group["date"]: group for group in answer.json()["items"]}
    assert states[today(1)]["state"] == "to_send" and states[today(1)]["job_id"] is None
    assert states[today(2)]["state"] == "on_its_way"
    assert states[today(3)]["state"] == "applied"
    assert states[today(3)]["matched_records_percentage"] == "85.50"
    assert states[today(3)]["job_id"] == str(applied.code)
    assert states[today(4)]["state"] == "failed" and states[today(4)]["error_code"] == "ic213"
    assert states[today(4)]["job_id"] == str(failed.code)
    assert states[today(1)]["spend"] == "1" and states[today(1)]["rows"] == 1
    only_failed = keys.read.get("/api/v1/groups", params={"state": "failed"}).json()["items"]
    assert [group["date"] for group in only_failed] == [today(4)]
    # The failed group's rows change: it is to send again.
    push(keys, [incost(IOS, 4, spend=40)])
    again = {g["date"]: g for g in keys.read.get("/api/v1/groups").json()["items"]}
    assert again[today(4)]["state"] == "to_send"
    assert keys.other.get("/api/v1/groups").json()["items"] == []


def test_jobs_list_and_detail_with_timeline_and_tenancy(keys: Keys, cast: Cast) -> None:
    push(keys, [incost(IOS, 2)])
    job = submission(cast.ios_app, State.FAILED, day=day(2), error_code="ic213")
    listed = keys.read.get("/api/v1/jobs")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [str(job.code)]
    assert keys.read.get("/api/v1/jobs", params={"state": "applied"}).json()["items"] == []
    detail = keys.read.get(f"/api/v1/jobs/{job.code}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["state"] == "failed" and body["error_code"] == "ic213"
    assert "media source is not registered" in body["failure_advice"]
    assert [group["date"] for group in body["groups"]] == [today(2)]
    assert [event["kind"] for event in body["events"]] == list(job.events.values_list("kind", flat=True))
    theirs = keys.other.get(f"/api/v1/jobs/{job.code}")
    missing = keys.other.get(f"/api/v1/jobs/{uuid.uuid4()}")
    assert theirs.status_code == missing.status_code == 404 and theirs.json()["error"]["code"] == "not_found"
    assert keys.other.get("/api/v1/jobs").json()["items"] == []
    assert keys.read.get("/api/v1/jobs/not-a-job").status_code == 404


def test_status_names_the_token_state_calls_and_what_waits_never_the_token(keys: Keys, cast: Cast) -> None:
    empty = keys.read.get("/api/v1/status").json()
    assert empty["token"]["present"] is False and empty["calls"]["per_day"] == 1000
    token = "eyJ" + "x" * 700
    api_token_set(network=cast.network, plaintext=token, user=cast.admin)
    push(keys, [incost(IOS, 1), incost(IOS, 2)])
    submission(cast.ios_app, State.NEEDS_RETRY, day=day(1))
    answer = keys.read.get("/api/v1/status")
    assert answer.status_code == 200
    status = answer.json()
    assert status["token"]["present"] is True
    assert status["calls"]["used_today"] == 0 and status["calls"]["left_today"] == 1000
    assert status["waiting"]["groups_not_applied"] == 2
    assert status["waiting"]["jobs_by_state"]["needs_retry"] == 1
    assert status["next_send"] is not None
    assert token[3:15] not in answer.text and "last_four" not in answer.text


def test_the_schedule_reads_and_changes_with_the_pages_messages(keys: Keys, cast: Cast) -> None:
    current = keys.read.get("/api/v1/schedule").json()
    assert (
        current["time_zone"] == "UTC"
        and current["send_times"] == send_schedule_for(network=cast.network).send_times
    )
    changed = keys.write.put(
        "/api/v1/schedule",
        json={"enabled": True, "send_times": ["12:00", "00:00", "12:00"], "backfill_days": 14},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["send_times"] == ["00:00", "12:00"] and changed.json()["backfill_days"] == 14
    stored = SendSchedule.objects.get(network=cast.network)
    assert stored.send_times == ["00:00", "12:00"] and stored.backfill_days == 14
    assert AuditEvent.objects.filter(
        network=cast.network, action=Action.SCHEDULE_CHANGED, actor=None
    ).exists()
    bad = keys.write.put(
        "/api/v1/schedule", json={"enabled": True, "send_times": ["25:00"], "backfill_days": 7}
    )
    assert (
        bad.status_code == 422
        and error_of(bad)["message"] == "send_times: Not a time of day as HH:MM: 25:00."
    )
    none = keys.write.put("/api/v1/schedule", json={"enabled": True, "send_times": [], "backfill_days": 7})
    assert error_of(none)["message"] == "send_times: This field is required."
    far = keys.write.put(
        "/api/v1/schedule", json={"enabled": True, "send_times": ["01:00"], "backfill_days": 91}
    )
    assert error_of(far)["message"].startswith("backfill_days: ")
    off = keys.write.put(
        "/api/v1/schedule", json={"enabled": False, "send_times": ["01:00"], "backfill_days": 7}
    )
    assert off.json()["next_send"] is None
    assert SendSchedule.objects.get(network=cast.network).send_times == ["01:00"]
    assert keys.other.get("/api/v1/schedule").json()["send_times"] != ["01:00"]
    assert off.json()["freshness"] == "fresh"  # the default: sooner between send times when calls allow
    scheduled = keys.write.put(
        "/api/v1/schedule",
        json={"enabled": True, "send_times": ["01:00"], "backfill_days": 7, "freshness": "scheduled"},
    )
    assert scheduled.json()["freshness"] == "scheduled"
    kept = keys.write.put(
        "/api/v1/schedule", json={"enabled": True, "send_times": ["02:00"], "backfill_days": 7}
    )
    assert kept.json()["freshness"] == "scheduled"  # left out: as it was
    wrong = keys.write.put(
        "/api/v1/schedule",
        json={"enabled": True, "send_times": ["01:00"], "backfill_days": 7, "freshness": "often"},
    )
    assert wrong.status_code in (400, 422)


def test_media_sources_are_listed_added_and_removed(keys: Keys, cast: Cast) -> None:
    listed = keys.read.get("/api/v1/media-sources").json()["items"]
    assert [source["name"] for source in listed] == ["acme_int"]
    added = keys.write.post("/api/v1/media-sources", json={"name": "acme_new"})
    assert added.status_code == 201 and added.json()["kind"] == "media_source"
    again = keys.write.post("/api/v1/media-sources", json={"name": "acme_new"})
    assert again.status_code == 409 and error_of(again)["message"] == "acme_new is registered already."
    spaced = keys.write.post("/api/v1/media-sources", json={"name": "acme new"})
    assert spaced.status_code == 422 and "Use no spaces" in error_of(spaced)["message"]
    source_id = added.json()["id"]
    theirs = keys.other.delete(f"/api/v1/media-sources/{source_id}")
    missing = keys.other.delete(f"/api/v1/media-sources/{uuid.uuid4()}")
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    assert keys.write.delete(f"/api/v1/media-sources/{source_id}").status_code == 204
    assert not MediaSource.objects.filter(network=cast.network, name="acme_new").exists()
    removed = AuditEvent.objects.get(network=cast.network, action=Action.MEDIA_SOURCE_REMOVED)
    assert removed.target == "acme_new" and removed.actor is None


def test_a_read_key_is_refused_every_write_and_nothing_changes(keys: Keys, cast: Cast) -> None:
    push(keys, [incost(IOS, 2)])
    job = submission(cast.ios_app, State.APPLIED, day=day(2))
    ids = {"job_id": str(job.code), "source_id": str(cast.media_source.code), "upload_id": str(uuid.uuid4())}
    ids["channel_id"] = str(alert_channel(cast.network).code)
    before_channels = Channel.objects.count()
    writes = [(method, path) for method, path in operations(keys) if method != "GET"]
    assert len(writes) >= 6
    before = (CostUpload.objects.count(), Submission.objects.count(), MediaSource.objects.count())
    schedule = list(SendSchedule.objects.values_list("send_times", flat=True))
    for method, template in writes:
        path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
        answer = keys.read.request(method, path, data=b"[]", headers=JSON)
        assert answer.status_code == 403, (method, path, answer.text)
        assert error_of(answer)["code"] == "forbidden"
    assert (CostUpload.objects.count(), Submission.objects.count(), MediaSource.objects.count()) == before
    assert list(SendSchedule.objects.values_list("send_times", flat=True)) == schedule
    assert Channel.objects.count() == before_channels


def test_another_networks_key_gets_404_for_every_object(keys: Keys, cast: Cast) -> None:
    upload = push(keys, [incost(IOS, 2)])["upload"]
    job = submission(cast.ios_app, State.APPLIED, day=day(2))
    ids = {"job_id": str(job.code), "source_id": str(cast.media_source.code), "upload_id": upload["id"]}
    ids["channel_id"] = str(alert_channel(cast.network).code)
    # `{source_id}` names a media source under /media-sources/ and a cost source under /sources/.
    cost_source = source_create(
        network=cast.network,
        user=cast.admin,
        values={"name": "Daily", "kind": "https", "url_template": "https://r.example.com/c.csv"},
    )
    with_ids = [(method, path) for method, path in operations(keys) if "{" in path]
    assert len(with_ids) >= 5
    for method, template in with_ids:
        named = (
            {**ids, "source_id": str(cost_source.code)} if template.startswith("/api/v1/sources/") else ids
        )
        path = re.sub(r"\{(\w+)\}", lambda m, named=named: named[m.group(1)], template)
        missing_path = re.sub(r"\{(\w+)\}", lambda m: str(uuid.uuid4()), template)
        # A well-formed (empty) body where one is taken: the answer is about the object, not the body.
        body = {} if method == "GET" else {"json": {}}
        theirs = keys.other.request(method, path, **body)
        missing = keys.other.request(method, missing_path, **body)
        assert theirs.status_code == missing.status_code == 404, (method, path)
        assert error_of(theirs)["code"] == "not_found" and theirs.json() == missing.json()
    assert MediaSource.objects.filter(pk=cast.media_source.pk).exists()
    assert Submission.objects.filter(network=cast.network).count() == 1
    assert Channel.objects.filter(network=cast.network).count() == 1
    assert Source.objects.filter(pk=cost_source.pk).exists()


def test_a_wrong_method_and_bad_bodies_answer_in_the_error_shape(keys: Keys) -> None:
    wrong = keys.write.request("PATCH", "/api/v1/costs")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"] and "POST" in wrong.headers["Allow"]
    assert keys.write.delete("/api/v1/status").status_code == 405
    not_json = keys.write.put("/api/v1/schedule", data=b"{nope", headers=JSON)
    assert not_json.status_code in (400, 422) and error_of(not_json)["code"] == "invalid_request"
    wrong_type = keys.write.put(
        "/api/v1/schedule", json={"enabled": "maybe", "send_times": "x", "backfill_days": "a"}
    )
    assert wrong_type.status_code == 422 and error_of(wrong_type)["code"] == "invalid_request"
    days = keys.write.post("/api/v1/sends", json={"days": 91})
    assert days.status_code == 422 and "days" in error_of(days)["message"]
    # PostgreSQL refuses NUL in any text: a parameter holding one is refused before a query.
    for path in (
        "/api/v1/costs?campaign=a%00b",
        "/api/v1/costs?app_id=%00",
        "/api/v1/groups?media_source=%00",
    ):
        nul = keys.write.get(path)
        assert nul.status_code == 422 and "NUL" in error_of(nul)["message"], path
    named = keys.write.post("/api/v1/costs?name=a%00b", data=b"[]", headers=JSON)
    assert named.status_code == 422 and not CostUpload.objects.exists()
    # A misspelt option is refused, not ignored: this push would have been stored.
    typo = keys.write.post("/api/v1/costs?validateonly=true", data=json_bytes([incost()]), headers=JSON)
    assert typo.status_code == 422 and not CostUpload.objects.exists()
    assert error_of(typo)["message"].startswith("Unknown parameter 'validateonly'; this takes: accept, ")
    assert keys.read.get("/api/v1/jobs", params={"page": 2}).status_code == 422


def test_the_key_never_appears_in_an_answer_or_the_audit_trail(keys: Keys, cast: Cast) -> None:
    push(keys, [incost(IOS, 2)])
    answers = [keys.write.get(path).text for path in ("/api/v1/uploads", "/api/v1/status", "/api/v1/groups")]
    trail = json.dumps(list(AuditEvent.objects.values("target", "detail")), default=str)
    secret = keys.write.key
    assert secret and all(secret[12:] not in text for text in [*answers, trail])
    assert ApiKey.objects.filter(network=cast.network, prefix=secret[:12]).exists()
    assert Decimal(CostRow.objects.get().spend) == Decimal("12.5")
