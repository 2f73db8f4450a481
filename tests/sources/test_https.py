"""HTTPS sources against a real reporting server: each format, with and without its auth header,
slow, failing, redirecting; each run through an RQ worker, accepted through the upload's door."""

import io
import threading
from decimal import Decimal

import django_rq
import openpyxl
import orjson
import pytest
from django.test import override_settings

from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.services.runs import restatement_window, source_run_request
from tests.builders import ANDROID, IOS, cost_rows, csv_bytes, day, today
from tests.sources.reports import JSON, XLSX, Reports, reports_running
from tests.sources.running import https_source, run_now, send_all
from tests.wiring import Wired

pytestmark = pytest.mark.django_db(transaction=True)
Outcome = SourceRun.Outcome
TOKEN = "Bearer report-token-7f3a9c"


def test_a_csv_report_behind_an_auth_header_is_pulled_accepted_and_sent(
    wired: Wired, reports: Reports
) -> None:
    rows = cost_rows(IOS, range(1, 4)) + cost_rows(ANDROID, range(1, 3), geos=("US", "DE"))
    reports.set("/cost.csv", body=csv_bytes(rows), require={"Authorization": TOKEN})
    source = https_source(
        wired,
        reports.url("/cost.csv?from={date_from}&to={date_to}"),
        headers={"Authorization": TOKEN},
    )

    run = run_now(source)

    assert run.outcome == Outcome.SUCCEEDED, run.error
    assert (run.rows, run.groups_replaced, run.groups_held, run.fetched_objects) == (len(rows), 5, 0, 1)
    assert run.fetched_bytes == len(csv_bytes(rows))
    window = restatement_window(network=wired.network, days=7, now=run.created_at)
    (seen,) = reports.requests_to("/cost.csv")
    assert seen.query == {"from": [window[0].isoformat()], "to": [window[1].isoformat()]}
    assert window == (day(6), day(0))
    assert CostRow.objects.filter(network=wired.network).count() == len(rows)
    (upload,) = run.uploads.all()
    assert (upload.source, upload.status) == (CostUpload.Source.SOURCE, CostUpload.Status.ACCEPTED)
    send_all(wired)
    assert wired.ledger() == wired.portal_totals()
    assert sum(wired.portal_totals().values()) == Decimal("10.5") * len(rows)


def test_the_header_is_kept_encrypted_and_never_travels_in_rq(wired: Wired, reports: Reports) -> None:
    reports.set("/cost.csv", body=csv_bytes(cost_rows(IOS, range(1, 2))), require={"Authorization": TOKEN})
    source = https_source(wired, reports.url("/cost.csv"), headers={"Authorization": TOKEN})
    stored = Source.objects.get(pk=source.pk)
    assert TOKEN.encode() not in bytes(stored.headers_encrypted)
    assert stored.headers_shown == {"Authorization": "3a9c"}

    run = source_run_request(source=source)
    (job,) = django_rq.get_queue("default").get_jobs()
    assert job.args == (run.pk,) and not job.kwargs
    assert TOKEN not in repr(job.to_dict())


def test_without_its_header_the_report_refuses_and_the_run_fails_at_once(
    wired: Wired, reports: Reports
) -> None:
    reports.set("/cost.csv", body=csv_bytes(cost_rows(IOS, range(1, 2))), require={"Authorization": TOKEN})
    run = run_now(https_source(wired, reports.url("/cost.csv")))
    assert run.outcome == Outcome.FAILED
    assert "HTTP 401" in run.error and "headers" in run.error
    assert run.attempts == 1  # a refusal does not pass by itself: not retried
    assert not CostRow.objects.exists()


def test_a_json_report_is_read_by_its_content_type(wired: Wired, reports: Reports) -> None:
    rows = [{**row, "spend": 3.25} for row in cost_rows(IOS, range(1, 3))]
    reports.set("/report", body=orjson.dumps(rows), content_type=JSON)
    run = run_now(https_source(wired, reports.url("/report")))
    assert run.outcome == Outcome.SUCCEEDED, (run.error, run.issues)
    assert run.uploads.get().file_format == "json"
    assert sum(wired.portal_totals().values()) == Decimal("3.25") * len(rows)


