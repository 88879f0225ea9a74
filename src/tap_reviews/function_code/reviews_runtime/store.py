"""The reviews table: one transaction per review (review, product summary, idempotency record), and reads.

Item kinds in the table, all under the construct's key schema (``product_id``, ``review_id``):

- a review: ``(product_id, <review id>)`` with ``reviewer_id`` (so it is in the reviewer index);
- a product's summary: ``(product_id, "#SUMMARY")`` with ``review_count`` and ``rating_total``;
- an idempotency record: ``("#IDEMPOTENCY#<digest>", "#IDEMPOTENCY")`` with the request's fingerprint, a
  copy of the review and ``expires_at`` for DynamoDB's time to live.

Only reviews have ``reviewer_id``, so only reviews are in the reviewer index; only reviews have a sort
key above ``REVIEW_SORT_KEY_FLOOR``, so listing a product returns only reviews.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from . import clients, contract
from .errors import Unavailable

#: How long a retried POST with the same Idempotency-Key gets the stored review back.
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
#: Attempts at a transaction that lost a race with another write to the same product summary.
TRANSACTION_ATTEMPTS = 4


def dynamodb() -> Any:
    """The DynamoDB client."""
    return clients.client("dynamodb")


def _table_name() -> str:
    return os.environ[contract.ENV_TABLE_NAME]


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


@dataclass(frozen=True)
class IdempotencyClaim:
    """Store the review only if no live record holds this key; remember the request's fingerprint."""

    partition_key: str
    fingerprint: str


class IdempotencyKeyTaken(Exception):
    """Another request already used the Idempotency-Key; ``record`` is what it stored."""

    def __init__(self, record: dict[str, Any]):
        super().__init__("idempotency key already used")
        self.record = record


class StoreBusy(Unavailable):
    """The transaction kept losing races for the same product; the caller should retry later."""


def _cancellation_codes(error: Exception) -> list[str]:
    response = getattr(error, "response", {}) or {}
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return [reason.get("Code", "None") for reason in response.get("CancellationReasons", [])]


def put_review(review: dict[str, Any], claim: IdempotencyClaim | None) -> None:
    """Write the review, add it to its product's summary and (with ``claim``) record the key: all or nothing.

    Raises IdempotencyKeyTaken when ``claim``'s key is already live, StoreBusy when the product's summary
    stayed contended, and botocore's errors (throttling, unreachable) as they are.
    """
    table = _table_name()
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": _to_item(review),
                "ConditionExpression": "attribute_not_exists(#sk)",
                "ExpressionAttributeNames": {"#sk": contract.SORT_KEY},
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": _to_item(
                    {
                        contract.PARTITION_KEY: review[contract.PARTITION_KEY],
                        contract.SORT_KEY: contract.SUMMARY_SORT_KEY,
                    }
                ),
                "UpdateExpression": "ADD review_count :one, rating_total :rating",
                "ExpressionAttributeValues": _to_item({":one": 1, ":rating": review["rating"]}),
            }
        },
    ]
    if claim is not None:
        now = int(time.time())
        items.append(
            {
                "Put": {
                    "TableName": table,
                    "Item": _to_item(
                        {
                            contract.PARTITION_KEY: claim.partition_key,
                            contract.SORT_KEY: contract.IDEMPOTENCY_SORT_KEY,
                            "fingerprint": claim.fingerprint,
                            "review": review,
                            contract.TIME_TO_LIVE_ATTRIBUTE: now + IDEMPOTENCY_TTL_SECONDS,
                        }
                    ),
                    # DynamoDB deletes expired items within days, not at once: an expired record is free.
                    "ConditionExpression": "attribute_not_exists(#pk) OR #expires < :now",
                    "ExpressionAttributeNames": {
                        "#pk": contract.PARTITION_KEY,
                        "#expires": contract.TIME_TO_LIVE_ATTRIBUTE,
                    },
                    "ExpressionAttributeValues": _to_item({":now": now}),
                }
            }
        )
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            dynamodb().transact_write_items(TransactItems=items)
            return
        except ClientError as error:
            codes = _cancellation_codes(error)
            if claim is not None and len(codes) == 3 and codes[2] == "ConditionalCheckFailed":
                record = idempotency_record(claim.partition_key)
                if record is None:  # expired and deleted between the write and the read: try again
                    continue
                raise IdempotencyKeyTaken(record) from error
            if "TransactionConflict" not in codes:
                if codes:  # cancelled: DynamoDB wrote nothing
                    raise
                _raise_unless_committed(review, error)
                return
        except BotoCoreError as error:  # timed out or cut off: the write may or may not have happened
            _raise_unless_committed(review, error)
            return
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise StoreBusy()


