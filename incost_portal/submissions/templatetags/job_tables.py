"""The Jobs list's rows and a job's state badge as HTML, built in Python: the list is polled every
3 s while jobs are on their way, and a template loop with a badge include per row cost more than
the rest of the page together."""

import uuid
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from incost_portal.networks.templatetags.portal_time import utc
from incost_portal.submissions.models import State, Submission, Trigger

register = template.Library()

_BADGE = {State.APPLIED: "ok", State.FAILED: "err", State.NEEDS_RETRY: "warn", State.PLANNED: "warn"}
# A code no submission has: reversed once, then replaced by each row's code.
_SLOT = uuid.UUID(int=0)
CENT = Decimal("0.01")
_STATE_LABELS, _TRIGGER_LABELS = dict(State.choices), dict(Trigger.choices)


def _badge(state: str, error_code: str, error_message: str) -> str:
    """The state as a coloured badge, and the error code (message on hover) unless Applied."""
    badge = (
        f'<span class="badge {_BADGE.get(state, "info")}" data-state="{escape(state)}">'
        f"{escape(str(_STATE_LABELS.get(state, state)))}</span>"
    )
    if error_code and state != State.APPLIED:
        badge += f' <code title="{escape(error_message)}">{escape(error_code)}</code>'
    return badge


@register.simple_tag
def job_state(submission: Submission) -> SafeString:
    """A request's state badge (see `_badge`)."""
    badge = _badge(submission.state, submission.error_code, submission.error_message)
    return mark_safe(badge)  # noqa: S308 (every value escaped)


def job_rows_html(submissions: Iterable[Any], *, network_code: Any) -> SafeString:
    """One `<tr>` a job (`submission_page`'s named tuples), every value escaped."""
    detail = reverse("submissions:detail", args=[network_code, _SLOT]).replace(str(_SLOT), "{}")
    out = []
    for s in submissions:
        dates = f"{s.date_from:%Y-%m-%d}"
        if s.date_to != s.date_from:
            dates += f" → {s.date_to:%Y-%m-%d}"
        source = escape(str(_TRIGGER_LABELS.get(s.trigger, s.trigger)))
        if s.created_by_id:
            source += f" · {escape(s.author)}"
        matched = "—" if s.matched_records_percentage is None else f"{s.matched_records_percentage}%"
        job = "—"
        if s.job_id:
            shown = s.job_id if len(s.job_id) <= 14 else s.job_id[:13] + "…"  # truncatechars:14
            job = f'<code class="clip" title="{escape(s.job_id)}">{escape(shown)}</code>'
        out.append(
            f'<tr><td><a href="{detail.format(s.code)}">{utc(s.created_at)}</a></td>'
            f"<td><code>{escape(s.app_ident)}</code></td>"
            f"<td>{dates}</td>"
            f'<td class="num">{s.row_count}</td>'
            # floatformat:2's rounding
            f'<td class="num">{s.spend_total.quantize(CENT, ROUND_HALF_UP)} {escape(s.currency)}</td>'
            f"<td>{source}</td>"
            f"<td>{_badge(s.state, s.error_code, s.error_message)}</td>"
            f'<td class="num">{matched}</td>'
            f"<td>{job}</td></tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 (every value escaped)


@register.simple_tag(takes_context=True)
def job_rows(context: template.Context, submissions: Iterable[Any]) -> SafeString:
    return job_rows_html(submissions, network_code=context["tenancy"].network.code)