def test_an_xlsx_report_with_its_own_headers_mapped_to_incost_fields(wired: Wired, reports: Reports) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Day", "App", "Network", "Campaign ID", "Campaign", "Currency", "Cost"])
    for days_back in (1, 2):
        sheet.append([today(days_back), IOS, "acme_int", "c1", "spring", "USD", 4.5])
    out = io.BytesIO()
    book.save(out)
    reports.set("/export", body=out.getvalue(), content_type=XLSX)
    mapping = {"Day": "date", "App": "app_id", "Network": "media_source", "Campaign ID": "campaign_id",
               "Campaign": "campaign_name", "Cost": "spend"}  # fmt: skip
    run = run_now(https_source(wired, reports.url("/export"), column_mapping=mapping))
    assert run.outcome == Outcome.SUCCEEDED, (run.error, run.issues)
    assert run.uploads.get().file_format == "xlsx"
    assert wired.portal_totals() == {(IOS, today(d), "acme_int"): Decimal("4.5") for d in (1, 2)}


def test_a_european_csv_with_decimal_commas_and_day_first_dates(wired: Wired, reports: Reports) -> None:
    first, second = day(1), day(2)
    body = (
        "Datum;App;Quelle;Kampagne;Name;Currency;Kosten\n"
        f"{first:%d/%m/%Y};{IOS};acme_int;c1;spring;EUR;1.234,50\n"
        f"{second:%d/%m/%Y};{IOS};acme_int;c1;spring;EUR;12,75\n"
    ).encode()
    reports.set("/de.csv", body=body, content_type="text/csv")
    mapping = {"Datum": "date", "App": "app_id", "Quelle": "media_source", "Kampagne": "campaign_id",
               "Name": "campaign_name", "Kosten": "spend"}  # fmt: skip
    source = https_source(
        wired, reports.url("/de.csv"), column_mapping=mapping, decimal_separator=",", date_format="DD/MM/YYYY"
    )
    run = run_now(source)
    assert run.outcome == Outcome.SUCCEEDED, (run.error, run.issues)
    assert wired.portal_totals() == {
        (IOS, first.isoformat(), "acme_int"): Decimal("1234.5"),
        (IOS, second.isoformat(), "acme_int"): Decimal("12.75"),
    }


def test_clean_groups_are_accepted_and_the_group_with_an_error_is_held(
    wired: Wired, reports: Reports
) -> None:
    rows = cost_rows(IOS, range(1, 3))
    rows[0] = {**rows[0], "spend": "-1"}  # yesterday's iOS group has an error
    reports.set("/cost.csv", body=csv_bytes(rows))
    run = run_now(https_source(wired, reports.url("/cost.csv")))
    assert run.outcome == Outcome.PARTIAL
    assert (run.groups_replaced, run.groups_held) == (1, 1)
    assert run.held_groups == [
        {
            "object": "cost.csv",
            "app_id": IOS,
            "date": today(1),
            "media_source": "acme_int",
            "codes": ["ic217"],
        }
    ]
    assert [(issue["row"], issue["field"], issue["code"]) for issue in run.issues] == [(2, "spend", "ic217")]
    assert set(wired.portal_totals()) == {(IOS, today(2), "acme_int")}


def test_all_or_nothing_holds_every_group(wired: Wired, reports: Reports) -> None:
    rows = cost_rows(IOS, range(1, 3))
    rows[0] = {**rows[0], "spend": "-1"}
    reports.set("/cost.csv", body=csv_bytes(rows))
    run = run_now(https_source(wired, reports.url("/cost.csv"), on_problems="all_or_nothing"))
    assert run.outcome == Outcome.HELD
    assert (run.groups_replaced, run.groups_held) == (0, 2)
    assert not CostRow.objects.exists()


