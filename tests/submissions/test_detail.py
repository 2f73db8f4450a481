"""A job's page: its timeline, groups and payload."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incost_portal.submissions.models import Event, State, SubmissionEvent
from tests.submissions.pages import JobsTestCase


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

    def test_a_submitted_job_says_when_its_status_is_read_next(self) -> None:
        due = timezone.now() + timedelta(seconds=95)
        submission = self.job(state=State.SUBMITTED, due_at=due)
        self.login(self.reviewer)
        page = self.client.get(self.url("submissions:detail", submission.code))
        self.assertContains(page, "about 2 minutes after it")
        self.assertContains(page, f"read next {due:%Y-%m-%d %H:%M:%S} UTC")
        self.assertContains(page, "(in 1\xa0minute)")
        self.assertContains(page, "Shown once AppsFlyer has applied it.")
        # The timeline reads to the second: calls a few seconds apart read apart.
        event = submission.events.get()
        self.assertContains(page, f"{event.at:%Y-%m-%d %H:%M:%S} UTC")

    def test_a_failed_job_says_where_the_fix_lies(self) -> None:
        self.login(self.ops)
        media = self.job(state=State.FAILED, error_code="ic213", error_message="media_source was not found")
        page = self.client.get(self.url("submissions:detail", media.code))
        self.assertContains(page, "not registered for your network at AppsFlyer")
        self.assertNotContains(page, "Fix the rows of the groups below in Costs")
        self.assertNotContains(page, "Below 100% is expected")
        self.assertContains(page, "None: the request was not applied.")
        rows = self.job(state=State.FAILED, error_code="ic217", error_message="Negative spend")
        self.assertContains(
            self.client.get(self.url("submissions:detail", rows.code)), "Fix the rows of the groups"
        )

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
