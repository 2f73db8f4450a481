"""Housekeeping jobs run by RQ cron (see incost_portal/cron.py)."""

from django.core.management import call_command


def sessions_clear() -> None:
    """Drop expired login sessions."""
    call_command("clearsessions")
