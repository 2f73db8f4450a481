from typing import Any

from django.core.management.base import BaseCommand

from incost_portal.networks.services import api_token_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored AppsFlyer token under the newest key of TOKEN_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = api_token_keys_rotate()
        self.stdout.write(f"Re-encrypted {count} token(s) under the newest key.")