def test_a_dry_run_shows_the_preview_and_stores_nothing(wired: Wired, reports: Reports) -> None:
    rows = cost_rows(IOS, range(1, 3))
    rows[1] = {**rows[1], "media_source": "nobody_int"}
    reports.set("/cost.csv", body=csv_bytes(rows))
    run = run_now(https_source(wired, reports.url("/cost.csv")), dry_run=True)
    assert run.dry_run and run.outcome == Outcome.PARTIAL
    assert (run.rows, run.groups_replaced, run.groups_held) == (4, 2, 1)
    assert [issue["code"] for issue in run.issues] == ["ic213"]
    assert not CostUpload.objects.exists() and not CostRow.objects.exists()


def test_a_slow_report_times_out_and_is_retried_then_the_run_fails(wired: Wired, reports: Reports) -> None:
    release = threading.Event()
    reports.set("/slow.csv", body=b"", hold=release)
    with override_settings(SOURCE_FETCH_TIMEOUT_SECONDS=0.5, SOURCE_FETCH_ATTEMPTS=3):
        run = run_now(https_source(wired, reports.url("/slow.csv")))
    release.set()
    assert run.outcome == Outcome.FAILED
    assert run.attempts == 3 and len(reports.requests_to("/slow.csv")) == 3
    assert "too long" in run.error or "could not be reached" in run.error


def test_a_failing_report_is_retried_and_taken_when_it_recovers(wired: Wired, reports: Reports) -> None:
    reports.set("/cost.csv", body=csv_bytes(cost_rows(IOS, range(1, 2))), first_statuses=[503, 502])
    run = run_now(https_source(wired, reports.url("/cost.csv")))
    assert run.outcome == Outcome.SUCCEEDED and run.attempts == 3
    assert len(reports.requests_to("/cost.csv")) == 3


def test_a_report_that_keeps_failing_ends_in_a_failed_run(wired: Wired, reports: Reports) -> None:
    reports.set("/cost.csv", status=500)
    with override_settings(SOURCE_FETCH_ATTEMPTS=2):
        run = run_now(https_source(wired, reports.url("/cost.csv")))
    assert run.outcome == Outcome.FAILED and run.attempts == 2
    assert "HTTP 500" in run.error and run.finished_at is not None
    assert not CostRow.objects.exists()


def test_a_redirect_to_loopback_is_refused(wired: Wired) -> None:
    """Only the report's own address is allowed; it redirects to 127.0.0.1, which is never called."""
    with reports_running("127.0.0.2") as report, reports_running("127.0.0.1") as inside:
        inside.set("/admin", body=b"secret")
        report.set("/cost.csv", location=inside.url("/admin"))
        with override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.2/32"], SOURCE_RETRY_BACKOFF_SECONDS=0):
            run = run_now(https_source(wired, report.url("/cost.csv")))
        assert run.outcome == Outcome.FAILED and run.attempts == 1
        assert "127.0.0.1" in run.error and "loopback" in run.error
        assert len(report.requests_to("/cost.csv")) == 1 and not inside.seen


def test_a_redirect_to_the_metadata_address_is_refused(wired: Wired, reports: Reports) -> None:
    reports.set("/cost.csv", location="http://169.254.169.254/latest/meta-data/")
    run = run_now(https_source(wired, reports.url("/cost.csv")))
    assert run.outcome == Outcome.FAILED and "metadata" in run.error


def test_a_name_that_resolves_to_loopback_is_refused(wired: Wired) -> None:
    with reports_running() as report, override_settings(OUTBOUND_ALLOWED_NETWORKS=[]):
        report.set("/cost.csv", body=csv_bytes(cost_rows(IOS, range(1, 2))))
        run = run_now(https_source(wired, f"http://localhost:{report.port}/cost.csv"))
        assert run.outcome == Outcome.FAILED
        assert "localhost resolves to" in run.error and "loopback" in run.error
        assert not report.seen
