"""A cost push through the API: the upload page's own services, in the order its buttons call them.

- validate only: the file is checked as an upload would be (`cost_file_validate`), nothing stored;
- accept all: stored and checked in one pass, and accepted when nothing blocks (all or nothing);
- accept the valid groups: stored and checked; if errors block, the groups without any go into
  the upload's next version (`cost_upload_valid_groups`), which is accepted; the others are
  reported and left as they were.

Every upload made here has the source API, and its accept's audit line names the key."""

from dataclasses import dataclass, field
from typing import IO

from incost_portal.api.models import ApiKey
from incost_portal.costs.editing import EditRefused, cost_upload_valid_groups, upload_error_groups
from incost_portal.costs.models import CostUpload
from incost_portal.costs.services import (
    CostCheck,
    CostUploadBlocked,
    cost_file_validate,
    cost_upload_accept,
    cost_upload_create,
)
from incost_portal.networks.models import App


@dataclass(frozen=True)
class PushOptions:
    file_format: str
    name: str = ""
    app: App | None = None
    source_time_zone: str = ""
    decimal_separator: str = "."
    date_format: str = "YYYY-MM-DD"


@dataclass
class CostPush:
    """What a push did. `upload` is the upload as pushed (with its issues); `accepted` the upload
    whose rows were stored (the same one, or its version of the valid groups); `refused` says why
    nothing was stored when something was to be."""

    check: CostCheck | None = None
    upload: CostUpload | None = None
    accepted: CostUpload | None = None
    version: CostUpload | None = None
    groups_left_out: list[tuple[str, str, str]] = field(default_factory=list)
    refused: str = ""


def _audit(key: ApiKey) -> dict[str, str]:
    return {"api_key": key.prefix, "api_key_name": key.name}


def cost_push(
    *,
    key: ApiKey,
    file: IO[bytes],
    options: PushOptions,
    validate_only: bool = False,
    accept_valid: bool = False,
) -> CostPush:
    network = key.network
    kwargs = {
        "file_format": options.file_format,
        "name": options.name,
        "app": options.app,
        "source_time_zone": options.source_time_zone,
        "decimal_separator": options.decimal_separator,
        "date_format": options.date_format,
    }
    if validate_only:
        return CostPush(check=cost_file_validate(network=network, file=file, **kwargs))  # type: ignore[arg-type]
    if not accept_valid:
        upload = cost_upload_create(
            network=network,
            user=None,
            file=file,
            source=CostUpload.Source.API,
            accept=True,
            audit_detail=_audit(key),
            **kwargs,  # type: ignore[arg-type]
        )
        accepted = upload.status == CostUpload.Status.ACCEPTED
        errors = f"{upload.error_count:,} error{'' if upload.error_count == 1 else 's'}"
        refused = "" if accepted else f"The body has {errors}; nothing was stored."
        return CostPush(upload=upload, accepted=upload if accepted else None, refused=refused)
    upload = cost_upload_create(
        network=network,
        user=None,
        file=file,
        source=CostUpload.Source.API,
        **kwargs,  # type: ignore[arg-type]
    )
    if upload.status == CostUpload.Status.VALID:
        return _accepted(CostPush(upload=upload), upload, key)
    try:
        left_out = upload_error_groups(upload=upload)
        if len(left_out.rows) >= upload.row_count:
            return CostPush(
                upload=upload,
                groups_left_out=sorted(left_out.groups),
                refused="Every group of the body has an error; nothing was stored.",
            )
        version = cost_upload_valid_groups(upload=upload, user=None)
    except EditRefused as refusal:
        return CostPush(upload=upload, refused=" ".join(refusal.messages) + " Nothing was stored.")
    upload.refresh_from_db()  # superseded by the version now
    push = CostPush(upload=upload, version=version, groups_left_out=sorted(left_out.groups))
    return _accepted(push, version, key)


def _accepted(push: CostPush, upload: CostUpload, key: ApiKey) -> CostPush:
    try:
        cost_upload_accept(upload=upload, user=None, audit_detail=_audit(key))
    except CostUploadBlocked as blocked:
        upload.refresh_from_db()
        push.refused = " ".join(blocked.messages)
        return push
    push.accepted = upload
    return push
