"""The dashboard's line about open alerts: an inclusion tag, so the dashboard's view stays as it is."""

from typing import Any

from django import template
from django.urls import reverse

from incost_portal.alerts.selectors import condition_open_summary

register = template.Library()


@register.inclusion_tag("alerts/_dashboard_line.html")
def open_alerts_line(network: Any) -> dict[str, Any]:
    return {
        "summary": condition_open_summary(network=network),
        "url": reverse("alerts:index", args=[network.code]),
    }
