"""The Costs page's table rows as HTML, built in Python: a template loop over a page of 100 rows
(a dozen lookups, filters and tags a row) cost more than the rest of the page together."""

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from incost_portal.costs.incost_rows import spend_literal
from incost_portal.networks.models import App
from incost_portal.networks.templatetags.portal_time import utc_and_local

register = template.Library()

DASH = "—"


def _text(value: str) -> str:
    """A text field escaped, or a dash when empty (the template's `default` filter)."""
    return escape(value) if value else DASH


def _count(value: int | None) -> str:
    """A count (clicks, impressions), or a dash when there is none (0 is a count)."""
    return DASH if value is None else str(value)


def cost_rows_html(
    rows: Iterable[Any], *, network_code: Any, can_write: bool, csrf_token: str, apps: Mapping[int, App]
) -> SafeString:
    """One `<tr>` a row (`cost_rows_listed`'s named tuples): every value escaped; edit and delete
    controls for those who may write. `apps` by pk name each row's app. The stdlib's escape:
    Django's is the same with a lazy-string check per call, a tenth of the table's time."""
    # One reverse for all rows: the row id is the path's only "/0/" (the network code is a UUID).
    edit = reverse("costs:row_edit", args=[network_code, 0]).replace("/0/", "/{}/")
    delete = reverse("costs:row_delete", args=[network_code, 0]).replace("/0/", "/{}/")
    token = escape(csrf_token)
    app_ids = {pk: escape(app.app_id) for pk, app in apps.items()}  # each app's, escaped once
    out = []
    for row in rows:
        app = apps[row.app_id]
        via = f' <span class="muted">via {escape(row.af_prt)}</span>' if row.af_prt else ""
        cells = (
            f"<td>{row.date:%Y-%m-%d}</td>"
            f"<td><code>{app_ids[row.app_id]}</code></td>"
            f"<td>{escape(row.media_source)}{via}</td>"
            f'<td>{escape(row.campaign_name)} <span class="muted">{escape(row.campaign_id)}</span></td>'
            f"<td>{_text(row.adset_name or row.adset_id)}</td>"
            f"<td>{_text(row.ad_name or row.ad_id)}</td>"
            f"<td>{_text(row.geo)}</td>"
            f'<td class="num">{spend_literal(row.spend)} {escape(row.currency)}</td>'
            f'<td class="num">{_count(row.clicks)}</td>'
            f'<td class="num">{_count(row.impressions)}</td>'
            f'<td class="when">{utc_and_local(row.updated_at, app.time_zone)}</td>'
        )
        if can_write:
            cells += (
                f'<td class="row-actions"><a href="{edit.format(row.id)}">Edit</a> '
                f'<form method="post" action="{delete.format(row.id)}" class="inline" '
                'data-confirm="Delete this row? Its group is sent again without it.">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                '<button type="submit" class="linklike danger">Delete</button></form></td>'
            )
        out.append(f"<tr>{cells}</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 (every value above is escaped)


@register.simple_tag(takes_context=True)
def cost_rows(context: template.Context, rows: Iterable[Any], apps: Iterable[App]) -> SafeString:
    tenancy = context["tenancy"]
    return cost_rows_html(
        rows,
        network_code=tenancy.network.code,
        can_write=tenancy.can_write,
        csrf_token=str(context.get("csrf_token", "")),
        apps={app.pk: app for app in apps},
    )
