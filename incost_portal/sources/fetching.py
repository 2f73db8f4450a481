"""Fetching a source's files: an HTTPS report through the outbound address guard, or the new and
changed objects of an S3-compatible bucket (boto3), each within time and size limits.

Errors are typed: `FetchRefused` and `FetchFailed` end a run; `FetchTransient` (a timeout, a
dropped connection, a 5xx or 429) is retried with backoff. Messages never carry a secret."""

import datetime
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import boto3
import botocore.exceptions
from botocore.config import Config
from django.conf import settings

from incost_portal.costs.parsing import file_format_guess
from incost_portal.outbound import OutboundError, OutboundRefused, check_url, fetch

# Content types that name a format; anything else is guessed from the file's first bytes.
CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/plain": "csv",
    "application/json": "json",
    "text/json": "json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class FetchFailed(Exception):
    """The source answered, but not with a file the portal can take (a 404, a 401, too large)."""


class FetchRefused(FetchFailed):
    """The guard refused an address the source leads to (a private or loopback one)."""


class FetchTransient(Exception):
    """A failure that may pass: timed out, connection dropped, 5xx, 429. Retried with backoff."""


@dataclass(frozen=True)
class Fetched:
    """One file of a run: an HTTPS answer or one S3 object."""

    data: bytes
    file_format: str
    name: str
    key: str = ""  # S3 only: the object's key and ETag, marked taken once processed
    etag: str = ""


def format_of(data: bytes, *, name: str, content_type: str = "", chosen: str = "") -> str:
    """The chosen format, else the content type's, else the file name's or first bytes'."""
    if chosen:
        return chosen
    by_type = CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())
    if by_type:
        return by_type
    return file_format_guess(io.BytesIO(data), name)


def url_filled(template: str, *, date_from: datetime.date, date_to: datetime.date) -> str:
    """The URL with {date_from} and {date_to} as YYYY-MM-DD; other braces are left as they are."""
    return template.replace("{date_from}", quote(date_from.isoformat())).replace(
        "{date_to}", quote(date_to.isoformat())
    )


def https_fetch(url: str, *, headers: Mapping[str, str], chosen_format: str) -> Fetched:
    """GET the report through the guard (redirects checked hop by hop)."""
    try:
        answer = fetch(
            "GET",
            url,
            headers={"Accept": "text/csv, application/json, */*", **headers},
            timeout=settings.SOURCE_FETCH_TIMEOUT_SECONDS,
            max_bytes=settings.SOURCE_MAX_BYTES,
        )
    except OutboundRefused as refused:
        raise FetchRefused(str(refused)) from None
    except OutboundError as error:
        if "larger than" in str(error):
            raise FetchFailed(f"The report is larger than {settings.SOURCE_MAX_BYTES:,} bytes.") from None
        raise FetchTransient(str(error)) from None
    if answer.status in TRANSIENT_STATUSES:
        raise FetchTransient(f"The report answered HTTP {answer.status}.")
    if not answer.ok:
        raise FetchFailed(f"The report answered HTTP {answer.status}{_hint(answer.status)}.")
    name = answer.url.rsplit("?", 1)[0].rsplit("/", 1)[-1] or "report"
    file_format = format_of(
        answer.body, name=name, content_type=answer.headers.get("content-type", ""), chosen=chosen_format
    )
    return Fetched(data=answer.body, file_format=file_format, name=name[:100])


def _hint(status: int) -> str:
    if status in (401, 403):
        return " (check the source's request headers: the report refused them)"
    if status == 404:
        return " (check the URL)"
    return ""


@dataclass(frozen=True)
class BucketObject:
    key: str
    etag: str
    size: int
    last_modified: datetime.datetime


def s3_endpoint(*, endpoint_url: str, region: str) -> str:
    return endpoint_url.strip() or f"https://s3.{region or 'us-east-1'}.amazonaws.com"


