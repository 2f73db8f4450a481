"""/api/v1/alert-channels: where a network's alerts go (email, signed webhooks, Slack-compatible)."""

import datetime
import uuid
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from incost_portal.alerts.models import Channel
from incost_portal.alerts.selectors import channel_list
from incost_portal.alerts.services.channels import channel_create, channel_delete, channel_test
from incost_portal.api.auth import key_of
from incost_portal.api.errors import ApiError, not_found
from incost_portal.api.pagination import Page, PageParams, paginate
from incost_portal.api.schemas import WRITE_ERRORS, answers

router = Router(tags=["alert channels"])


class ChannelOut(Schema):
    id: str
    kind: str
    name: str
    # Scheme and host only: a Slack-style URL's path is itself a secret.
    sends_to: str
    enabled: bool
    created_at: datetime.datetime


class ChannelCreated(ChannelOut):
    secret: str | None = None


class ChannelIn(Schema):
    kind: Literal["email", "webhook", "slack"]
    name: str = ""
    url: str = ""


class TestQueued(Schema):
    delivery_id: str
    message: str


def channel_out(channel: Channel, **extra: object) -> dict[str, object]:
    return {
        "id": str(channel.code),
        "kind": channel.kind,
        "name": channel.name,
        "sends_to": channel.url_shown or "members who chose email",
        "enabled": channel.enabled,
        "created_at": channel.created_at,
        **extra,
    }


def _channel(request: HttpRequest, channel_id: str) -> Channel:
    try:
        code = uuid.UUID(channel_id)
    except ValueError:
        raise not_found("alert channel") from None
    channel = channel_list(network=key_of(request).network).filter(code=code).first()
    if channel is None:
        raise not_found("alert channel")
    return channel


@router.get("", response=answers({200: Page[ChannelOut]}), summary="List the network's alert channels")
def channels_list(request: HttpRequest, page: Query[PageParams]) -> dict:
    return paginate(
        channel_list(network=key_of(request).network), cursor=page.cursor, limit=page.limit, item=channel_out
    )


@router.post(
    "", response=answers({201: ChannelCreated}, WRITE_ERRORS, 400, 413), summary="Add an alert channel"
)
def channels_create(request: HttpRequest, payload: ChannelIn) -> Status[dict]:
    """A webhook's signing secret (`whsec_...`, Standard Webhooks) is in this answer only."""
    key = key_of(request)
    try:
        channel, secret = channel_create(
            network=key.network, kind=payload.kind, name=payload.name, url=payload.url, actor=key.created_by
        )
    except ValidationError as error:
        raise ApiError(422, "invalid_request", error.messages[0]) from None
    return Status(201, channel_out(channel, secret=secret or None))


@router.delete(
    "/{channel_id}", response=answers({204: None}, WRITE_ERRORS, 404), summary="Remove an alert channel"
)
def channels_delete(request: HttpRequest, channel_id: str) -> Status[None]:
    key = key_of(request)
    channel_delete(network=key.network, channel=_channel(request, channel_id), actor=key.created_by)
    return Status(204, None)


@router.post(
    "/{channel_id}/test",
    response=answers({202: TestQueued}, WRITE_ERRORS, 404),
    summary="Send a test message",
)
def channels_test(request: HttpRequest, channel_id: str) -> Status[dict]:
    """The outcome appears in the channel's delivery log (Settings, Alerts). An email channel's
    test goes to the key's creator."""
    key = key_of(request)
    delivery = channel_test(network=key.network, channel=_channel(request, channel_id), user=key.created_by)
    return Status(202, {"delivery_id": str(delivery.code), "message": "The test message is on its way."})
