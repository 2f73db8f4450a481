"""GET /api/v1/alerts: the network's alert conditions, open and past, newest first."""

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from incost_portal.alerts.kinds import kind_label
from incost_portal.alerts.messages import absolute
from incost_portal.alerts.models import Condition
from incost_portal.alerts.selectors import condition_list
from incost_portal.api.auth import key_of
from incost_portal.api.pagination import Page, PageParams, paginate
from incost_portal.api.schemas import answers

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: str
    kind: str
    kind_label: str
    subject: str
    app_id: str | None
    title: str
    detail: str
    url: str
    since: datetime.datetime
    opened_at: datetime.datetime
    resolved_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    acknowledged_by: str | None
    muted_until: datetime.datetime | None


def alert_out(condition: Condition) -> AlertOut:
    return AlertOut(
        id=str(condition.code),
        kind=condition.kind,
        kind_label=kind_label(condition.kind),
        subject=condition.subject,
        app_id=condition.app.app_id if condition.app else None,
        title=condition.title,
        detail=condition.detail,
        url=absolute(condition.link),
        since=condition.since,
        opened_at=condition.opened_at,
        resolved_at=condition.resolved_at,
        acknowledged_at=condition.acknowledged_at,
        acknowledged_by=condition.acknowledged_by.get_username() if condition.acknowledged_by else None,
        muted_until=condition.muted_until,
    )


@router.get("", response=answers({200: Page[AlertOut]}), summary="List the network's alerts")
def alerts_list(
    request: HttpRequest,
    page: Query[PageParams],
    state: Literal["open", "resolved"] | None = None,
    kind: str = "",
) -> dict:
    """Conditions (a problem from when it started to when it ended), newest first; `state=open`
    for what is wrong now. `url` is where in the portal to act."""
    conditions = condition_list(network=key_of(request).network, state=state or "", kind=kind)
    return paginate(
        conditions,
        cursor=page.cursor,
        limit=page.limit,
        fields=("opened_at", "id"),
        descending=True,
        item=alert_out,
    )