class Bucket:
    """An S3-compatible bucket's objects under a prefix, reached only at an address the guard
    allows (the endpoint's name is resolved and judged before boto3 connects)."""

    def __init__(
        self, *, bucket: str, prefix: str, region: str, endpoint_url: str, access_key_id: str, secret_key: str
    ) -> None:
        endpoint = s3_endpoint(endpoint_url=endpoint_url, region=region)
        try:
            check_url(endpoint)
        except OutboundRefused as refused:
            raise FetchRefused(str(refused)) from None
        except OutboundError as error:
            raise FetchTransient(str(error)) from None
        self.bucket, self.prefix = bucket, prefix
        self._client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_key or None,
            config=Config(
                connect_timeout=min(5.0, settings.SOURCE_FETCH_TIMEOUT_SECONDS),
                read_timeout=settings.SOURCE_FETCH_TIMEOUT_SECONDS,
                retries={"max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": "path"} if endpoint_url.strip() else {},
            ),
        )

    def objects(self) -> list[BucketObject]:
        """Every object under the prefix, oldest first (then by key): the order they are taken in."""
        found: list[BucketObject] = []
        with _translated():
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    if item["Key"].endswith("/"):
                        continue  # a "folder" marker
                    found.append(
                        BucketObject(item["Key"], item["ETag"].strip('"'), item["Size"], item["LastModified"])
                    )
        found.sort(key=lambda item: (item.last_modified, item.key))
        return found

    def read(self, item: BucketObject, *, chosen_format: str) -> Fetched:
        if item.size > settings.SOURCE_MAX_BYTES:
            raise FetchFailed(f"{item.key} is {item.size:,} bytes; at most {settings.SOURCE_MAX_BYTES:,}.")
        with _translated():
            answer = self._client.get_object(Bucket=self.bucket, Key=item.key, IfMatch=f'"{item.etag}"')
            body = answer["Body"]
            data = body.read(settings.SOURCE_MAX_BYTES + 1)
            body.close()
        if len(data) > settings.SOURCE_MAX_BYTES:
            raise FetchFailed(f"{item.key} is larger than {settings.SOURCE_MAX_BYTES:,} bytes.")
        name = item.key.rsplit("/", 1)[-1] or item.key
        file_format = format_of(
            data, name=name, content_type=answer.get("ContentType", ""), chosen=chosen_format
        )
        return Fetched(data=data, file_format=file_format, name=name[:200], key=item.key, etag=item.etag)


class _translated:
    """boto3's errors as the run's: connection trouble and 5xx transient, the rest final."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, _tb: object) -> bool:
        if error is None:
            return False
        if isinstance(error, botocore.exceptions.ClientError):
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = error.response.get("Error", {}).get("Code", "")
            if status in TRANSIENT_STATUSES or code in ("SlowDown", "RequestTimeout", "PreconditionFailed"):
                raise FetchTransient(f"The bucket answered {code or status}.") from None
            raise FetchFailed(f"The bucket answered {code or status}{_bucket_hint(code)}.") from None
        if isinstance(error, botocore.exceptions.NoCredentialsError):
            raise FetchFailed("Give the bucket's access key id and secret access key.") from None
        if isinstance(error, botocore.exceptions.BotoCoreError):
            raise FetchTransient(f"The bucket could not be reached ({type(error).__name__}).") from None
        return False


def _bucket_hint(code: str) -> str:
    hints = {
        "NoSuchBucket": " (check the bucket's name)",
        "AccessDenied": " (check the access key: it may not read this bucket)",
        "InvalidAccessKeyId": " (check the access key id)",
        "SignatureDoesNotMatch": " (check the secret access key)",
    }
    return hints.get(code, "")


def bucket_objects_new(objects: list[BucketObject], seen: set[tuple[str, str]]) -> Iterator[BucketObject]:
    """The objects not taken yet: a new key, or a key whose ETag changed since it was taken."""
    return (item for item in objects if (item.key, item.etag) not in seen)
