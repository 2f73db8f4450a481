"""Pieces of the token taken out of whatever AppsFlyer, or a gateway in front of it, answers.

A gateway may echo the Authorization header back in an error, and not as sent: JSON-escaped
(`\\u002d` for `-`), upper-cased, cut to its first 200 characters. Any run of PIECE or more
characters that also occurs in the token (ignoring ASCII case) is replaced, in every string of
the decoded answer, before the answer reaches a message, a row, a page or a log.
"""

import string
from typing import Any

PIECE = 12
MARK = "[token]"
# ASCII only, so the lowered text keeps its length and positions (the token is base64url ASCII).
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class TokenRedactor:
    """Built once per token: the set of its PIECE-character runs, then one pass per text."""

    def __init__(self, token: str) -> None:
        low = token.translate(_ASCII_LOWER)
        self._pieces = frozenset(low[i : i + PIECE] for i in range(len(low) - PIECE + 1))

    def __repr__(self) -> str:
        return "<TokenRedactor>"  # nothing of the token, ever

    def text(self, text: str) -> str:
        """The text with every run of PIECE+ characters of the token replaced by MARK."""
        if not self._pieces or len(text) < PIECE:
            return text
        low = text.translate(_ASCII_LOWER)
        pieces = self._pieces
        spans: list[list[int]] = []
        for start in range(len(low) - PIECE + 1):
            if low[start : start + PIECE] in pieces:
                if spans and start <= spans[-1][1]:
                    spans[-1][1] = start + PIECE
                else:
                    spans.append([start, start + PIECE])
        if not spans:
            return text
        kept, at = [], 0
        for start, end in spans:
            kept.append(text[at:start])
            kept.append(MARK)
            at = end
        kept.append(text[at:])
        return "".join(kept)

    def value(self, value: Any) -> Any:
        """A decoded JSON value with every string in it (keys too) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(str(key)): self.value(item) for key, item in value.items()}
        return value
