"""Review ids: 26 characters of Crockford base32, 48 bits of milliseconds then 80 random bits.

Lexical order is creation order, so a product's reviews sort newest last in the table, and the random
part makes ids unguessable. Every id starts with a digit, above the ``#`` of the table's other items.
"""

from __future__ import annotations

import secrets
import time

from . import schema
from .validation import compiled_pattern

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: A review id as ``schema.REVIEW_ID_PATTERN`` defines it.
REVIEW_ID = compiled_pattern(schema.REVIEW_ID_PATTERN)


def new_review_id(now_ms: int | None = None) -> str:
    """A new id for a review created at ``now_ms`` (default: now)."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def is_review_id(text: str) -> bool:
    """True when ``text`` is shaped like an id this API issues."""
    return REVIEW_ID.fullmatch(text) is not None


def value_of(review_id: str) -> int:
    """The 128-bit number ``review_id`` spells (its first 48 bits are the creation millisecond)."""
    value = 0
    for character in review_id:
        value = (value << 5) | _CROCKFORD.index(character)
    return value
