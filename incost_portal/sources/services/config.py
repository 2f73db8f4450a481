"""A source's settings: created, changed and deleted by admins (pages and API), each in the audit
trail; its secrets (request headers, the S3 secret key) encrypted with the token's keys and shown
again only by their last four characters."""

import datetime
import re
from collections.abc import Mapping
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.costs.parsing.conventions import DATE_FORMATS, DECIMAL_SEPARATORS
from incost_portal.networks import token_vault
from incost_portal.networks.models import Network
from incost_portal.sources.mapping import MappingError, mapping_clean
from incost_portal.sources.models import Source
from incost_portal.sources.schedule import source_next_run

# Settings a caller may give; secrets (`headers`, `secret_key`) are None to keep the stored ones.
FIELDS = (
    "name", "kind", "enabled", "url_template", "file_format", "bucket", "prefix", "region",
    "endpoint_url", "access_key_id", "column_mapping", "date_format", "decimal_separator",
    "restatement_days", "every_hours", "stale_after_hours", "on_problems",
)  # fmt: skip
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
# NUL and lone surrogates cannot be stored (PostgreSQL refuses them) nor encoded.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_RESTATEMENT_DAYS = 90
MAX_EVERY_HOURS = 24 * 7


def last_four(secret: str) -> str:
    return secret[-4:] if len(secret) > 8 else ""


@sensitive_variables()
def source_headers(source: Source) -> dict[str, str]:
    """The request headers in clear, for the fetch only."""
    if not source.headers_encrypted:
        return {}
    return orjson.loads(token_vault.decrypt(source.headers_encrypted))  # type: ignore[no-any-return]


@sensitive_variables()
def source_secret_key(source: Source) -> str:
    if not source.secret_key_encrypted:
        return ""
    return token_vault.decrypt(source.secret_key_encrypted)


