import os
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incost_portal.runtime.redis_server import redis_answers

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PROCFILE = Path(settings.BASE_DIR) / "Procfile"


def procfile_processes() -> list[str]:
    return [line.split(":", 1)[0] for line in PROCFILE.read_text().splitlines() if ":" in line]


class Command(BaseCommand):
    help = (
        "Prepare the database and demo data, then run the whole product (web, worker with its "
        "scheduler, RQ cron, the InCost sandbox and, when none answers, an embedded Redis) under honcho."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not create the demo networks and users."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)

        processes = [name for name in procfile_processes() if name != "redis"]
        env = dict(os.environ)
        redis_at = urlparse(settings.REDIS_URL)
        where = f"{redis_at.hostname}:{redis_at.port or 6379}"
        if not redis_answers(settings.REDIS_URL):
            if redis_at.hostname not in LOOPBACK:
                raise CommandError(f"The Redis of REDIS_URL ({where}) does not answer.")
            # Nothing listens at a local address: run our own Redis there.
            processes.insert(0, "redis")
            self.stdout.write(f"No Redis answers on {where}: starting an embedded one there.")
        sandbox_url = ""
        if "sandbox" in processes:
            sandbox_url = f"http://127.0.0.1:{settings.SANDBOX_PORT}/api/"
            env.setdefault("INCOST_BASE_URL", sandbox_url)
            # The demo source pulls its report from the local sandbox, which the outbound guard
            # refuses (loopback) unless allowed.
            allowed = [cidr for cidr in env.get("OUTBOUND_ALLOWED_NETWORKS", "").split(",") if cidr.strip()]
            env["OUTBOUND_ALLOWED_NETWORKS"] = ",".join(dict.fromkeys([*allowed, "127.0.0.1/32"]))
        if not options["no_demo"]:
            # The demo networks are sandbox partners: their tokens only work there.
            call_command("seed_demo", sandbox_url=sandbox_url)

        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(
            self.style.SUCCESS(f"\nInCost Portal is starting at {url}  (Ctrl+C stops everything)\n")
        )

        env["WEB_HOST"], env["WEB_PORT"] = options["host"], str(options["port"])
        # Links in emails (invitations, password resets) point where this portal really listens.
        env.setdefault("SITE_URL", url.rstrip("/"))
        env["PYTHONUNBUFFERED"] = "1"
        # The Procfile says `python` and `gunicorn`: make them this virtual environment's.
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        honcho = shutil.which("honcho", path=env["PATH"])
        if honcho is None:
            raise CommandError("honcho is not installed: run `make install`.")
        sys.stdout.flush()
        os.chdir(settings.BASE_DIR)
        os.execve(honcho, [honcho, "-f", str(PROCFILE), "start", *processes], env)  # noqa: S606
