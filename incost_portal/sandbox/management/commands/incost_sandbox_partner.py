from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incost_portal.sandbox.services import app_enable, partner_create, partner_ensure
from incost_portal.sandbox.store import opened, store_init


class Command(BaseCommand):
    help = (
        "Add a partner (an ad-network account) to the InCost sandbox and print its API token. "
        "The AppsFlyer test apps id888123456 and com.cost.app are always enabled for it."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument(
            "--media-source", action="append", default=[], help="A media source registered for it (repeat)."
        )
        parser.add_argument("--app", action="append", default=[], help="Another app enabled for it (repeat).")
        parser.add_argument(
            "--existing-ok",
            action="store_true",
            help="If the partner exists, add the media sources and apps and print its token.",
        )
        parser.add_argument("--db", default=str(settings.SANDBOX_DB))

    def handle(self, *args: Any, **options: Any) -> None:
        db_path = Path(options["db"])
        store_init(db_path)
        name, sources = options["name"], options["media_source"]
        with opened(db_path) as conn:
            try:
                if options["existing_ok"]:
                    token = partner_ensure(db_path=db_path, name=name, media_sources=sources)
                else:
                    token = partner_create(conn, name=name, media_sources=sources).token
                for app_id in options["app"]:
                    app_enable(conn, partner_name=name, app_id=app_id)
            except ValueError as error:
                raise CommandError(str(error)) from None
        self.stderr.write(
            f"Partner {name!r} is in {db_path}; its token (paste it on the network's token page):"
        )
        self.stdout.write(token)
