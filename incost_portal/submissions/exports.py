"""CSV export of jobs: the rows; `incost_portal.csv_streams` streams them, safe for a spreadsheet."""

from collections.abc import Iterator

from django.db.models import QuerySet

from incost_portal.submissions.models import Submission

HEADER = [
    "job", "app_id", "status", "source", "requested_by", "created_utc", "submitted_utc", "finished_utc",
    "date_from", "date_to", "rows", "bytes", "currency", "spend", "appsflyer_job_id",
    "matched_records_percentage", "error_code", "error_message",
]  # fmt: skip


def _time(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""  # type: ignore[attr-defined]


def submission_csv_rows(submissions: QuerySet[Submission]) -> Iterator[list[object]]:
    yield HEADER
    for s in submissions.iterator(chunk_size=2000):
        yield [
            s.code, s.app.app_id, s.get_state_display(), s.get_trigger_display(),
            s.created_by.get_username() if s.created_by else "", _time(s.created_at), _time(s.submitted_at),
            _time(s.finished_at), s.date_from, s.date_to, s.row_count, s.payload_bytes, s.currency,
            s.spend_total, s.job_id,
            s.matched_records_percentage if s.matched_records_percentage is not None else "",
            s.error_code, s.error_message,
        ]  # fmt: skip
