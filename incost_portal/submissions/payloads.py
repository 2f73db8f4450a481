"""A request's body at rest: compressed (JSON packs about tenfold), read back whole for a retry or a
download. zlib, from the standard library: every Python reads it, and it is fast enough for a
megabyte per request."""

import zlib

CODEC = "zlib"
LEVEL = 6


def payload_pack(body: bytes) -> tuple[bytes, str]:
    """The bytes to store for `body`, and the codec they are stored with."""
    return zlib.compress(body, LEVEL), CODEC


def payload_unpack(stored: bytes, codec: str) -> bytes:
    """The body as sent; `codec` "" is a body stored before compression."""
    if codec == CODEC:
        return zlib.decompress(stored)
    if codec:
        raise ValueError(f"Unknown payload codec {codec!r}.")
    return stored
