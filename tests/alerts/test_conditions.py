"""Each kind of condition opens when its problem starts and resolves when it ends (the evaluators
read the state the portal keeps; the token-rejected and ic213 conditions are also shown end to end,
through workers and the sandbox, in test_end_to_end.py)."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from incost_portal.alerts.models import AlertSettings, Condition
from incost_portal.alerts.services.conditions import conditions_evaluate
from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from incost_portal.networks.models import App, Network
from incost_portal.networks.services import api_token_revoke, api_token_set, app_create
from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.services.config import source_create
from incost_portal.submissions.models import Event, ScheduledRun, State, Submission, SubmissionEvent
from tests.builders import cost_rows, csv_bytes, day, submission
from tests.cast import Cast

pytestmark = pytest.mark.django_db
TOKEN = "t" * 40


def open_now(network: Network) -> dict[tuple[str, str], Condition]:
    return {
        (c.kind, c.subject): c for c in Condition.objects.filter(network=network, resolved_at__isnull=True)
    }


def resolved(network: Network, kind: str) -> list[Condition]:
    return list(Condition.objects.filter(network=network, kind=kind, resolved_at__isnull=False))


def put_cost(cast: Cast, rows: list[dict[str, object]]) -> None:
    upload = cost_upload_create(
        network=cast.network, user=cast.ops, file=io.BytesIO(csv_bytes(rows)), name="c.csv"
    )
    assert upload.status == upload.Status.VALID, list(upload.issues.values_list("row", "code", "message"))
    cost_upload_accept(upload=upload, user=cast.ops)


def test_token_rejected_opens_on_a_401_and_resolves_when_a_new_token_is_pasted(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    failed = submission(cast.ios_app, State.FAILED, error_code="unauthorized", error_message="Unauthorized")
    SubmissionEvent.objects.create(
        submission=failed,
        kind=Event.UPLOAD,
        ok=False,
        http_status=401,
        code="unauthorized",
        message="Unauthorized",
    )
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("token_rejected", "")]
    assert "rejects the API token …tttt (HTTP 401)" in condition.title
    assert condition.link == f"/n/{cast.network.code}/settings/token/"
    # The failed request is the token's problem, not one of its own.
    assert set(open_now(cast.network)) == {("token_rejected", "")}

    conditions_evaluate(network=cast.network)
    assert Condition.objects.filter(network=cast.network).count() == 1

    api_token_set(network=cast.network, plaintext="n" * 40, user=cast.admin)
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}
    assert [c.pk for c in resolved(cast.network, "token_rejected")] == [condition.pk]


def test_token_missing_opens_while_sends_wait_and_resolves_when_one_is_pasted(cast: Cast) -> None:
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}, "a network with nothing to send needs no token yet"
    submission(cast.ios_app, State.QUEUED, error_code="no_token")
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    api_token_revoke(network=cast.network, actor=cast.admin)
    conditions_evaluate(network=cast.network)
    assert ("token_missing", "") in open_now(cast.network)
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}
    assert len(resolved(cast.network, "token_missing")) == 1


def test_a_failed_request_opens_with_its_code_and_resolves_once_its_groups_are_applied(cast: Cast) -> None:
    submission(cast.ios_app, State.FAILED, error_code="ic213", error_message="Media source not registered",
               finished_at=timezone.now())  # fmt: skip
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("request_failed", "id123456789:ic213")]
    assert condition.title == "A request for id123456789 failed: ic213"
    assert (
        "Media source not registered" in condition.detail and "Settings > Media sources" in condition.detail
    )
    assert condition.app == cast.ios_app
    # Exhausted retries are a failure too (another code: another condition).
    submission(cast.android_app, State.FAILED, error_code="http_500",
               error_message="Gave up after 20 attempts: HTTP 500", finished_at=timezone.now())  # fmt: skip
    conditions_evaluate(network=cast.network)
    assert ("request_failed", "com.acme.game:http_500") in open_now(cast.network)

    submission(cast.ios_app, State.APPLIED, finished_at=timezone.now())  # the same group, fixed and sent
    conditions_evaluate(network=cast.network)
    assert set(open_now(cast.network)) == {("request_failed", "com.acme.game:http_500")}


def test_a_request_not_applied_long_after_its_upload_opens_and_resolves(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    stuck = submission(cast.ios_app, State.SUBMITTED)
    seven_hours_ago = timezone.now() - timedelta(hours=7)
    Submission.objects.filter(pk=stuck.pk).update(created_at=seven_hours_ago, submitted_at=seven_hours_ago)
    AlertSettings.objects.create(network=cast.network, stuck_after_hours=8)
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}, "within the network's 8 hours"
    AlertSettings.objects.filter(network=cast.network).update(stuck_after_hours=6)
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("request_stuck", "id123456789")]
    assert "not Applied 6 hours after its upload" in condition.title
    Submission.objects.filter(pk=stuck.pk).update(state=State.APPLIED, finished_at=timezone.now())
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}
    # A request whose uploads kept failing (never given a job id) counts from when it was made.
    retrying = submission(cast.android_app, State.NEEDS_RETRY, job_id="")
    Submission.objects.filter(pk=retrying.pk).update(created_at=seven_hours_ago)
    conditions_evaluate(network=cast.network)
    assert set(open_now(cast.network)) == {("request_stuck", "com.acme.game")}


def test_an_app_removed_from_the_permission_list_opens_until_it_is_back(cast: Cast) -> None:
    App.objects.filter(pk=cast.android_app.pk).update(enabled=False)
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("app_removed", "com.acme.game")]
    assert condition.title == "com.acme.game was removed from the app permission list"
    App.objects.filter(pk=cast.android_app.pk).update(enabled=True)
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}
    # Switching Send cost off for it is the other way to close it.
    App.objects.filter(pk=cast.android_app.pk).update(enabled=False, send_cost=False)
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}


def test_an_app_added_to_the_permission_list_opens_until_its_first_cost(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    App.objects.filter(network=cast.network).update(created_at=timezone.now() - timedelta(days=30))
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}, "the apps of the first listing are not news"
    app_create(network=cast.network, app_id="id999000111", name="New Puzzle", platform=App.Platform.IOS)
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("app_added", "id999000111")]
    assert "New Puzzle enabled cost" in condition.detail
    put_cost(cast, cost_rows("id999000111", range(1, 2)))
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}


def test_budget_used_up_opens_while_requests_wait_for_tomorrow(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    waiting = submission(cast.ios_app, State.PLANNED, due_at=timezone.now() + timedelta(hours=9))
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("budget_used_up", "")]
    assert "1 request(s) wait for tomorrow" in condition.title
    Submission.objects.filter(pk=waiting.pk).update(state=State.QUEUED)
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}


def test_a_missed_scheduled_send_opens_until_a_send_time_runs(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    Network.objects.filter(pk=cast.network.pk).update(created_at=timezone.now() - timedelta(days=2))
    cast.network.refresh_from_db()
    today = timezone.now().date()
    at_0430 = datetime(today.year, today.month, today.day, 4, 30, tzinfo=UTC)
    conditions_evaluate(network=cast.network, now=at_0430)
    condition = open_now(cast.network)[("schedule_missed", "")]
    assert condition.title == f"The scheduled send of {today:%Y-%m-%d} 04:00 UTC did not run"
    ScheduledRun.objects.create(network=cast.network, slot=at_0430.replace(minute=0))
    conditions_evaluate(network=cast.network, now=at_0430 + timedelta(minutes=1))
    assert open_now(cast.network) == {}


def test_low_matched_records_open_below_the_threshold_and_resolve_above_it(cast: Cast) -> None:
    now = timezone.now()
    submission(cast.ios_app, State.APPLIED, matched_records_percentage=Decimal("20.00"), finished_at=now)
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("matched_low", "id123456789")]
    assert condition.title == "id123456789: matched records 20%, below 50%"
    submission(cast.ios_app, State.APPLIED, matched_records_percentage=Decimal("91.50"),
               finished_at=now + timedelta(minutes=1))  # fmt: skip
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}
    AlertSettings.objects.create(network=cast.network, matched_records_min=0)
    submission(cast.ios_app, State.APPLIED, matched_records_percentage=Decimal("1.00"),
               finished_at=now + timedelta(minutes=2))  # fmt: skip
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}, "0 turns it off"


def test_a_gap_where_cost_came_every_day_opens_until_it_is_filled(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    every_day_but_the_4th = [back for back in range(2, 23) if back != 4]
    put_cost(cast, cost_rows("id123456789", every_day_but_the_4th, campaigns=1))
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("cost_gap", "id123456789")]
    assert condition.title == f"id123456789 has no cost for {day(4):%Y-%m-%d}"
    put_cost(cast, cost_rows("id123456789", [4], campaigns=1))
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}


def test_an_app_that_never_had_cost_every_day_has_no_gap(cast: Cast) -> None:
    api_token_set(network=cast.network, plaintext=TOKEN, user=cast.admin)
    put_cost(cast, cost_rows("id123456789", [3, 10, 15], campaigns=1))
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}


def test_conditions_stay_in_their_network(cast: Cast) -> None:
    App.objects.filter(pk=cast.android_app.pk).update(enabled=False)
    conditions_evaluate(network=cast.other_network)
    assert Condition.objects.count() == 0
    conditions_evaluate(network=cast.network)
    assert list(Condition.objects.values_list("network", flat=True)) == [cast.network.pk]


def a_source(cast: Cast, **values: object) -> Source:
    given = {"name": "Daily report", "kind": "https", "url_template": "https://r.example.com/c.csv", **values}
    return source_create(network=cast.network, user=cast.admin, values=given)


def a_run(source: Source, outcome: str, *, at: datetime, replaced: int = 0, error: str = "") -> SourceRun:
    return SourceRun.objects.create(
        source=source,
        network=source.network,
        outcome=outcome,
        started_at=at,
        finished_at=at,
        groups_replaced=replaced,
        error=error,
    )


def test_a_failing_source_opens_from_its_first_failure_and_resolves_when_a_run_goes_through(
    cast: Cast,
) -> None:
    source = a_source(cast)
    now = timezone.now()
    a_run(source, SourceRun.Outcome.SUCCEEDED, at=now - timedelta(hours=5), replaced=3)
    a_run(
        source,
        SourceRun.Outcome.FAILED,
        at=now - timedelta(hours=3),
        error="r.example.com answered HTTP 503.",
    )
    a_run(
        source,
        SourceRun.Outcome.FAILED,
        at=now - timedelta(hours=1),
        error="r.example.com answered HTTP 404.",
    )
    conditions_evaluate(network=cast.network)
    condition = open_now(cast.network)[("source_failed", str(source.code))]
    assert condition.title == "The source Daily report failed"
    assert "HTTP 404" in condition.detail and condition.link.endswith(f"/settings/sources/{source.code}/")
    assert abs(condition.since - (now - timedelta(hours=3))) < timedelta(seconds=1)
    # A dry run proves nothing about the schedule; a real run that goes through ends it.
    a_run(source, SourceRun.Outcome.SUCCEEDED, at=now, replaced=0)
    conditions_evaluate(network=cast.network)
    assert ("source_failed", str(source.code)) not in open_now(cast.network)


def test_a_source_bringing_nothing_new_opens_after_its_setting_and_resolves_with_new_cost(cast: Cast) -> None:
    source = a_source(cast, stale_after_hours=24)
    quiet = a_source(cast, name="Monthly", stale_after_hours=0)
    now = timezone.now()
    a_run(source, SourceRun.Outcome.SUCCEEDED, at=now - timedelta(hours=30), replaced=4)
    a_run(source, SourceRun.Outcome.SUCCEEDED, at=now - timedelta(hours=2), replaced=0)
    for made in (source, quiet):
        Source.objects.filter(pk=made.pk).update(created_at=now - timedelta(days=3))
    conditions_evaluate(network=cast.network)
    opened = open_now(cast.network)
    assert list(opened) == [("source_stale", str(source.code))], "0 hours: never"
    assert "no new cost since" in opened[("source_stale", str(source.code))].title
    a_run(source, SourceRun.Outcome.PARTIAL, at=now, replaced=1)
    conditions_evaluate(network=cast.network)
    assert open_now(cast.network) == {}
