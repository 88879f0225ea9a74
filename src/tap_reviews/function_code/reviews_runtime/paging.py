"""``next_token``: the opaque cursor that pages through a reviewer's listing and the moderation queue (a
product's listings have their own, in ``listings.py``).

A token is the DynamoDB key of the last review on a page, base64url JSON. It carries nothing the caller
could not read anyway (the keys of reviews it was just shown), so it is not encrypted; it is checked
instead: it must decode to exactly the key of a review in the same listing, or the request is a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from . import contract, ids
from .errors import ApiError, Error
from .schema import ID_SCHEMAS
from .validation import problems

REVIEWER_KEY = (contract.REVIEWER_INDEX_KEY, contract.SORT_KEY, contract.PARTITION_KEY)
QUEUE_KEY = (
    contract.MODERATION_QUEUE_KEY,
    contract.MODERATION_QUEUE_SORT_KEY,
    contract.PARTITION_KEY,
    contract.SORT_KEY,
)
#: queued_at in a queue token: the ISO 8601 time the runtime writes (``store.now_iso``).
QUEUED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00")


def _invalid(reason: str) -> ApiError:
    return ApiError(Error.INVALID_NEXT_TOKEN, "next_token is not a token this API issued for this query.", [reason])


def encode(last_key: dict[str, str] | None) -> str | None:
    """The token for the page after the one that ended at ``last_key`` (None: that was the last page)."""
    if not last_key:
        return None
    raw = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(token: str, key_names: tuple[str, ...], partition_value: str) -> dict[str, str]:
    """The start key a token stands for, for a listing of ``partition_value`` (a product, a reviewer, or the
    moderation queue's ``pending``); ApiError 400 otherwise."""
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError, RecursionError) as error:
        raise _invalid("not base64url JSON") from error
    if not isinstance(key, dict) or set(key) != set(key_names):
        raise _invalid("not a key of this listing")
    if not all(isinstance(value, str) for value in key.values()):
        raise _invalid("not a key of this listing")
    if key[key_names[0]] != partition_value:
        raise _invalid("belongs to another product or reviewer")
    if not ids.is_review_id(key[contract.SORT_KEY]):
        raise _invalid("does not point at a review")
    for name in key_names:
        if name in ID_SCHEMAS and problems(ID_SCHEMAS[name], key[name]):
            raise _invalid("not a key of this listing")
    if contract.MODERATION_QUEUE_SORT_KEY in key and not QUEUED_AT.fullmatch(key[contract.MODERATION_QUEUE_SORT_KEY]):
        raise _invalid("not a key of this listing")
    return key