@sensitive_variables("headers")
def _headers_clean(headers: Mapping[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in headers.items():
        name, value = str(name).strip(), str(value).strip()
        if not _HEADER_NAME.fullmatch(name):
            raise ValidationError({"headers": f"{name!r} is not a valid header name."})
        if not value or any(char in value for char in "\r\n") or _UNSTORABLE.search(value):
            raise ValidationError({"headers": f"The header {name} needs a value on one line."})
        if name.lower() in ("host", "content-length", "transfer-encoding", "connection"):
            raise ValidationError({"headers": f"The portal sets {name} itself."})
        cleaned[name] = value
    return cleaned


# A month: a source silent for longer is not "late", it is gone.
MAX_STALE_HOURS = 720


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    """Every setting checked; ValidationError naming the field and what to give instead."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        texts = [*value.keys(), *value.values()] if isinstance(value, dict) else [value]
        if any(isinstance(text, str) and _UNSTORABLE.search(text) for text in texts):
            errors[name] = "This holds a character that cannot be stored (NUL or a lone surrogate)."
    if errors:
        raise ValidationError(errors)
    values["name"] = str(values.get("name") or "").strip()[:100]
    if not values["name"]:
        errors["name"] = "Give the source a name, e.g. the report it pulls."
    if values.get("kind") not in Source.Kind.values:
        errors["kind"] = "Choose HTTPS report or S3-compatible bucket."
    if values.get("file_format", "") not in Source.Format.values:
        errors["file_format"] = "Choose CSV, JSON, XLSX or by content type."
    if values.get("date_format") not in DATE_FORMATS:
        errors["date_format"] = f"Choose one of {', '.join(DATE_FORMATS)}."
    if values.get("decimal_separator") not in DECIMAL_SEPARATORS:
        errors["decimal_separator"] = "Choose a point or a comma."
    if values.get("on_problems") not in Source.OnProblems.values:
        errors["on_problems"] = "Choose what to do with problems."
    days = values.get("restatement_days")
    if not isinstance(days, int) or not 1 <= days <= MAX_RESTATEMENT_DAYS:
        errors["restatement_days"] = f"Between 1 and {MAX_RESTATEMENT_DAYS} days."
    stale = values.get("stale_after_hours")
    if not isinstance(stale, int) or not 0 <= stale <= MAX_STALE_HOURS:
        errors["stale_after_hours"] = f"Between 0 (never) and {MAX_STALE_HOURS} hours."
    hours = values.get("every_hours")
    if hours is not None and (not isinstance(hours, int) or not 1 <= hours <= MAX_EVERY_HOURS):
        errors["every_hours"] = f"Between 1 and {MAX_EVERY_HOURS} hours, or empty for the send schedule."
    try:
        values["column_mapping"] = mapping_clean(values.get("column_mapping") or {})
    except MappingError as error:
        errors["column_mapping"] = str(error)
    if values.get("kind") == Source.Kind.HTTPS:
        url = str(values.get("url_template") or "").strip()
        values["url_template"] = url
        if not re.match(r"^https?://[^/\s]+", url):
            errors["url_template"] = "Give the report's URL, starting with https:// (or http://)."
        elif any(char.isspace() for char in url):
            errors["url_template"] = "The URL has spaces in it."
    if values.get("kind") == Source.Kind.S3:
        if not str(values.get("bucket") or "").strip():
            errors["bucket"] = "Give the bucket's name."
        endpoint = str(values.get("endpoint_url") or "").strip()
        if endpoint and not re.match(r"^https?://[^/\s]+", endpoint):
            errors["endpoint_url"] = "The endpoint is a URL starting with https:// (or http://)."
    if errors:
        raise ValidationError(errors)
    for name in ("bucket", "prefix", "region", "endpoint_url", "access_key_id"):
        values[name] = str(values.get(name) or "").strip()
    return values


DEFAULTS: dict[str, Any] = {
    "kind": Source.Kind.HTTPS,
    "enabled": True,
    "file_format": Source.Format.AUTO,
    "date_format": "YYYY-MM-DD",
    "decimal_separator": ".",
    "restatement_days": 7,
    "every_hours": None,
    "stale_after_hours": 48,
    "on_problems": Source.OnProblems.VALID_GROUPS,
    "column_mapping": {},
}


@sensitive_variables("headers", "secret_key")
def source_create(
    *,
    network: Network,
    user: Any | None,
    values: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    secret_key: str | None = None,
    now: datetime.datetime | None = None,
) -> Source:
    """A new source of the network; its first scheduled run is the next one due."""
    settings_given = _validated({**DEFAULTS, **{k: v for k, v in values.items() if k in FIELDS}})
    source = Source(network=network, created_by=user if getattr(user, "is_authenticated", False) else None)
    for name, value in settings_given.items():
        setattr(source, name, value)
    _secrets_set(source, headers=headers, secret_key=secret_key)
    source.next_run_at = source_next_run(source, now or timezone.now())
    try:
        with transaction.atomic():
            source.save()
            audit_record(
                network=network,
                actor=user,
                action=Action.SOURCE_CREATED,
                target=f"source {source.name}",
                detail={"kind": source.kind},
            )
    except IntegrityError:
        raise ValidationError({"name": "The network has a source of this name already."}) from None
    return source


@sensitive_variables("headers", "secret_key")
def source_update(
    *,
    source: Source,
    user: Any | None,
    values: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    secret_key: str | None = None,
    now: datetime.datetime | None = None,
) -> Source:
    """Change a source's settings; secrets given as None stay as stored, {} or "" remove them."""
    current = {name: getattr(source, name) for name in FIELDS}
    given = _validated({**current, **{k: v for k, v in values.items() if k in FIELDS}})
    changed = [name for name in FIELDS if given[name] != current[name]]
    for name in changed:
        setattr(source, name, given[name])
    if headers is not None and _headers_clean(headers) != source_headers(source):
        changed.append("headers")
    if secret_key is not None and secret_key != source_secret_key(source):
        changed.append("secret_key")
    _secrets_set(source, headers=headers, secret_key=secret_key)
    if {"every_hours", "enabled"} & set(changed):
        source.next_run_at = source_next_run(source, now or timezone.now())
    try:
        with transaction.atomic():
            source.save()
            if changed:
                audit_record(
                    network=source.network,
                    actor=user,
                    action=Action.SOURCE_UPDATED,
                    target=f"source {source.name}",
                    detail={"changed": changed},  # names only: never a value, never a secret
                )
    except IntegrityError:
        raise ValidationError({"name": "The network has a source of this name already."}) from None
    return source


def source_delete(*, source: Source, user: Any | None) -> None:
    """Remove a source with its runs (the uploads they made stay in the history)."""
    with transaction.atomic():
        audit_record(
            network=source.network,
            actor=user,
            action=Action.SOURCE_DELETED,
            target=f"source {source.name}",
            detail={"kind": source.kind},
        )
        source.delete()


@sensitive_variables("headers", "secret_key", "cleaned")
def _secrets_set(source: Source, *, headers: Mapping[str, str] | None, secret_key: str | None) -> None:
    if headers is not None:
        cleaned = _headers_clean(headers)
        source.headers_encrypted = token_vault.encrypt(orjson.dumps(cleaned).decode()) if cleaned else b""
        source.headers_shown = {name: last_four(value) for name, value in cleaned.items()}
    if secret_key is not None:
        secret_key = secret_key.strip()
        if _UNSTORABLE.search(secret_key):
            raise ValidationError({"secret_key": "The secret key holds a character that cannot be stored."})
        source.secret_key_encrypted = token_vault.encrypt(secret_key) if secret_key else b""
        source.secret_key_last4 = last_four(secret_key)
