from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from incost_portal.networks.models import App, MediaSource, Network, Role
from incost_portal.networks.services import membership_set, user_ensure

DEMO_PASSWORD = "incost-demo"  # noqa: S105 - printed for the newcomer; demo data only

DEMO_USERS = [
    ("demo-admin", "demo", Role.ADMIN),
    ("demo-ops", "demo", Role.OPS),
    ("demo-reviewer", "demo", Role.REVIEWER),
    ("other-admin", "other", Role.ADMIN),
]

# The AppsFlyer test apps every partner account has (the InCost spec, "Testing InCost integration").
DEMO_APPS = [
    {"app_id": "id888123456", "name": "AppsFlyer iOS test app", "platform": App.Platform.IOS},
    {"app_id": "com.cost.app", "name": "AppsFlyer Android test app", "platform": App.Platform.ANDROID},
]


class Command(BaseCommand):
    help = "Create (or bring back) the demo networks, apps and users. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sandbox-url", default="", help="Point the demo network at this InCost base URL."
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        demo, _ = Network.objects.update_or_create(slug="demo", defaults={"name": "Demo Network"})
        if options["sandbox_url"]:
            demo.api_base_url = options["sandbox_url"]
            demo.save(update_fields=["api_base_url"])
        other, _ = Network.objects.update_or_create(slug="other", defaults={"name": "Other Network"})
        networks = {"demo": demo, "other": other}

        MediaSource.objects.get_or_create(network=demo, kind=MediaSource.Kind.MEDIA_SOURCE, name="demo_int")
        MediaSource.objects.get_or_create(network=other, kind=MediaSource.Kind.MEDIA_SOURCE, name="other_int")
        for fields in DEMO_APPS:
            for network in networks.values():
                App.objects.update_or_create(
                    network=network,
                    app_id=fields["app_id"],
                    defaults={**fields, "time_zone": "UTC", "currency": "USD", "is_test_app": True},
                )

        for username, slug, role in DEMO_USERS:
            user = user_ensure(username=username, email=f"{username}@example.com", password=DEMO_PASSWORD)
            membership_set(network=networks[slug], user=user, role=role)

        self.stdout.write("Demo data ready. Log in with any of:")
        for username, slug, role in DEMO_USERS:
            self.stdout.write(
                f"  {username:<14} / {DEMO_PASSWORD}   ({Role(role).label} of {networks[slug].name})"
            )
