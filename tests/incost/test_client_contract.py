"""The client against the sandbox, started as its own process, over real HTTP: every call, every
documented answer."""

import json
import logging
from decimal import Decimal

import pytest
import requests
from django.conf import settings

from incost_portal.incost.answers import InCostError, JobStatus
from incost_portal.incost.client import InCostClient
from tests.builders import ANDROID, IOS, body, incost_row, today
from tests.sandbox.running import Sandbox
from tests.waiting import wait_for


def client_for(sandbox: Sandbox, token: str, **kwargs: object) -> InCostClient:
    return InCostClient(base_url=sandbox.api_url, token=token, **kwargs)  # type: ignore[arg-type]


def wait_for_end(client: InCostClient, app_id: str, job_id: str) -> JobStatus:
    """The job's final status (the sandbox's jobs end at once unless a test says otherwise)."""

    def final() -> JobStatus | None:
        status = client.job_status(app_id=app_id, job_id=job_id)
        return status if status.is_terminal else None

    return wait_for(final)


def test_upload_answers_a_job_id_and_the_job_goes_from_in_progress_to_applied(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    sandbox.configure(in_progress_seconds=120)  # AppsFlyer's: check after 2 minutes
    client = client_for(sandbox, token)
    accepted = client.upload(app_id=IOS, body=body(incost_row(date=today(3)), incost_row(date=today(1))))
    assert accepted.job_id

    first = client.job_status(app_id=IOS, job_id=accepted.job_id)
    assert first.status == "In progress" and not first.is_terminal

    sandbox.advance(120)
    final = client.job_status(app_id=IOS, job_id=accepted.job_id)
    assert final.status == "Applied" and final.is_applied
    # No attribution clicks for these campaigns: the score is below 100, as the spec warns.
    assert final.matched_records_percentage == Decimal("0.00")
    assert (str(final.date_from), str(final.date_to)) == (today(3), today(1))
    assert final.app_id == IOS
    assert final.uploaded_request_url.endswith(f"/sandbox/jobs/{accepted.job_id}/body")


def test_the_matched_records_score_is_computed_from_clicks(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    sandbox.post(
        "/sandbox/clicks",
        {"app_id": ANDROID, "media_source": "acme_int", "campaign_id": "matched-c", "count": 3},
    )
    rows = [incost_row(app_id=ANDROID, campaign_id=campaign) for campaign in ("matched-c", "x1", "x2", "x3")]
    client = client_for(sandbox, token)
    job = client.upload(app_id=ANDROID, body=body(*rows))
    assert wait_for_end(client, ANDROID, job.job_id).matched_records_percentage == Decimal("25.00")


@pytest.mark.parametrize(
    ("payload", "code", "status"),
    [
        (b'[{"date": "2024-01-01",', "ic416", 422),  # cut off
        (b'{"date": "2024-01-01"}', "ic416", 422),  # an object, not an array
        (b"[]", "ic416", 422),  # at least one row
        (body(incost_row(media_source="unknown_int")), "ic213", 415),
    ],
)
def test_upload_answers_format_and_media_source_problems_at_once(
    sandbox: Sandbox, payload: bytes, code: str, status: int
) -> None:
    _, token = sandbox.partner()
    with pytest.raises(InCostError) as caught:
        client_for(sandbox, token).upload(app_id=IOS, body=payload)
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == (code, status, False)
    assert caught.value.message


def test_a_body_over_the_size_limit_is_ic311(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    rows, size = [], 0
    while size <= settings.INCOST_MAX_REQUEST_BYTES:
        rows.append(incost_row(campaign_id=f"c{len(rows)}", campaign_name="n" * 90))
        size += len(json.dumps(rows[-1])) + 2
    with pytest.raises(InCostError) as caught:
        client_for(sandbox, token).upload(app_id=IOS, body=body(*rows))
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("ic311", 413, False)


def test_apps_not_enabled_for_the_partner_or_unknown_are_refused(sandbox: Sandbox) -> None:
    sandbox.partner(apps=("com.private.app",))
    _, token = sandbox.partner()
    client = client_for(sandbox, token)
    with pytest.raises(InCostError) as caught:
        client.upload(app_id="com.private.app", body=body(incost_row(app_id="com.private.app")))
    assert (caught.value.code, caught.value.http_status) == ("ic414", 401)
    with pytest.raises(InCostError) as caught:
        client.upload(app_id="com.nowhere", body=body(incost_row(app_id="com.nowhere")))
    assert (caught.value.code, caught.value.http_status) == ("ic215", 422)


BAD_ROWS = {
    "ic248": [incost_row(spend=None)],
    "ic211": [incost_row(date="2024-02-30")],
    "ic212": [incost_row(date=today(-2))],
    "ic232": [incost_row(date=today(120))],
    "ic217": [incost_row(spend=-1)],
    "ic219": [incost_row(geo="XX")],
    "ic220": [incost_row(currency="ABC")],
    "ic221": [incost_row(), incost_row(campaign_id="c2", currency="EUR")],
    "ic222": [incost_row(), incost_row()],
    "ic228": [incost_row(), incost_row(app_id=ANDROID)],
    "ic229": [incost_row(app_id=ANDROID)],
    "ic231": [incost_row(), incost_row(campaign_id="c2", geo="US")],
    "ic241": [incost_row(clicks=-3)],
    "ic242": [incost_row(impressions=1.5)],
}


def test_row_problems_come_back_as_validation_errors_in_the_job_status(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    client = client_for(sandbox, token)
    jobs = {code: client.upload(app_id=IOS, body=body(*rows)).job_id for code, rows in BAD_ROWS.items()}
    for code, job_id in jobs.items():
        status = wait_for_end(client, IOS, job_id)
        assert (status.status, status.error_code) == ("Validation error", code), status
        assert status.error_message and status.matched_records_percentage is None
        assert status.retry_after_seconds is None
    assert sandbox.ledger(name)["row_count"] == 0


def test_error_processing_data_is_a_job_end_to_retry_after_15_minutes(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    sandbox.configure(processing_error_share=1.0)
    client = client_for(sandbox, token)
    job = client.upload(app_id=IOS, body=body(incost_row()))
    status = wait_for_end(client, IOS, job.job_id)
    assert status.status == "Error processing data"
    assert status.retry_after_seconds == 900
    assert sandbox.ledger(name)["row_count"] == 0


def test_job_status_of_another_app_is_ic415_and_an_unknown_job_ic224(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    _, stranger_token = sandbox.partner()
    client = client_for(sandbox, token)
    job = client.upload(app_id=IOS, body=body(incost_row()))
    with pytest.raises(InCostError) as caught:
        client.job_status(app_id=ANDROID, job_id=job.job_id)
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("ic415", 401, False)
    with pytest.raises(InCostError) as caught:
        client.job_status(app_id=IOS, job_id="00000000-0000-0000-0000-000000000000")
    assert (caught.value.code, caught.value.http_status) == ("ic224", 422)
    # Another partner's job is unknown to this one.
    with pytest.raises(InCostError) as caught:
        client_for(sandbox, stranger_token).job_status(app_id=IOS, job_id=job.job_id)
    assert caught.value.code == "ic224"


def test_the_app_list_pages_to_the_end(sandbox: Sandbox) -> None:
    extra = tuple(f"com.acme.app{number}" for number in range(5))
    _, token = sandbox.partner(apps=extra)
    client = client_for(sandbox, token)
    pages = [client.app_list(limit=3, offset=offset) for offset in (0, 3, 6)]
    assert [len(page.apps) for page in pages] == [3, 3, 1]
    assert [page.has_next for page in pages] == [True, True, False]
    assert {page.total_items for page in pages} == {7}
    listed = {app.app_id: app for page in pages for app in page.apps}
    assert set(listed) == {*extra, IOS, ANDROID}
    ios = listed[IOS]
    assert (ios.platform, ios.time_zone, ios.currency) == ("ios", "UTC", "USD")

    # On the wire: links.next is there on every page but the last.
    raw = requests.get(
        f"{sandbox.api_url}mng/apps",
        params={"capabilities": "cost", "limit": 3, "offset": 6},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=5,
    ).json()
    assert "next" not in raw["links"] and raw["meta"]["total_items"] == 7
    assert raw["data"][0]["type"] == "app"


@pytest.mark.parametrize(
    ("limit", "offset", "code"), [(0, 0, "ic226"), (1001, 0, "ic226"), (10, -1, "ic227")]
)
def test_the_app_list_refuses_counts_outside_1_to_1000(
    sandbox: Sandbox, limit: int, offset: int, code: str
) -> None:
    _, token = sandbox.partner()
    with pytest.raises(InCostError) as caught:
        client_for(sandbox, token).app_list(limit=limit, offset=offset)
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == (code, 422, False)


def test_past_150_calls_a_minute_the_answer_is_ic111_until_the_window_moves(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    client = client_for(sandbox, token, read_attempts=1)
    for _ in range(150):
        with pytest.raises(InCostError) as caught:
            client.job_status(app_id=IOS, job_id="unknown")
        assert caught.value.code == "ic224"
    with pytest.raises(InCostError) as caught:
        client.upload(app_id=IOS, body=body(incost_row()))
    error = caught.value
    assert (error.code, error.http_status, error.retryable, error.retry_after_seconds) == (
        "ic111",
        429,
        True,
        60,
    )
    # The app list has its own count, 20 a minute.
    for _ in range(20):
        client.app_list(limit=1)
    with pytest.raises(InCostError) as caught:
        client.app_list(limit=1)
    assert caught.value.code == "ic111"

    sandbox.advance(60)  # a minute on, the window has room again
    assert client.upload(app_id=IOS, body=body(incost_row())).job_id


def test_past_the_day_limit_the_answer_is_ic111(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    sandbox.configure(incost_per_day=5, app_list_per_day=2)
    client = client_for(sandbox, token)
    for _ in range(5):
        client.upload(app_id=IOS, body=body(incost_row()))
    with pytest.raises(InCostError) as caught:
        client.job_status(app_id=IOS, job_id="unknown")
    assert caught.value.code == "ic111"
    client.app_list(), client.app_list()
    with pytest.raises(InCostError) as caught:
        client.app_list()
    assert caught.value.code == "ic111"


def test_5xx_is_retryable_and_reads_are_tried_again(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    sandbox.configure(server_error_share=1.0)
    client = client_for(sandbox, token, read_attempts=2)
    with pytest.raises(InCostError) as caught:
        client.upload(app_id=IOS, body=body(incost_row()))
    assert caught.value.http_status in (500, 502, 503) and caught.value.retryable
    assert caught.value.code.startswith("http_5")
    with pytest.raises(InCostError) as caught:
        client.job_status(app_id=IOS, job_id="x")
    assert caught.value.retryable
    calls = sandbox.get("/sandbox/calls", partner=name)["calls"]
    assert [call["method"] for call in calls] == ["POST", "GET", "GET"]  # an upload is never repeated


def test_ic300_says_try_again_in_10_minutes(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    sandbox.configure(ic300_share=1.0)
    client = client_for(sandbox, token, read_attempts=2)
    with pytest.raises(InCostError) as caught:
        client.upload(app_id=IOS, body=body(incost_row()))
    error = caught.value
    assert (error.code, error.http_status, error.retryable) == ("ic300", 500, True)
    assert error.retry_after_seconds == 600
    with pytest.raises(InCostError) as caught:
        client.job_status(app_id=IOS, job_id="x")
    assert caught.value.code == "ic300"
    # Not tried again at once: the spec's 10 minutes are the caller's to wait.
    assert len(sandbox.get("/sandbox/calls", partner=name)["calls"]) == 2


def test_a_dropped_connection_is_retryable_and_resending_counts_nothing_twice(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    client = client_for(sandbox, token)
    payload = body(
        incost_row(date=today(2), spend=10), incost_row(date=today(2), campaign_id="c2", spend=5.25)
    )
    sandbox.configure(dropped_connection_share=1.0)
    with pytest.raises(InCostError) as caught:
        client.upload(app_id=IOS, body=payload)
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("connection", None, True)
    sandbox.configure(dropped_connection_share=0.0)
    # The sandbox did take the lost upload; sending it again replaces it, not adds to it.
    job = client.upload(app_id=IOS, body=payload)
    wait_for_end(client, IOS, job.job_id)
    ledger = sandbox.ledger(name)
    assert ledger["spend_total"] == "15.25" and ledger["row_count"] == 2
    assert len(sandbox.get("/sandbox/jobs", partner=name)["jobs"]) == 2


def test_a_slow_answer_is_a_retryable_timeout(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    sandbox.configure(latency_ms=1500)
    client = client_for(sandbox, token, read_timeout=0.3, read_attempts=1)
    with pytest.raises(InCostError) as caught:
        client.app_list()
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("timeout", None, True)


def test_bare_json_string_answers_are_read(sandbox: Sandbox) -> None:
    _, token = sandbox.partner()
    sandbox.configure(bare_string_share=1.0)
    client = client_for(sandbox, token)
    job = client.upload(app_id=IOS, body=body(incost_row()))
    raw = requests.get(
        f"{sandbox.api_url}incost-jobstatus/v1/data/app/{ANDROID}/job/{job.job_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert raw.status_code == 401 and isinstance(raw.json(), str)
    with pytest.raises(InCostError) as caught:
        client.job_status(app_id=ANDROID, job_id=job.job_id)
    assert caught.value.code == "ic415"
    with pytest.raises(InCostError) as caught:
        client.upload(app_id=IOS, body=body(incost_row(media_source="nope_int")))
    assert caught.value.code == "ic213"
    sandbox.configure(bare_string_share=0.0)
    assert wait_for_end(client, IOS, job.job_id).is_applied


def test_a_bad_token_is_unauthorized_and_not_retryable(sandbox: Sandbox) -> None:
    with pytest.raises(InCostError) as caught:
        client_for(sandbox, "eyJ" + "x" * 760).app_list()
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == (
        "unauthorized",
        401,
        False,
    )


def test_a_later_applied_upload_of_a_group_replaces_the_earlier_one(sandbox: Sandbox) -> None:
    name, token = sandbox.partner()
    client = client_for(sandbox, token)
    first = client.upload(
        app_id=IOS, body=body(incost_row(date=today(5), spend=10), incost_row(date=today(4), spend=1))
    )
    second = client.upload(
        app_id=IOS,
        body=body(incost_row(date=today(5), spend=3), incost_row(date=today(5), campaign_id="c9", spend=4)),
    )
    wait_for_end(client, IOS, first.job_id)
    wait_for_end(client, IOS, second.job_id)
    groups = {group["date"]: group for group in sandbox.ledger(name)["groups"]}
    assert groups[today(5)]["spend"] == "7" and groups[today(5)]["job_ids"] == [second.job_id]
    assert groups[today(4)]["spend"] == "1"


def test_the_token_is_never_in_a_log_line_an_error_or_a_repr(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    _, token = sandbox.partner()
    client = client_for(sandbox, token, read_attempts=1)
    errors: list[InCostError] = []
    with caplog.at_level(logging.DEBUG):
        job = client.upload(app_id=IOS, body=body(incost_row()))
        client.job_status(app_id=IOS, job_id=job.job_id)
        for fault in (
            {"dropped_connection_share": 1.0},
            {"server_error_share": 1.0},
            {"bare_string_share": 1.0},
        ):
            sandbox.reset()
            sandbox.configure(**fault)
            try:
                client.upload(app_id=IOS, body=body(incost_row(media_source="nope_int")))
            except InCostError as error:
                errors.append(error)
    assert len(errors) == 3
    texts = [caplog.text, repr(client), str(client), *(str(e) for e in errors), *(repr(e) for e in errors)]
    texts += [str(e.args) for e in errors]
    for text in texts:
        assert token not in text and token[-40:] not in text
