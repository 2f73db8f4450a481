"""Request bodies of the API read as a stream: a 100 MB cost file never sits in memory whole.

Django's `request.body` would refuse anything over DATA_UPLOAD_MAX_MEMORY_SIZE (and hold it all);
the body gate (runtime.middleware) already let a keyed call through by its declared length, up to
COST_UPLOAD_MAX_BYTES, and left it unread."""

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.http import HttpRequest

from incost_portal.api.errors import ApiError

READ_BYTES = 1024 * 1024
# Up to this size a body stays in memory, past it on disk.
SPOOL_BYTES = 4 * 1024 * 1024


@dataclass
class SpooledBody:
    file: IO[bytes]
    size: int
    sha256: str


def body_spooled(request: HttpRequest) -> SpooledBody:
    """The body copied in 1 MB reads to a temporary file, hashed on the way (the idempotency key's
    fingerprint); 413 past COST_UPLOAD_MAX_BYTES, whatever its declared length said; 411 for a
    chunked body."""
    limit = settings.COST_UPLOAD_MAX_BYTES
    if not request.META.get("CONTENT_LENGTH") and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", ""):
        # Django reads no body without a declared length: it would look empty.
        raise ApiError(411, "length_required", "Send the body with a Content-Length (not chunked).")
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the caller closes it)
    digest = hashlib.sha256()
    size = 0
    while chunk := request.read(READ_BYTES):
        size += len(chunk)
        if size > limit:
            out.close()
            raise ApiError(
                413, "too_large", f"The body is larger than the {limit:,} bytes a cost file may be."
            )
        digest.update(chunk)
        out.write(chunk)
    out.seek(0)
    return SpooledBody(file=out, size=size, sha256=digest.hexdigest())  # type: ignore[arg-type]
