"""`manage.py api_key_create --network SLUG --name NAME [--read-only]`: prints the new key alone."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incost_portal.api.models import Scope
from incost_portal.api.services import api_key_create
from incost_portal.networks.models import Network


class Command(BaseCommand):
    help = "Create a portal API key for a network and print it (alone, on stdout: it is not shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", required=True, help="The network's slug.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'reporting ETL'.")
        parser.add_argument("--read-only", action="store_true", help="A key that can only read.")

    def handle(self, *args: Any, **options: Any) -> None:
        network = Network.objects.filter(slug=options["network"]).first()
        if network is None:
            known = ", ".join(Network.objects.order_by("slug").values_list("slug", flat=True)[:20])
            raise CommandError(f"No network with slug {options['network']!r}. Known: {known or 'none'}.")
        try:
            new = api_key_create(
                network=network,
                name=options["name"],
                scope=Scope.READ if options["read_only"] else Scope.WRITE,
                user=None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(new.secret)
