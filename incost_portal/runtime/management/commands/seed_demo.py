"""`seed_demo`: the demo networks, apps, users and two weeks of cost (start-up's, so it sits on top)."""

import io
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from incost_portal.costs.models import CostRow, CostUpload
from incost_portal.costs.services import cost_upload_create
from incost_portal.networks import token_vault
from incost_portal.networks.models import App, MediaSource, Network, Role
from incost_portal.networks.selectors import api_token_active
from incost_portal.networks.services import api_token_set, membership_set, user_ensure
from incost_portal.sandbox.services import partner_ensure
from incost_portal.sources.models import Source
from incost_portal.sources.services.config import source_create

User = get_user_model()
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


def demo_cost_ensure(network: Network, *, user: Any) -> None:
    """Two weeks of cost for the test apps, uploaded and accepted as ad ops would (once)."""
    if CostRow.objects.filter(network=network).exists():
        return
    today = timezone.now().date()
    rows = [
        {
            "date": (today - timedelta(days=back)).isoformat(), "app_id": app["app_id"],
            "media_source": "demo_int",
            "campaign_id": f"demo{n}", "campaign_name": f"demo_campaign_{n}", "geo": geo, "currency": "USD",
            "spend": round(20 + 7.5 * n + 3.25 * (back % 5) + (4 if geo == "US" else 0), 2),
            "clicks": 100 + 10 * n + back, "impressions": 5000 + 100 * back,
        }
        for app in DEMO_APPS for back in range(1, 15) for n in range(3) for geo in ("US", "GB")
    ]  # fmt: skip
    cost_upload_create(
        network=network,
        user=user,
        file=io.BytesIO(json.dumps(rows).encode()),
        name="demo-two-weeks.json",
        source=CostUpload.Source.FILE,
        accept=True,
    )


# Each demo network is a partner of the InCost sandbox, with its media source.
SANDBOX_PARTNERS = {"demo": "demo_int", "other": "other_int"}


def sandbox_tokens_ensure(networks: dict[str, Network]) -> None:
    """Make each demo network a sandbox partner and store that partner's token as the network's.

    Written straight into the sandbox's file (the server may not be up yet). A token already
    stored is kept, so running this again does not rotate anything.
    """
    for slug, source in SANDBOX_PARTNERS.items():
        token = partner_ensure(db_path=settings.SANDBOX_DB, name=slug, media_sources=[source])
        active = api_token_active(network=networks[slug])
        if active is None or active.fingerprint != token_vault.fingerprint(token):
            api_token_set(network=networks[slug], plaintext=token, user=None)


DEMO_SOURCE = "Demo cost report (sandbox)"
# The demo report names its columns its own way: the mapping shows how a source's names become InCost's.
DEMO_MAPPING = {
    "Day": "date", "App": "app_id", "Network": "media_source", "Campaign ID": "campaign_id",
    "Campaign": "campaign_name", "Country": "geo", "Cost": "spend",
}  # fmt: skip


def demo_source_ensure(network: Network, *, sandbox_url: str, user: Any) -> None:
    """An HTTPS source pulling the sandbox's demo report, due at once (RQ cron takes it within a
    minute), so a newcomer sees a source at work; created once, left as the user changes it."""
    if Source.objects.filter(network=network, name=DEMO_SOURCE).exists():
        return
    root = sandbox_url.removesuffix("/").removesuffix("/api")
    source = source_create(
        network=network,
        user=user,
        values={
            "name": DEMO_SOURCE,
            "kind": Source.Kind.HTTPS,
            "url_template": f"{root}/sandbox/demo-report.csv?from={{date_from}}&to={{date_to}}",
            "column_mapping": DEMO_MAPPING,
        },
        headers={"Authorization": "Bearer demo-report-token"},
    )
    Source.objects.filter(pk=source.pk).update(next_run_at=timezone.now())


class Command(BaseCommand):
    help = "Create (or bring back) the demo networks, apps and users. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sandbox-url", default="", help="Point the demo network at this InCost base URL."
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        demo, _ = Network.objects.update_or_create(slug="demo", defaults={"name": "Demo Network"})
        other, _ = Network.objects.update_or_create(slug="other", defaults={"name": "Other Network"})
        networks = {"demo": demo, "other": other}
        if options["sandbox_url"]:
            for network in networks.values():
                network.api_base_url = options["sandbox_url"]
                network.save(update_fields=["api_base_url"])

        MediaSource.objects.get_or_create(network=demo, kind=MediaSource.Kind.MEDIA_SOURCE, name="demo_int")
        MediaSource.objects.get_or_create(network=other, kind=MediaSource.Kind.MEDIA_SOURCE, name="other_int")
        for fields in DEMO_APPS:
            for network in networks.values():
                App.objects.update_or_create(
                    network=network,
                    app_id=fields["app_id"],
                    defaults={**fields, "time_zone": "UTC", "currency": "USD", "is_test_app": True},
                )

        if options["sandbox_url"]:
            sandbox_tokens_ensure(networks)

        for username, slug, role in DEMO_USERS:
            user = user_ensure(username=username, email=f"{username}@example.com", password=DEMO_PASSWORD)
            membership_set(network=networks[slug], user=user, role=role)

        demo_cost_ensure(demo, user=User.objects.get(username="demo-ops"))
        if options["sandbox_url"]:
            demo_source_ensure(
                demo, sandbox_url=options["sandbox_url"], user=User.objects.get(username="demo-admin")
            )
        self.stdout.write("Demo data ready. Log in with any of:")
        for username, slug, role in DEMO_USERS:
            self.stdout.write(
                f"  {username:<14} / {DEMO_PASSWORD}   ({Role(role).label} of {networks[slug].name})"
            )
