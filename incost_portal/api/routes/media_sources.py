"""GET/POST/DELETE /api/v1/media-sources: the names AppsFlyer registered for the network."""

import datetime
import uuid
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from incost_portal.api.auth import key_of
from incost_portal.api.errors import ApiError, not_found
from incost_portal.api.pagination import Page, PageParams, paginate
from incost_portal.api.schemas import WRITE_ERRORS, answers
from incost_portal.networks.forms import MediaSourceForm
from incost_portal.networks.models import MediaSource
from incost_portal.networks.selectors import media_source_list
from incost_portal.networks.services import media_source_add, media_source_remove

router = Router(tags=["media sources"])

Kind = Literal["media_source", "agency"]


class MediaSourceOut(Schema):
    id: uuid.UUID
    name: str
    kind: str
    created_at: datetime.datetime


class MediaSourceIn(Schema):
    model_config = ConfigDict(strict=True)

    name: str
    kind: Kind = "media_source"


def _source(source: MediaSource) -> dict:
    return {"id": source.code, "name": source.name, "kind": source.kind, "created_at": source.created_at}


@router.get("", response=answers({200: Page[MediaSourceOut]}), summary="List media sources")
def media_sources_list(request: HttpRequest, page: Query[PageParams]) -> dict:
    """Rows naming a media source not listed here are refused (ic213)."""
    sources = media_source_list(network=key_of(request).network)
    return paginate(sources, cursor=page.cursor, limit=page.limit, fields=("name", "id"), item=_source)


@router.post(
    "",
    response=answers({201: MediaSourceOut}, WRITE_ERRORS, 400, 409, 413),
    summary="Register a media source",
)
def media_sources_add(request: HttpRequest, source: MediaSourceIn) -> Status:
    """Exactly as registered at AppsFlyer (no spaces). 409 when it is registered already."""
    form = MediaSourceForm({"name": source.name, "kind": source.kind})
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ApiError(422, "invalid_request", f"{field}: {' '.join(errors)}")
    try:
        added = media_source_add(network=key_of(request).network, actor=None, **form.cleaned_data)
    except ValidationError as error:
        raise ApiError(409, "conflict", " ".join(error.messages)) from None
    return Status(201, _source(added))


@router.delete(
    "/{source_id}", response=answers({204: None}, WRITE_ERRORS, 404), summary="Remove a media source"
)
def media_sources_remove(request: HttpRequest, source_id: str) -> Status:
    """Rows that name it will be flagged ic213 from then on."""
    network = key_of(request).network
    try:
        code = uuid.UUID(source_id)
    except ValueError:
        raise not_found("media source") from None
    source = media_source_list(network=network).filter(code=code).first()
    if source is None:
        raise not_found("media source")
    media_source_remove(network=network, source=source, actor=None)
    return Status(204, None)
