"""The Sources pages: list, form (keeping what was typed, secrets never shown again), a source's
runs with Fetch now and Test, a run's outcome; who may see and change what."""

import django_rq

from incost_portal.audit.models import Action, AuditEvent
from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.services.config import source_create
from tests.cast import BaseTestCase

SECRET = "Bearer page-secret-5e6f7a8b"
FORM = {
    "name": "Daily report",
    "kind": "https",
    "enabled": "on",
    "url_template": "https://reports.example.com/cost.csv?from={date_from}&to={date_to}",
    "headers": f"Authorization: {SECRET}\nX-Team: ads",
    "file_format": "",
    "column_mapping": "Cost = spend\nDay = date",
    "date_format": "DD/MM/YYYY",
    "decimal_separator": ",",
    "restatement_days": "7",
    "every_hours": "",
    "on_problems": "valid_groups",
}


class SourcePagesTestCase(BaseTestCase):
    def make(self, **values: object) -> Source:
        return source_create(
            network=self.network,
            user=self.admin,
            values={
                "name": "Report",
                "kind": "https",
                "url_template": "https://r.example.com/c.csv",
                **values,
            },
            headers={"Authorization": SECRET},
        )

    def test_an_admin_adds_a_source_and_its_secret_is_never_shown_again(self) -> None:
        self.login(self.admin)
        response = self.client.post(self.url("sources:new"), FORM)
        source = Source.objects.get(network=self.network)
        self.assertRedirects(response, self.url("sources:detail", source.code))
        assert source.column_mapping == {"Cost": "spend", "Day": "date"}
        assert source.headers_shown == {"Authorization": "7a8b", "X-Team": ""}
        assert SECRET.encode() not in bytes(source.headers_encrypted)
        for page in (self.url("sources:detail", source.code), self.url("sources:edit", source.code)):
            body = self.client.get(page).content.decode()
            assert SECRET not in body and "…7a8b" in body
        event = AuditEvent.objects.get(action=Action.SOURCE_CREATED)
        assert event.target == "source Daily report" and SECRET not in str(event.detail)

    def test_bad_input_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("sources:new"),
            {**FORM, "url_template": "reports.example.com/cost.csv", "column_mapping": "Cost = price"},
        )
        self.assertContains(response, "not an InCost field")
        self.assertContains(response, "Cost = price")
        self.assertContains(response, "Daily report")
        response = self.client.post(self.url("sources:new"), {**FORM, "url_template": "ftp://x"})
        self.assertContains(response, "starting with https://")
        assert not Source.objects.exists()

    def test_editing_keeps_the_stored_secret_when_left_empty(self) -> None:
        source = self.make()
        self.login(self.admin)
        response = self.client.post(
            self.url("sources:edit", source.code), {**FORM, "headers": "", "name": "R2"}
        )
        self.assertRedirects(response, self.url("sources:detail", source.code))
        source.refresh_from_db()
        assert source.name == "R2" and source.headers_shown == {"Authorization": "7a8b"}
        event = AuditEvent.objects.get(action=Action.SOURCE_UPDATED)
        assert "name" in event.detail["changed"] and "headers" not in event.detail["changed"]

    def test_an_admin_deletes_a_source(self) -> None:
        source = self.make()
        self.login(self.admin)
        response = self.client.post(self.url("sources:delete", source.code))
        self.assertRedirects(response, self.url("sources:list"))
        assert not Source.objects.exists()
        assert AuditEvent.objects.filter(action=Action.SOURCE_DELETED).exists()

    def test_fetch_now_and_test_queue_a_run_with_only_its_id(self) -> None:
        source = self.make()
        self.login(self.ops)
        queue = django_rq.get_queue("default")
        queue.empty()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url("sources:fetch", source.code), {"dry_run": "1"})
        run = SourceRun.objects.get()
        self.assertRedirects(response, self.url("sources:run", source.code, run.code))
        assert run.dry_run and run.requested_by == self.ops
        (job,) = queue.get_jobs()
        assert job.args == (run.pk,)
        queue.empty()
        page = self.client.get(self.url("sources:run", source.code, run.code))
        self.assertContains(page, "A test: nothing was stored")
        self.assertContains(page, 'hx-trigger="every 2s"')  # it follows the run until it ends

    def test_the_run_page_shows_held_groups_and_issues(self) -> None:
        source = self.make()
        held = {"object": "c.csv", "app_id": "id1", "date": "2026-12-01", "media_source": "acme_int"}
        issue = {"object": "c.csv", "row": 2, "field": "spend", "code": "ic217", "message": "Negative spend."}
        run = SourceRun.objects.create(
            source=source,
            network=self.network,
            outcome=SourceRun.Outcome.PARTIAL,
            groups_held=1,
            held_groups=[{**held, "codes": ["ic217"]}],
            issues=[{**issue, "severity": "error"}],
        )
        self.login(self.reviewer)
        page = self.client.get(self.url("sources:run", source.code, run.code))
        self.assertContains(page, "Groups held")
        self.assertContains(page, "Negative spend.")
        self.assertNotContains(page, "every 2s")
        self.assertContains(
            self.client.get(self.url("sources:detail", source.code)), "Accepted, some groups held"
        )

    def test_the_list_is_linked_from_settings(self) -> None:
        self.make()
        self.login(self.reviewer)
        self.assertContains(self.client.get(self.url("networks:settings")), self.url("sources:list"))
        self.assertContains(self.client.get(self.url("sources:list")), "Report")

    def test_ops_and_reviewers_cannot_change_sources(self) -> None:
        source = self.make()
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.get(self.url("sources:new")).status_code == 403
            assert self.client.post(self.url("sources:edit", source.code), FORM).status_code == 403
            assert self.client.post(self.url("sources:delete", source.code)).status_code == 403
        self.login(self.reviewer)
        assert self.client.post(self.url("sources:fetch", source.code)).status_code == 403

    def test_it_checks_membership(self) -> None:
        source = self.make()
        self.login(self.outsider)
        assert self.client.get(self.url("sources:list")).status_code == 404
        assert self.client.get(self.url("sources:detail", source.code)).status_code == 404
        # Another network's source is not found from the outsider's own network either.
        other = self.url("sources:detail", source.code, network=self.cast.other_network)
        assert self.client.get(other).status_code == 404

    def test_fetch_rejects_get(self) -> None:
        source = self.make()
        self.login(self.admin)
        assert self.client.get(self.url("sources:fetch", source.code)).status_code == 405
        assert self.client.get(self.url("sources:delete", source.code)).status_code == 405
