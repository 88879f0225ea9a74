"""``Idempotency-Key`` for every write: a retry with the same key and request returns the first answer.

The record is written in the same DynamoDB transaction as the change it answers for, so a retry either
finds the change and its answer, or neither. Keys are per caller when API Gateway authenticates one, and
hashed with it, so client-chosen text never becomes a table key.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from . import contract, dynamo, validation
from .errors import ApiError, Error
from .schema import IDEMPOTENCY_KEY_SCHEMA

#: How long a retried write with the same Idempotency-Key gets its first answer back.
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Claim:
    """Make the change only if no live record holds this key; remember the request's fingerprint.

    ``owner`` is the reviewer whose personal data the stored answer holds (a created review), so erasing
    that reviewer finds the record through the reviewer index; None when the answer holds none.
    """

    partition_key: str
    fingerprint: str
    owner: str | None = None

    def put(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The transaction item that records ``answer`` (status, headers, body) under this key."""
        now = int(time.time())
        record = {
            contract.PARTITION_KEY: self.partition_key,
            contract.SORT_KEY: contract.IDEMPOTENCY_SORT_KEY,
            "fingerprint": self.fingerprint,
            "answer": answer,
            contract.TIME_TO_LIVE_ATTRIBUTE: now + IDEMPOTENCY_TTL_SECONDS,
        }
        if self.owner is not None:
            record[contract.REVIEWER_INDEX_KEY] = self.owner
        return {
            "Put": {
                "TableName": dynamo.table_name(),
                "Item": dynamo.to_item(record),
                # DynamoDB deletes expired items within days, not at once: an expired record is free.
                "ConditionExpression": "attribute_not_exists(#pk) OR #expires < :now",
                "ExpressionAttributeNames": {
                    "#pk": contract.PARTITION_KEY,
                    "#expires": contract.TIME_TO_LIVE_ATTRIBUTE,
                },
                "ExpressionAttributeValues": dynamo.to_item({":now": now}),
            }
        }


class KeyTaken(Exception):
    """Another request already used the Idempotency-Key; ``record`` is what it stored."""

    def __init__(self, record: dict[str, Any]):
        super().__init__("idempotency key already used")
        self.record = record


def claim(headers: dict[str, str], principal: str | None, request: Any, owner: str | None = None) -> Claim | None:
    """The claim for the request's ``Idempotency-Key`` (None without one); ApiError 400 for a malformed key.

    ``request`` is anything JSON can encode that tells this request from another (route, ids, body).
    """
    key = headers.get("idempotency-key")
    if key is None:
        return None
    if validation.problems(IDEMPOTENCY_KEY_SCHEMA, key):
        raise ApiError(
            Error.INVALID_IDEMPOTENCY_KEY, "Idempotency-Key must be 16-255 printable ASCII characters, e.g. a UUID."
        )
    digest = hashlib.sha256(f"{principal or ''}\n{key}".encode()).hexdigest()
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
    return Claim(partition_key=contract.IDEMPOTENCY_KEY_PREFIX + digest, fingerprint=fingerprint, owner=owner)


def replay(taken: KeyTaken, claim: Claim) -> dict[str, Any]:
    """The first answer to this key, to send again; ApiError 409 when the key was used for another request."""
    if taken.record["fingerprint"] != claim.fingerprint:
        raise ApiError(
            Error.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used for a different request."
        ) from taken
    answer: dict[str, Any] = taken.record["answer"]
    return answer
