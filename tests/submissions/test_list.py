"""The Jobs page: the history with filters, refreshing itself while a job is on its way."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incost_portal.submissions.models import State
from tests.submissions.pages import JobsTestCase


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