def _raise_unless_committed(review: dict[str, Any], error: Exception) -> None:
    """Return if the review is stored after all (its reply was lost), else re-raise ``error``.

    Answering "try again" to a write that committed would make the client store the review twice.
    """
    try:
        found = "Item" in dynamodb().get_item(
            TableName=_table_name(),
            Key=_to_item({name: review[name] for name in (contract.PARTITION_KEY, contract.SORT_KEY)}),
            ConsistentRead=True,
            ProjectionExpression="#sk",
            ExpressionAttributeNames={"#sk": contract.SORT_KEY},
        )
    except Exception:
        raise error from None
    if not found:
        raise error


def idempotency_record(partition_key: str) -> dict[str, Any] | None:
    """The live idempotency record under ``partition_key``, read consistently, or None."""
    response = dynamodb().get_item(
        TableName=_table_name(),
        Key=_to_item({contract.PARTITION_KEY: partition_key, contract.SORT_KEY: contract.IDEMPOTENCY_SORT_KEY}),
        ConsistentRead=True,
    )
    item = response.get("Item")
    if item is None:
        return None
    record = _from_item(item)
    return record if record[contract.TIME_TO_LIVE_ATTRIBUTE] >= int(time.time()) else None


def reviews_page(
    *, partition_name: str, partition_value: str, index_name: str | None, limit: int, start_key: dict[str, str] | None
) -> list[dict[str, Any]]:
    """Up to ``limit`` reviews under a product (table) or a reviewer (index), newest first, after ``start_key``.

    Fewer only when no more exist: a Query stops at 1 MB of data as well as at its Limit, so it goes on from
    where DynamoDB stopped until it has ``limit`` reviews or none are left (one request, normally).
    """
    request: dict[str, Any] = {
        "TableName": _table_name(),
        "KeyConditionExpression": "#pk = :value AND #sk > :floor",
        "ExpressionAttributeNames": {"#pk": partition_name, "#sk": contract.SORT_KEY},
        "ExpressionAttributeValues": _to_item({":value": partition_value, ":floor": contract.REVIEW_SORT_KEY_FLOOR}),
        "ScanIndexForward": False,
    }
    if index_name:
        request["IndexName"] = index_name
    reviews: list[dict[str, Any]] = []
    next_key = _to_item(start_key) if start_key else None
    while len(reviews) < limit:
        page = dynamodb().query(
            **request, Limit=limit - len(reviews), **({"ExclusiveStartKey": next_key} if next_key else {})
        )
        reviews += [_from_item(item) for item in page.get("Items", [])]
        next_key = page.get("LastEvaluatedKey")
        if not next_key:
            break
    return reviews


def product_summary(product_id: str) -> dict[str, Any]:
    """``{"review_count": N, "average_rating": x | None}`` for every review of the product."""
    response = dynamodb().get_item(
        TableName=_table_name(),
        Key=_to_item({contract.PARTITION_KEY: product_id, contract.SORT_KEY: contract.SUMMARY_SORT_KEY}),
        ProjectionExpression="review_count, rating_total",
    )
    summary = _from_item(response.get("Item", {}))
    count = int(summary.get("review_count", 0))
    total = int(summary.get("rating_total", 0))
    return {"review_count": count, "average_rating": round(total / count, 2) if count else None}
