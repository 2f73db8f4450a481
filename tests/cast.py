"""The fixed cast every test can use: one network with an admin, an ops member and a reviewer,
and an outsider with a network of his own."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from incost_portal.networks.models import App, MediaSource, Network, Role
from incost_portal.networks.services import app_create, media_source_create, membership_set, network_create

PASSWORD = "correct horse battery"


@dataclass
class Cast:
    network: Network
    admin: Any
    ops: Any
    reviewer: Any
    outsider: Any
    other_network: Network
    media_source: MediaSource
    ios_app: App
    android_app: App
    other_app: App


def make_cast() -> Cast:
    users = get_user_model().objects
    network = network_create(name="Acme Ads", slug="acme")
    other = network_create(name="Other Ads", slug="other-ads")
    admin = users.create_user("alice", "alice@example.org", PASSWORD)
    ops = users.create_user("olga", "olga@example.org", PASSWORD)
    reviewer = users.create_user("rita", "rita@example.org", PASSWORD)
    outsider = users.create_user("oscar", "oscar@example.org", PASSWORD)
    membership_set(network=network, user=admin, role=Role.ADMIN)
    membership_set(network=network, user=ops, role=Role.OPS)
    membership_set(network=network, user=reviewer, role=Role.REVIEWER)
    membership_set(network=other, user=outsider, role=Role.ADMIN)
    return Cast(
        network=network,
        admin=admin,
        ops=ops,
        reviewer=reviewer,
        outsider=outsider,
        other_network=other,
        media_source=media_source_create(network=network, name="acme_int"),
        ios_app=app_create(
            network=network, app_id="id123456789", name="Acme Puzzle", platform=App.Platform.IOS
        ),
        android_app=app_create(
            network=network,
            app_id="com.acme.game",
            name="Acme Game",
            platform=App.Platform.ANDROID,
            time_zone="America/New_York",
        ),
        other_app=app_create(network=other, app_id="com.other.app", name="Other App"),
    )


class BaseTestCase(TestCase):
    """healthchecks' habit: the cast is built once per class, each test logs in whom it needs."""

    cast: Cast

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = make_cast()
        cls.network = cls.cast.network
        cls.admin, cls.ops, cls.reviewer = cls.cast.admin, cls.cast.ops, cls.cast.reviewer
        cls.outsider = cls.cast.outsider

    def login(self, user: Any) -> None:
        self.client.force_login(user)

    def url(self, name: str, *args: Any, network: Network | None = None) -> str:
        return reverse(name, args=[(network or self.network).code, *args])
