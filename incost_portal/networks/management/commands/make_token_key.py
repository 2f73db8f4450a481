from typing import Any

from django.core.management.base import BaseCommand

from incost_portal.networks.token_vault import new_key


class Command(BaseCommand):
    help = "Print a new Fernet key to put first in TOKEN_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(new_key())
