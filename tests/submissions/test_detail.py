"""A job's page: its timeline, groups and payload."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

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
