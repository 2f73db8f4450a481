from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incost_portal.runtime.redis_server import wait_for_redis


class Command(BaseCommand):
    help = "Wait until REDIS_URL answers (workers start before an embedded Redis is up)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        if not wait_for_redis(settings.REDIS_URL, options["seconds"]):
            raise CommandError(f"Redis did not answer within {options['seconds']:.0f} s.")
