import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from incost_portal.runtime.redis_server import NoRedisServer, embedded_redis_command


class Command(BaseCommand):
    help = "Run a memory-only redis-server in the foreground on REDIS_URL's port (for `make run`)."

    def handle(self, *args: Any, **options: Any) -> None:
        port = urlparse(settings.REDIS_URL).port or 6379
        try:
            command = embedded_redis_command(port, Path(settings.VAR_DIR) / "redis")
        except NoRedisServer as error:
            raise CommandError(str(error)) from None
        Path(command[-1]).mkdir(parents=True, exist_ok=True)
        os.execv(command[0], command)  # noqa: S606 - replaces this process, so the runner stops it directly
