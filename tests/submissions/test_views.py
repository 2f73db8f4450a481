"""The Jobs pages: history with filters, a job's timeline and payload, Send now, Backfill, Resend, export."""

import csv
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incost_portal.submissions.models import Event, State, Submission, SubmissionEvent, SubmissionGroup
from tests.cast import BaseTestCase


class JobsTestCase(BaseTestCase):
    def job(self, app=None, state: str = State.APPLIED, **fields) -> Submission:  # type: ignore[no-untyped-def]
        app = app or self.cast.ios_app
        day = timezone.now().date()
        values = {
            "network": app.network, "app": app, "state": state, "payload": b'[{"spend":1}]',
            "payload_sha256": "x", "payload_bytes": 13, "row_count": 1, "currency": "USD",
            "date_from": day, "date_to": day, "spend_total": Decimal("1"), "job_id": "job-123",
        }  # fmt: skip
        values.update(fields)
        submission = Submission.objects.create(**values)
        SubmissionGroup.objects.create(
            submission=submission, network=app.network, app=app, date=day, media_source="acme_int",
            content_hash="h", row_count=1, spend=Decimal("1"),
        )  # fmt: skip
        SubmissionEvent.objects.create(
            submission=submission, kind=Event.UPLOAD, http_status=200, message="job id job-123"
        )
        return submission


class ListTestCase(JobsTestCase):
    def test_it_works(self) -> None:
        self.job(error_code="ic213", state=State.FAILED, error_message="media_source x was not found")
        self.login(self.reviewer)
        response = self.client.get(self.url("submissions:list"))
        self.assertContains(response, "id123456789")
        self.assertContains(response, "ic213")
        # Reviewers: no buttons that would end in 403.
        self.assertNotContains(response, self.url("submissions:send_now"))
        self.assertNotContains(response, self.url("submissions:backfill"))

    def test_it_filters(self) -> None:
        self.job(state=State.FAILED)
        self.job(app=self.cast.android_app)
        self.login(self.ops)
        response = self.client.get(self.url("submissions:list"), {"state": "failed"})
        self.assertContains(response, "id123456789")
        self.assertNotContains(response, "<code>com.acme.game</code>")
        response = self.client.get(self.url("submissions:list"), {"app": str(self.cast.android_app.code)})
        self.assertContains(response, "<code>com.acme.game</code>")

    def test_it_refreshes_itself_only_while_a_job_is_on_its_way(self) -> None:
        self.login(self.ops)
        done = self.job()
        self.assertNotContains(self.client.get(self.url("submissions:list")), 'hx-trigger="every 3s"')
        self.job(state=State.SUBMITTED)
        response = self.client.get(self.url("submissions:list"), headers={"HX-Request": "true"})
        self.assertContains(response, 'hx-trigger="every 3s"')
        self.assertNotContains(response, "<h1>")  # the partial only
        # It lists the finished job too, not only the one on its way.
        self.assertContains(response, self.url("submissions:detail", done.code))

    def test_an_unchanged_poll_is_answered_304_without_a_render(self) -> None:
        self.login(self.ops)
        submission = self.job(state=State.POLLING)
        poll = {"HX-Request": "true"}
        first = self.client.get(self.url("submissions:list"), headers=poll)
        assert first.status_code == 200 and first["ETag"]
        assert "HX-Request" in first["Vary"]
        with CaptureQueriesContext(connection) as queries:
            again = self.client.get(
                self.url("submissions:list"), headers={**poll, "If-None-Match": first["ETag"]}
            )
        assert again.status_code == 304 and not again.content
        read = [query["sql"] for query in queries if "submissions_submission" in query["sql"]]
        assert len(read) == 1 and "MAX(" in read[0]  # the version probe only: the list was never read
        # The job moves: the same poll gets the new list.
        assert submission.move(State.APPLIED, matched_records_percentage=Decimal("42.00"))
        moved = self.client.get(
            self.url("submissions:list"), headers={**poll, "If-None-Match": first["ETag"]}
        )
        assert moved.status_code == 200 and moved["ETag"] != first["ETag"]
        self.assertContains(moved, "42.00%")
        # A new job changes it too.
        self.job(app=self.cast.android_app, state=State.PLANNED)
        newer = self.client.get(
            self.url("submissions:list"), headers={**poll, "If-None-Match": moved["ETag"]}
        )
        self.assertContains(newer, "com.acme.game")

    def test_the_full_page_is_always_rendered(self) -> None:
        # A full page carries flash messages ("Send now: ...") and CSRF tokens: never a 304.
        self.login(self.ops)
        self.job(state=State.SUBMITTED)
        first = self.client.get(self.url("submissions:list"))
        again = self.client.get(
            self.url("submissions:list"), headers={"If-None-Match": first.get("ETag", "*")}
        )
        assert again.status_code == 200

    def test_it_shows_nothing_of_another_network(self) -> None:
        self.job(app=self.cast.other_app)
        self.login(self.admin)
        self.assertNotContains(self.client.get(self.url("submissions:list")), "com.other.app")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("submissions:list")).status_code == 404
        assert self.client.get(self.url("submissions:export")).status_code == 404

    def test_constant_queries(self) -> None:
        self.login(self.ops)
        self.job()
        self.client.get(self.url("submissions:list"))  # the first page of a session notes the network
        with CaptureQueriesContext(connection) as small:
            self.client.get(self.url("submissions:list"))
        for _ in range(30):
            self.job(created_by=self.ops)
            self.job(app=self.cast.android_app, state=State.FAILED)
        with CaptureQueriesContext(connection) as large:
            self.client.get(self.url("submissions:list"))
        assert len(large) == len(small)


