"""GET /api/v1/apps: the network's apps, as AppsFlyer's app permission list last showed them."""

import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema

from incost_portal.api.auth import key_of
from incost_portal.api.pagination import Page, PageParams, paginate
from incost_portal.api.schemas import answers
from incost_portal.networks.selectors import app_list

router = Router(tags=["apps"])


class AppOut(Schema):
    app_id: str
    name: str
    platform: str
    time_zone: str
    currency: str
    enabled: bool
    send_cost: bool
    is_test_app: bool
    last_synced_at: datetime.datetime | None


@router.get("", response=answers({200: Page[AppOut]}), summary="List the network's apps")
def apps_list(request: HttpRequest, page: Query[PageParams]) -> dict:
    """Apps that enabled cost from this network (`enabled`: listed at the last sync) and whether
    the network sends their cost (`send_cost`). Ordered by app id."""
    return paginate(
        app_list(network=key_of(request).network),
        cursor=page.cursor,
        limit=page.limit,
        fields=("app_id", "id"),
    )
