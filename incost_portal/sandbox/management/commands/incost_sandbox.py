import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incost_portal.sandbox.config import SandboxConfig, config_set
from incost_portal.sandbox.server import sandbox_serve
from incost_portal.sandbox.store import opened, store_init

# Flags that set the sandbox's settings and faults (see sandbox.config.SandboxConfig).
CONFIG_FLAGS = {
    "in_progress_seconds": (float, "How long a job says 'In progress' (AppsFlyer: about 120)."),
    "minute_seconds": (float, "The length of the rate limits' minute (shorten for tests)."),
    "day_seconds": (float, "The length of the rate limits' day (shorten for tests)."),
    "latency_ms": (int, "Wait this long before every InCost answer."),
    "server_error_share": (float, "Share of calls answered 500/502/503 (0-1)."),
    "ic300_share": (float, "Share of calls answered ic300 (0-1)."),
    "processing_error_share": (float, "Share of uploads whose job ends 'Error processing data' (0-1)."),
    "dropped_connection_share": (float, "Share of calls whose connection is closed unanswered (0-1)."),
    "bare_string_share": (float, "Share of answers sent as bare JSON strings (0-1)."),
    "seed": (int, "Seed of the fault decisions, for repeatable runs."),
    "max_body_bytes": (int, "Largest upload body accepted (ic311 above it)."),
    "ledger_mode": (str, "'replace' (default) or 'add': what a later upload of a group does."),
}


class Command(BaseCommand):
    help = "Run the InCost sandbox: AppsFlyer's InCost API, emulated, with its state in a SQLite file."
    # The sandbox stands apart from the portal: its URLs, models and database are not its concern.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.SANDBOX_PORT)
        parser.add_argument("--db", default=str(settings.SANDBOX_DB), help="The sandbox's state file.")
        parser.add_argument(
            "--keep-config",
            action="store_true",
            help="Keep the settings and faults the last run stored (default: AppsFlyer's, plus these flags).",
        )
        for name, (kind, text) in CONFIG_FLAGS.items():
            parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None, help=text)

    def handle(self, *args: Any, **options: Any) -> None:
        db_path = Path(options["db"])
        store_init(db_path)
        changes = {name: options[name] for name in CONFIG_FLAGS if options[name] is not None}
        changes.setdefault("max_body_bytes", settings.INCOST_MAX_REQUEST_BYTES)
        try:
            with opened(db_path) as conn:
                config: SandboxConfig = config_set(conn, changes=changes, reset=not options["keep_config"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        logging.getLogger("incost_portal.sandbox").setLevel(logging.INFO)
        self.stdout.write(
            f"InCost sandbox on http://{options['host']}:{options['port']}/api/ (state in {db_path}; "
            f"jobs in progress for {config.in_progress_seconds:g} s, minute = {config.minute_seconds:g} s)"
        )
        self.stdout.flush()
        try:
            sandbox_serve(host=options["host"], port=options["port"], db_path=db_path)
        except KeyboardInterrupt:
            pass
        except OSError as error:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {error}") from None
