"""Times as the portal shows them: UTC, with the app's local time beside when it differs."""

import zoneinfo
from datetime import UTC, datetime
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def utc(value: datetime | None, seconds: bool = False) -> str:
    if value is None:
        return "—"
    form = "%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC"
    return value.astimezone(UTC).strftime(form)


@register.simple_tag
def utc_and_local(value: datetime | None, time_zone: str = "UTC", seconds: bool = False) -> str | SafeString:
    """`2026-11-23 13:34 UTC` and, for an app elsewhere, `(08:34 America/New_York)` beside it;
    with seconds for a timeline, where calls a few seconds apart must read apart."""
    if value is None:
        return "—"
    shown = utc(value, seconds)
    if not time_zone or time_zone == "UTC":
        return shown
    try:
        local = value.astimezone(zoneinfo.ZoneInfo(time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return shown
    local_form = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    # A page of cost rows calls this a row: the stdlib's escape of the one text value (the zone
    # name), not format_html's escaping of every argument.
    local_text = local.strftime(local_form)
    return mark_safe(f'{shown} <span class="muted">({local_text} {escape(time_zone)})</span>')  # noqa: S308
