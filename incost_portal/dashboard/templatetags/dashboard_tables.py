"""The dashboard's coverage rows as HTML, built in Python: a template loop over every app (a dozen
lookups, filters and a tag a row) cost more than the rest of the dashboard's template."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from incost_portal.dashboard.selectors import AppCoverage
from incost_portal.networks.templatetags.portal_time import utc_and_local

register = template.Library()


def coverage_rows_html(coverage: Iterable[AppCoverage]) -> SafeString:
    """One `<tr>` an app: its last Applied cost, gaps, cost to send and the 91-day strip."""
    out = []
    for row in coverage:
        app = row.app
        if row.last_applied_date:
            when = utc_and_local(row.last_applied_at, app.time_zone)
            applied = f'cost of {row.last_applied_date:%Y-%m-%d}<div class="muted">at {when}</div>'
        else:
            applied = '<span class="muted">never</span>'
        gaps, pending = row.gaps, row.pending
        strip = (
            f'<svg class="strip" viewBox="0 0 {row.width} 1" preserveAspectRatio="none" role="img" '
            f'aria-label="{gaps} days without cost, {pending} waiting to be sent">{row.strip_svg}</svg>'
        )
        out.append(
            f'<tr><td><code>{escape(app.app_id)}</code><div class="muted">{escape(app.name)}</div></td>'
            f'<td>{applied}</td><td class="num">{gaps}</td><td class="num">{pending}</td>'
            f"<td>{strip}</td></tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 (every text value escaped; the strip is built escaped)


@register.simple_tag
def coverage_rows(coverage: Iterable[AppCoverage]) -> SafeString:
    return coverage_rows_html(coverage)
