"""The onboarding checklist against the sandbox: token, apps, a test send, to all-pass."""

import pytest
from django.test import override_settings

from incost_portal.networks.models import App
from incost_portal.onboarding import services
from incost_portal.onboarding.models import ConnectionTest
from incost_portal.onboarding.selectors import onboarding_for
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.dispatch import submissions_dispatch_due
from incost_portal.submissions.services.sending import submission_poll, submission_send
from tests.cast import BaseTestCase
from tests.waiting import wait_for
from tests.wiring import Wired

pytestmark = pytest.mark.django_db(transaction=True)


def statuses(wired: Wired) -> dict[str, str]:
    return {step.key: step.status for step in onboarding_for(network=wired.network).steps}


def finish(submission_id: int) -> None:
    """Do what the workers do, in this process, until the test job is final."""

    def final() -> bool:
        submissions_dispatch_due()
        submission_send(submission_id=submission_id)
        submission_poll(submission_id=submission_id)
        return Submission.objects.get(pk=submission_id).state in (State.APPLIED, State.FAILED)

    wait_for(final, interval=0.1, message="the test job did not finish")


@override_settings(INCOST_POLL_DELAY_SECONDS=0, INCOST_POLL_INTERVAL_SECONDS=0)
def test_the_steps_pass_one_by_one(wired: Wired) -> None:
    App.objects.filter(network=wired.network).update(last_synced_at=None)
    assert statuses(wired)["token"] == "pass"
    assert statuses(wired)["token_valid"] == "todo"

    test = services.connection_test(network=wired.network, user=wired.user)
    assert test.ok and test.apps_enabled >= 2
    assert statuses(wired)["token_valid"] == "pass"

    result = services.apps_sync_now(network=wired.network, user=wired.user)
    assert result.listed >= 2
    assert statuses(wired)["apps"] == "pass"

    app, plan = services.test_cost_send(network=wired.network, user=wired.user)
    assert app.is_test_app and plan.requests == 1
    now = statuses(wired)
    assert now["sent"] == "pass" and now["no_errors"] == "waiting"
    finish(Submission.objects.get().pk)
    final = onboarding_for(network=wired.network)
    steps = ["token", "token_valid", "apps", "sent", "job_id", "status", "no_errors", "matched", "hierarchy"]
    assert {step.key: step.status for step in final.steps} == dict.fromkeys(steps, "pass")
    assert final.all_passed
    matched = next(step for step in final.steps if step.key == "matched")
    assert "Below 100% is expected" in matched.evidence


def test_a_bad_token_fails_in_plain_words(wired: Wired) -> None:
    from incost_portal.networks.services import api_token_set

    api_token_set(network=wired.network, plaintext="eyJ" + "x" * 700, user=None)
    test = services.connection_test(network=wired.network, user=wired.user)
    assert not test.ok
    assert "token" in test.message.lower()
    assert statuses(wired)["token_valid"] == "fail"
    assert ConnectionTest.objects.filter(network=wired.network).count() == 1


class OnboardingPageTestCase(BaseTestCase):
    def test_it_works_for_every_member(self) -> None:
        for user in (self.admin, self.ops, self.reviewer):
            self.login(user)
            response = self.client.get(self.url("onboarding:index"))
            self.assertContains(response, "Onboarding test")
            self.assertContains(response, "AppsFlyer API token stored")

    def test_reviewers_get_no_controls(self) -> None:
        self.login(self.reviewer)
        response = self.client.get(self.url("onboarding:index"))
        for action in ("onboarding:connection_test", "onboarding:apps_sync", "onboarding:test_send"):
            self.assertNotContains(response, self.url(action))
        self.assertContains(response, "Download the report")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("onboarding:index")).status_code == 404
        assert self.client.get(self.url("onboarding:report")).status_code == 404

    def test_actions_need_their_roles(self) -> None:
        self.login(self.reviewer)
        for name in ("onboarding:connection_test", "onboarding:apps_sync", "onboarding:test_send"):
            assert self.client.post(self.url(name)).status_code == 403
        self.login(self.ops)
        for name in ("onboarding:connection_test", "onboarding:apps_sync"):
            assert self.client.post(self.url(name)).status_code == 403
        assert self.client.get(self.url("onboarding:test_send")).status_code == 405

    def test_an_unchanged_poll_is_answered_304(self) -> None:
        self.login(self.reviewer)
        poll = {"HX-Request": "true"}
        first = self.client.get(self.url("onboarding:index"), headers=poll)
        self.assertNotContains(first, "<h1>")  # the steps only
        again = self.client.get(
            self.url("onboarding:index"), headers={**poll, "If-None-Match": first["ETag"]}
        )
        assert again.status_code == 304
        ConnectionTest.objects.create(network=self.network, token_fingerprint="f", ok=False, message="Nope")
        changed = self.client.get(
            self.url("onboarding:index"), headers={**poll, "If-None-Match": first["ETag"]}
        )
        assert changed.status_code == 200 and changed["ETag"] != first["ETag"]

    def test_the_report_downloads(self) -> None:
        self.login(self.reviewer)
        response = self.client.get(self.url("onboarding:report"))
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "text/html; charset=utf-8"
        self.assertContains(response, "InCost integration test: Acme Ads")
