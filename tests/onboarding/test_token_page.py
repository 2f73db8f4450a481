import secrets

from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks.models import ApiToken
from incost_portal.networks.services import api_token_set
from tests.cast import BaseTestCase


def a_token() -> str:
    return "eyJ" + secrets.token_urlsafe(600)


class TokenPageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        self.login(self.admin)
        response = self.client.get(self.url("onboarding:token"))
        self.assertContains(response, "No token is stored")

    def test_saving_shows_only_the_last_four_from_then_on(self) -> None:
        token = a_token()
        self.login(self.admin)
        response = self.client.post(self.url("onboarding:token"), {"token": token}, follow=True)
        self.assertContains(response, f"…{token[-4:]}")
        body = response.content.decode()
        assert token not in body and token[:-4] not in body and token[:20] not in body
        for page in ("onboarding:token", "networks:settings", "dashboard:index", "networks:audit"):
            body = self.client.get(self.url(page)).content.decode()
            assert token[:-4] not in body and token[3:23] not in body, page
        stored = ApiToken.objects.get(network=self.network)
        assert stored.created_by == self.admin
        assert AuditEvent.objects.filter(
            network=self.network, action=Action.TOKEN_ADDED, actor=self.admin
        ).exists()

    def test_a_bad_token_is_refused_with_a_reason(self) -> None:
        self.login(self.admin)
        response = self.client.post(self.url("onboarding:token"), {"token": "too short"})
        self.assertContains(response, "too short to be an AppsFlyer")
        assert not ApiToken.objects.exists()

    def test_revoke(self) -> None:
        api_token_set(network=self.network, plaintext=a_token(), user=self.admin)
        self.login(self.admin)
        response = self.client.post(self.url("onboarding:token_revoke"), follow=True)
        self.assertContains(response, "Token revoked")
        assert not ApiToken.objects.filter(network=self.network, revoked_at__isnull=True).exists()

    def test_revoke_rejects_get(self) -> None:
        self.login(self.admin)
        assert self.client.get(self.url("onboarding:token_revoke")).status_code == 405

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("onboarding:token")).status_code == 404
        assert self.client.post(self.url("onboarding:token"), {"token": a_token()}).status_code == 404

    def test_ops_and_reviewers_cannot_reach_it(self) -> None:
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.get(self.url("onboarding:token")).status_code == 403
            assert self.client.post(self.url("onboarding:token"), {"token": a_token()}).status_code == 403
            assert self.client.post(self.url("onboarding:token_revoke")).status_code == 403
        assert not ApiToken.objects.exists()


class FirstActivationTestCase(BaseTestCase):
    def test_the_first_token_queues_a_backfill_of_the_schedules_window(self) -> None:
        import django_rq

        from tests.wiring import incost_queue_empty

        incost_queue_empty()
        self.login(self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url("onboarding:token"), {"token": a_token()}, follow=True)
        self.assertContains(response, "being sent")
        jobs = django_rq.get_queue("incost").jobs
        assert [(job.func_name, job.args) for job in jobs] == [
            ("incost_portal.submissions.jobs.send_plan_job", (self.network.pk, "backfill", self.admin.pk, 7))
        ]
        incost_queue_empty()
