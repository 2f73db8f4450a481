"""GET /api/v1/groups: each (app, date, media source) group's cost and where it stands at AppsFlyer."""

import datetime
import uuid
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from incost_portal.api.auth import key_of
from incost_portal.api.errors import ApiError
from incost_portal.api.pagination import PageParams, paginate
from incost_portal.api.schemas import IsoDate, answers
from incost_portal.networks.selectors import app_list
from incost_portal.submissions.selectors import GroupState, group_states, group_total_list

router = Router(tags=["groups"])


class GroupOut(Schema):
    app_id: str
    date: datetime.date
    media_source: str
    currency: str
    spend: str
    rows: int
    state: Literal["to_send", "on_its_way", "applied", "failed"]
    matched_records_percentage: str | None
    error_code: str
    job_id: uuid.UUID | None


class GroupPage(Schema):
    items: list[GroupOut]
    next_cursor: str | None = None


class GroupFilters(PageParams):
    app_id: str | None = None
    media_source: str | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    state: Literal["to_send", "on_its_way", "applied", "failed"] | None = None


def _group(found: GroupState) -> dict:
    total, matched = found.total, found.matched_records_percentage
    return {
        "app_id": total.app.app_id,
        "date": total.date,
        "media_source": total.media_source,
        "currency": total.currency,
        "spend": format(total.spend.normalize(), "f"),
        "rows": total.row_count,
        "state": found.state,
        "matched_records_percentage": None if matched is None else f"{matched:.2f}",
        "error_code": found.error_code,
        "job_id": found.job.code if found.job is not None else None,
    }


@router.get("", response=answers({200: GroupPage}), summary="List groups and their state")
def groups_list(request: HttpRequest, filters: Query[GroupFilters]) -> dict:
    """Newest dates first. `state`: `to_send` (changed since AppsFlyer last applied it, or never
    sent), `on_its_way` (a request carries it now), `applied` (AppsFlyer holds its current content;
    with the matched records of that request), `failed` (its last request failed: `error_code`;
    it waits until its rows change, or a resend). `state=` filters the page it is given: a page
    may then hold fewer items than `limit` while `next_cursor` goes on."""
    network = key_of(request).network
    app = None
    if filters.app_id:
        app = app_list(network=network).filter(app_id=filters.app_id).first()
        if app is None:
            raise ApiError(422, "invalid_request", f"app_id: no app {filters.app_id!r} in this network.")
    totals = group_total_list(
        network=network,
        app=app,
        media_source=filters.media_source or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    page = paginate(
        totals, cursor=filters.cursor, limit=filters.limit, fields=("date", "id"), descending=True
    )
    found = group_states(network=network, totals=page["items"])
    items = [_group(state) for state in found if filters.state in (None, state.state)]
    return {"items": items, "next_cursor": page["next_cursor"]}