class DetailTestCase(JobsTestCase):
    def test_it_works(self) -> None:
        submission = self.job(matched_records_percentage=Decimal("85.00"))
        self.login(self.reviewer)
        response = self.client.get(self.url("submissions:detail", submission.code))
        self.assertContains(response, "85.00%")
        self.assertContains(response, "job id job-123")
        self.assertContains(response, "acme_int")
        self.assertNotContains(response, self.url("submissions:resend", submission.code))

    def test_an_unchanged_poll_is_answered_304_until_the_timeline_grows(self) -> None:
        submission = self.job(state=State.SUBMITTED)
        self.login(self.reviewer)
        poll = {"HX-Request": "true"}
        first = self.client.get(self.url("submissions:detail", submission.code), headers=poll)
        again = self.client.get(
            self.url("submissions:detail", submission.code), headers={**poll, "If-None-Match": first["ETag"]}
        )
        assert again.status_code == 304
        SubmissionEvent.objects.create(submission=submission, kind=Event.STATUS, message="In progress")
        grown = self.client.get(
            self.url("submissions:detail", submission.code), headers={**poll, "If-None-Match": first["ETag"]}
        )
        assert grown.status_code == 200
        self.assertContains(grown, "In progress")

    def test_the_app_time_zone_is_shown_beside_utc(self) -> None:
        submission = self.job(app=self.cast.android_app)
        self.login(self.ops)
        self.assertContains(
            self.client.get(self.url("submissions:detail", submission.code)), "America/New_York"
        )

    def test_payload_download(self) -> None:
        submission = self.job()
        self.login(self.reviewer)
        response = self.client.get(self.url("submissions:payload", submission.code))
        assert response.content == b'[{"spend":1}]'
        assert "attachment" in response["Content-Disposition"]

    def test_it_checks_membership(self) -> None:
        submission = self.job()
        self.login(self.outsider)
        assert self.client.get(self.url("submissions:detail", submission.code)).status_code == 404
        assert self.client.get(self.url("submissions:payload", submission.code)).status_code == 404
        # Another network's job, through this network's URL: not found either.
        foreign = self.job(app=self.cast.other_app)
        self.login(self.admin)
        assert self.client.get(self.url("submissions:detail", foreign.code)).status_code == 404

    def test_constant_queries(self) -> None:
        submission = self.job()
        self.login(self.ops)
        self.client.get(self.url("submissions:detail", submission.code))  # notes the network
        with CaptureQueriesContext(connection) as small:
            self.client.get(self.url("submissions:detail", submission.code))
        for n in range(20):
            SubmissionEvent.objects.create(
                submission=submission, kind=Event.STATUS, message=f"In progress {n}"
            )
        with CaptureQueriesContext(connection) as large:
            self.client.get(self.url("submissions:detail", submission.code))
        assert len(large) == len(small)


class ActionsTestCase(JobsTestCase):
    def test_send_now_without_a_token_says_so(self) -> None:
        self.login(self.ops)
        response = self.client.post(self.url("submissions:send_now"), follow=True)
        self.assertContains(response, "no AppsFlyer API token")

    def test_backfill_refuses_a_bad_window(self) -> None:
        self.login(self.ops)
        response = self.client.post(self.url("submissions:backfill"), {"days": "200"}, follow=True)
        self.assertContains(response, "from 1 to 90")

    def test_reviewers_and_outsiders_cannot_act(self) -> None:
        submission = self.job()
        for user, status in ((self.reviewer, 403), (self.outsider, 404)):
            self.login(user)
            assert self.client.post(self.url("submissions:send_now")).status_code == status
            assert self.client.post(self.url("submissions:backfill"), {"days": "7"}).status_code == status
            assert self.client.post(self.url("submissions:resend", submission.code)).status_code == status

    def test_actions_reject_get(self) -> None:
        self.login(self.ops)
        assert self.client.get(self.url("submissions:send_now")).status_code == 405
        assert self.client.get(self.url("submissions:resend", self.job().code)).status_code == 405


class ExportTestCase(JobsTestCase):
    def test_csv_is_safe_against_formulas(self) -> None:
        self.job(state=State.FAILED, error_code="ic213", error_message='=HYPERLINK("http://evil")')
        self.login(self.reviewer)
        response = self.client.get(self.url("submissions:export"))
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][0] == "job"
        assert rows[1][-1] == '\'=HYPERLINK("http://evil")'
