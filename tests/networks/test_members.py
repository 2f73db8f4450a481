import re
from urllib.parse import urlparse

from django.core import mail
from django.test import override_settings

from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks.models import Invitation, Membership, Role
from tests.cast import BaseTestCase


class MembersPageTestCase(BaseTestCase):
    def membership(self, user) -> Membership:  # type: ignore[no-untyped-def]
        return Membership.objects.get(network=self.network, user=user)

    def test_it_works(self) -> None:
        self.login(self.admin)
        response = self.client.get(self.url("networks:members"))
        self.assertContains(response, "rita@example.org")
        self.assertNotContains(response, "oscar")

    def test_ops_and_reviewers_cannot_reach_it(self) -> None:
        rita = self.membership(self.reviewer)
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.get(self.url("networks:members")).status_code == 403
            assert (
                self.client.post(
                    self.url("networks:members"), {"email": "x@example.org", "role": "admin"}
                ).status_code
                == 403
            )
            assert (
                self.client.post(self.url("networks:member_role", rita.code), {"role": "admin"}).status_code
                == 403
            )
            assert self.client.post(self.url("networks:member_remove", rita.code)).status_code == 403
        assert self.membership(self.reviewer).role == Role.REVIEWER

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("networks:members")).status_code == 404
        # And an admin cannot reach a member of another network through his own.
        self.login(self.admin)
        oscar = Membership.objects.get(user=self.outsider)
        assert self.client.post(self.url("networks:member_remove", oscar.code)).status_code == 404
        assert Membership.objects.filter(pk=oscar.pk).exists()

    def test_role_change_and_remove(self) -> None:
        self.login(self.admin)
        olga = self.membership(self.ops)
        self.client.post(self.url("networks:member_role", olga.code), {"role": "reviewer"})
        assert self.membership(self.ops).role == Role.REVIEWER
        self.client.post(self.url("networks:member_remove", olga.code))
        assert not Membership.objects.filter(pk=olga.pk).exists()
        actions = set(AuditEvent.objects.filter(network=self.network).values_list("action", flat=True))
        assert {Action.MEMBER_ROLE_CHANGED, Action.MEMBER_REMOVED} <= actions

    def test_the_last_admin_stays(self) -> None:
        self.login(self.admin)
        alice = self.membership(self.admin)
        response = self.client.post(
            self.url("networks:member_role", alice.code), {"role": "ops"}, follow=True
        )
        self.assertContains(response, "last admin")
        response = self.client.post(self.url("networks:member_remove", alice.code), follow=True)
        self.assertContains(response, "last admin")
        assert self.membership(self.admin).role == Role.ADMIN
        # With a second admin, the first may step down.
        olga = self.membership(self.ops)
        self.client.post(self.url("networks:member_role", olga.code), {"role": "admin"})
        self.client.post(self.url("networks:member_role", alice.code), {"role": "ops"})
        assert self.membership(self.admin).role == Role.OPS

    def test_role_change_rejects_get(self) -> None:
        self.login(self.admin)
        assert (
            self.client.get(self.url("networks:member_role", self.membership(self.ops).code)).status_code
            == 405
        )


class InvitationTestCase(BaseTestCase):
    def invite(self, email: str = "newbie@example.org", role: str = "ops") -> str:
        self.login(self.admin)
        response = self.client.post(self.url("networks:members"), {"email": email, "role": role})
        self.assertContains(response, f"Invitation for {email.lower()}")
        link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body)
        assert link is not None
        self.client.logout()
        return urlparse(link.group(0)).path

    def test_the_link_is_shown_once_to_copy_and_points_where_the_admin_is(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("networks:members"),
            {"email": "newbie@example.org", "role": "ops"},
            HTTP_HOST="localhost:8300",
        )
        link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
        assert link.startswith("http://localhost:8300/invitations/")
        self.assertContains(response, f'value="{link}"')
        self.assertContains(response, "Copy link")
        # Tests send mail to memory, not to anyone: the page says so instead of "sent".
        self.assertContains(response, "Email is not set up on this portal")
        # Once only: the members page afterwards lists the invitation, not its link.
        self.assertNotContains(self.client.get(self.url("networks:members")), link)

    @override_settings(SITE_URL="https://portal.example.com")
    def test_site_url_when_set_is_the_links_base(self) -> None:
        self.login(self.admin)
        self.client.post(self.url("networks:members"), {"email": "newbie@example.org", "role": "ops"})
        assert "https://portal.example.com/invitations/" in mail.outbox[-1].body

    def test_a_new_person_signs_up_through_the_link_once(self) -> None:
        path = self.invite(role="reviewer")
        self.assertContains(self.client.get(path), "Join Acme Ads")
        response = self.client.post(
            path,
            {"username": "newbie", "password1": "a long passphrase 9", "password2": "a long passphrase 9"},
        )
        self.assertRedirects(response, self.url("dashboard:index"))
        membership = Membership.objects.get(network=self.network, user__username="newbie")
        assert membership.role == Role.REVIEWER
        assert membership.user.email == "newbie@example.org"
        self.client.logout()
        assert self.client.get(path).status_code == 410

    def test_a_signed_in_user_joins_with_one_click(self) -> None:
        path = self.invite(email="Oscar@Example.org")  # the outsider's address, written otherwise
        self.login(self.outsider)
        response = self.client.post(path)
        self.assertRedirects(response, self.url("dashboard:index"))
        assert Membership.objects.get(network=self.network, user=self.outsider).role == Role.OPS

    def test_another_account_cannot_use_the_link(self) -> None:
        path = self.invite(email="newbie@example.org")
        self.login(self.outsider)  # oscar@example.org, admin of another network
        page = self.client.get(path)
        self.assertContains(page, "sent to <strong>newbie@example.org</strong>", status_code=403)
        self.assertNotContains(page, "Join as", status_code=403)
        assert self.client.post(path).status_code == 403
        assert not Membership.objects.filter(network=self.network, user=self.outsider).exists()
        # The link still works for its address.
        self.client.logout()
        assert self.client.get(path).status_code == 200
        assert Invitation.objects.get().accepted_at is None

    def test_the_signup_form_keeps_what_was_typed(self) -> None:
        path = self.invite()
        response = self.client.post(path, {"username": "newbie", "password1": "short", "password2": "other"})
        assert response.status_code == 200
        self.assertContains(response, 'value="newbie"')
        assert not Membership.objects.filter(user__username="newbie").exists()

    def test_a_revoked_invitation_no_longer_works(self) -> None:
        path = self.invite()
        invitation = Invitation.objects.get()
        self.login(self.admin)
        self.client.post(self.url("networks:invitation_revoke", invitation.code))
        self.client.logout()
        assert self.client.get(path).status_code == 410

    def test_an_existing_member_cannot_be_invited_twice(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("networks:members"), {"email": "olga@example.org", "role": "admin"}
        )
        self.assertContains(response, "already a member")
        self.assertContains(response, 'value="olga@example.org"')
        assert not mail.outbox
