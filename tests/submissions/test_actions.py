"""The Jobs page's actions: Send now, Backfill and Resend."""

from tests.submissions.pages import JobsTestCase


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
