"""Times as the portal shows them: UTC, with the app's local time beside when it differs."""

import zoneinfo
from datetime import datetime

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def utc(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M UTC")


@register.simple_tag
def utc_and_local(value: datetime | None, time_zone: str = "UTC") -> str:
    """`2026-11-23 13:34 UTC` and, for an app elsewhere, `(08:34 America/New_York)` beside it."""
    if value is None:
        return "—"
    shown = utc(value)
    if not time_zone or time_zone == "UTC":
        return shown
    try:
        local = value.astimezone(zoneinfo.ZoneInfo(time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return shown
    return format_html(
        '{} <span class="muted">({} {})</span>', shown, local.strftime("%Y-%m-%d %H:%M"), time_zone
    )
