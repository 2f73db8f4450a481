"""`manage.py validate_cost PATH`: check a cost file against every InCost rule, store nothing.

Exit status: 0 when nothing blocks a send, 1 when something does, 2 when the file cannot be read
(missing, a directory, no permission) or the options are wrong.
"""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incost_portal.costs.issues import Issue, text_shown
from incost_portal.costs.selectors import network_rules
from incost_portal.costs.validation import cost_file_check
from incost_portal.networks.models import Network


class Command(BaseCommand):
    help = "Validate a cost file (InCost JSON, CSV or XLSX) and print every issue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--network", help="Network slug: check media sources, apps and time zones too.")
        parser.add_argument("--app", help="The request's app: a second app id is ic228, another app ic229.")
        parser.add_argument("--format", choices=["text", "json"], default="text", dest="output")
        parser.add_argument("--file-format", choices=["json", "csv", "xlsx"], help="Default: from the name.")
        parser.add_argument("--source-time-zone", default="", help="IANA zone of hourly rows (default UTC).")

    def handle(self, *args: Any, **options: Any) -> None:
        rules = None
        if options["network"]:
            network = Network.objects.filter(slug=options["network"]).first()
            if network is None:
                raise CommandError(f"No network with the slug {options['network']!r}.", returncode=2)
            rules = network_rules(network=network)
        as_json = options["output"] == "json"
        out = self.stdout

        def show(issue: Issue) -> None:
            # A field named by undecodable bytes must not stop the output (stdout is strict UTF-8).
            issue = Issue(issue.row, text_shown(issue.field), issue.code, text_shown(issue.message))
            if as_json:
                out.write(json.dumps(issue.as_dict(), ensure_ascii=False))
            else:
                where = f"row {issue.row}" if issue.row is not None else "file"
                field = f" {issue.field}" if issue.field else ""
                out.write(f"{where}{field}: {issue.code} ({issue.severity}) {issue.message}")

        try:
            stream = open(options["path"], "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(
                f"Cannot read {options['path']}: {exc.strerror or exc}.", returncode=2
            ) from None
        with stream:
            try:
                summary = cost_file_check(
                    stream,
                    rules=rules,
                    on_issue=show,
                    file_format=options["file_format"],
                    name=options["path"],
                    request_app=options["app"],
                    source_time_zone=options["source_time_zone"],
                )
            except OSError as exc:
                raise CommandError(f"Cannot read {options['path']}: {exc}.", returncode=2) from None
        verdict = "blocked: fix the errors before sending" if summary.blocking else "nothing blocks a send"
        line = (
            f"{summary.rows:,} rows, {summary.error_rows:,} with errors; "
            f"{summary.errors:,} errors, {summary.warnings:,} warnings: {verdict}."
        )
        if not rules:
            line += " (No --network: media sources, apps and time zones were not checked.)"
        # The summary goes to stderr in JSON mode so that stdout stays one issue object a line.
        (self.stderr if as_json else self.stdout).write(line)
        if summary.blocking:
            sys.exit(1)
