"""Settings, Media sources: register and remove the network's media sources."""

from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks.models import MediaSource
from tests.cast import BaseTestCase


class MediaSourcesPageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        self.login(self.admin)
        self.assertContains(self.client.get(self.url("networks:media_sources")), "acme_int")

    def test_add_and_remove(self) -> None:
        self.login(self.admin)
        self.client.post(self.url("networks:media_sources"), {"name": "acme_agency", "kind": "agency"})
        source = MediaSource.objects.get(network=self.network, name="acme_agency")
        assert source.kind == MediaSource.Kind.AGENCY
        self.client.post(self.url("networks:media_source_remove", source.code))
        assert not MediaSource.objects.filter(pk=source.pk).exists()
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {Action.MEDIA_SOURCE_ADDED, Action.MEDIA_SOURCE_REMOVED} <= actions

    def test_a_bad_name_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("networks:media_sources"), {"name": "has space", "kind": "media_source"}
        )
        self.assertContains(response, "Use no spaces")
        self.assertContains(response, 'value="has space"')
        response = self.client.post(
            self.url("networks:media_sources"), {"name": "acme_int", "kind": "media_source"}
        )
        self.assertContains(response, "registered already")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("networks:media_sources")).status_code == 404
        self.login(self.admin)
        foreign = MediaSource.objects.create(network=self.cast.other_network, name="other_int")
        assert self.client.post(self.url("networks:media_source_remove", foreign.code)).status_code == 404
        assert MediaSource.objects.filter(pk=foreign.pk).exists()

    def test_ops_and_reviewers_cannot_change_it(self) -> None:
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.post(self.url("networks:media_sources"), {"name": "x_int"}).status_code == 403
            assert (
                self.client.post(
                    self.url("networks:media_source_remove", self.cast.media_source.code)
                ).status_code
                == 403
            )
        assert MediaSource.objects.filter(network=self.network).count() == 1
