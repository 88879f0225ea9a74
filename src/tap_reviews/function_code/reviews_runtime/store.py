"""The reviews table: every change is one transaction that keeps its product's summary exact; and the reads.

Item kinds, all under the construct's key schema (``product_id``, ``review_id``):

- a review: ``(product_id, <review id>)`` with ``reviewer_id`` (so it is in the reviewer index), ``rating``,
  ``comment``, ``created_at``, ``updated_at``, ``status``, ``version``, its reports and the moderator's last
  decision, its vote counts and helpful rank, its verified-purchase mark; while pending also
  ``moderation_queue`` and ``queued_at`` (so it is in the moderation queue); while published its keys in the
  five listing indexes and the range indexes (``LISTED_ATTRIBUTES``, see ``contract.LISTING_INDEXES`` and
  ``contract.RANGE_INDEXES``);
- a vote: ``("#VOTE#<review id>", <digest of review id and voter>)`` with ``helpful``;
- its locator: ``("#REVIEW#<review id>", "#REVIEW")`` with ``of_product``, to find a review by id alone;
- a product's summary: ``(product_id, "~SUMMARY")`` with ``review_count``, ``rating_total`` and
  ``rating_1`` ... ``rating_5`` over its published reviews, and ``last_change``, the change that last wrote
  it (the table's stream turns each one into one event);
- with one review per reviewer, a marker: ``(product_id, "#REVIEWER#<reviewer id>")`` with the review's id;
- an idempotency record: ``("#IDEMPOTENCY#<digest>", "#IDEMPOTENCY")`` with the request's fingerprint, its
  answer, ``expires_at`` for DynamoDB's time to live, and ``reviewer_id`` when the answer holds a review.

Every change to a review updates its summary in the same transaction, by the difference between what the
old and the new version count: so the summary always equals a recount of the product's published reviews.
Only reviews and the summary have a sort key above ``REVIEW_SORT_KEY_FLOOR``. The summary also carries a key
in the date index, above every review id: so a product's newest-first listing reads the summary first, in the
same Query (``listings.py``).
"""

from __future__ import annotations

import functools
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import contract, deadline, ids
from .dynamo import dynamodb, from_item, table_name, to_item
from .errors import Unavailable
from .idempotency import KeyTaken

#: Attempts at a transaction that lost a race with another write to the same item.
TRANSACTION_ATTEMPTS = 4
#: BatchGetItem calls for one set of summaries: the first, then retries of the keys DynamoDB left
#: unprocessed (it does under throttling or at its 16 MB limit), each after a growing pause.
BATCH_GET_ATTEMPTS = 5
BATCH_GET_PAUSE_SECONDS = 0.05
#: A review version as the summary counts it: (status, rating); None for no review.
State = tuple[str, int] | None
RATINGS = range(1, 6)


class Cancelled(Exception):
    """DynamoDB cancelled the transaction, writing nothing, because a condition failed.

    ``codes`` has one entry per item: ``ConditionalCheckFailed`` for each failed condition, ``None`` else.
    """

    def __init__(self, codes: list[str]):
        super().__init__(f"transaction cancelled: {codes}")
        self.codes = codes


class StoreBusy(Unavailable):
    """The transaction kept losing races for the same items; the caller should retry later."""


def now_iso() -> str:
    """The time now, as reviews record it (ISO 8601, milliseconds, UTC)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------------------------- keys and items


def review_key(product_id: str, review_id: str) -> dict[str, Any]:
    return to_item({contract.PARTITION_KEY: product_id, contract.SORT_KEY: review_id})


def locator_key(review_id: str) -> dict[str, Any]:
    return to_item(
        {contract.PARTITION_KEY: contract.LOCATOR_PREFIX + review_id, contract.SORT_KEY: contract.LOCATOR_SORT_KEY}
    )


def marker_key(product_id: str, reviewer_id: str) -> dict[str, Any]:
    return to_item(
        {contract.PARTITION_KEY: product_id, contract.SORT_KEY: contract.REVIEWER_MARKER_PREFIX + reviewer_id}
    )


def summary_key(product_id: str) -> dict[str, Any]:
    return to_item({contract.PARTITION_KEY: product_id, contract.SORT_KEY: contract.SUMMARY_SORT_KEY})


# ------------------------------------------------------------------------------------ the listing indexes

#: What a published review carries for the listing indexes, and what leaves them when it is not.
LISTED_ATTRIBUTES = (
    contract.LISTED_ID,
    contract.LISTED_RATING,
    contract.LISTED_HELPFUL,
    contract.LISTED_RATING_HELPFUL,
    contract.LISTED_VERIFIED,
    *contract.RANGE_ATTRIBUTES,
)
#: The listing keys an update copies from the review as stored (a vote or a verification may have moved them
#: since the caller's ETag); ``:rating_step`` is the review's rating times ``RATING_STEP``.
LISTED_COPIES = (
    f"{contract.LISTED_HELPFUL} = {contract.HELPFUL_RANK}, "
    f"{contract.LISTED_RATING_HELPFUL} = {contract.HELPFUL_RANK} + :rating_step, "
    f"{contract.LISTED_VERIFIED} = {contract.VERIFIED_KEY}"
)


def rating_key(rating: int, review_id: str) -> str:
    """The review's key in the rating index: rating, then id (``"5#01J..."``)."""
    return f"{rating}#{review_id}"


def helpful_rank(review_id: str, helpful_votes: int = 0) -> int:
    """``HELPFUL_RANK`` of a review with ``helpful_votes``: votes, then the top 88 bits of its id."""
    return helpful_votes * contract.HELPFUL_STEP + (ids.value_of(review_id) >> 40)


def verified_key(review_id: str, verified: bool) -> str:
    return ("1#" if verified else "0#") + review_id


def range_key(product_id: str, low: int, high: int) -> str:
    """The partition key of the range ``low``-``high`` of a product in its slot's indexes (``"p-1#2-4"``)."""
    return f"{product_id}#{low}-{high}"


def range_slot(low: int, high: int) -> int:
    """The slot of the range ``low``-``high`` (two to four stars) in ``contract.RANGE_SLOTS``; ValueError for
    any other range."""
    for slot, ranges in enumerate(contract.RANGE_SLOTS):
        if (low, high) in ranges:
            return slot
    raise ValueError(f"no range index holds {low}-{high}")


def range_keys(product_id: str, rating: int) -> dict[str, str]:
    """The range slot attributes of a published review with ``rating``: one per slot with a range holding it
    (3 to 7 of the 7)."""
    return {
        contract.RANGE_ATTRIBUTES[slot]: range_key(product_id, low, high)
        for slot, ranges in enumerate(contract.RANGE_SLOTS)
        for low, high in ranges
        if low <= rating <= high
    }


def new_review_attributes(product_id: str, review_id: str, rating: int, status: str) -> dict[str, Any]:
    """What a new review carries besides its fields: no votes, not verified, and when published its listing
    keys."""
    rank = helpful_rank(review_id)
    attributes: dict[str, Any] = {
        contract.HELPFUL_VOTES: 0,
        contract.UNHELPFUL_VOTES: 0,
        contract.HELPFUL_RANK: rank,
        contract.VERIFIED_PURCHASE: False,
        contract.VERIFIED_KEY: verified_key(review_id, False),
    }
    if status == contract.STATUS_PUBLISHED:
        attributes.update(
            {
                contract.LISTED_ID: review_id,
                contract.LISTED_RATING: rating_key(rating, review_id),
                contract.LISTED_HELPFUL: rank,
                contract.LISTED_RATING_HELPFUL: rating * contract.RATING_STEP + rank,
                contract.LISTED_VERIFIED: verified_key(review_id, False),
                **range_keys(product_id, rating),
            }
        )
    return attributes


def listed_sets(product_id: str, review_id: str, rating: int) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The listing keys an update of a review that is (or becomes) published sets by value, with
    ``LISTED_COPIES`` beside them; and the range slot attributes it removes (no range of theirs holds
    ``rating``)."""
    ranges = range_keys(product_id, rating)
    sets = {contract.LISTED_ID: review_id, contract.LISTED_RATING: rating_key(rating, review_id), **ranges}
    return sets, tuple(name for name in contract.RANGE_ATTRIBUTES if name not in ranges)


def put_new(item: dict[str, Any]) -> dict[str, Any]:
    """Put ``item``, which must not exist yet."""
    return {
        "Put": {
            "TableName": table_name(),
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(#sk)",
            "ExpressionAttributeNames": {"#sk": contract.SORT_KEY},
        }
    }


def locator(review: dict[str, Any]) -> dict[str, Any]:
    """The locator item of ``review``."""
    return {
        contract.PARTITION_KEY: contract.LOCATOR_PREFIX + review[contract.SORT_KEY],
        contract.SORT_KEY: contract.LOCATOR_SORT_KEY,
        contract.LOCATOR_PRODUCT: review[contract.PARTITION_KEY],
    }


def marker(review: dict[str, Any]) -> dict[str, Any]:
    """The one-review-per-reviewer marker of ``review``."""
    return {
        contract.PARTITION_KEY: review[contract.PARTITION_KEY],
        contract.SORT_KEY: contract.REVIEWER_MARKER_PREFIX + review[contract.REVIEWER_INDEX_KEY],
        "marks": review[contract.SORT_KEY],
    }


def delete(key: dict[str, Any]) -> dict[str, Any]:
    """Delete the item at ``key`` (in DynamoDB's JSON), if there is one."""
    return {"Delete": {"TableName": table_name(), "Key": key}}


def summary_delta(before: State, after: State) -> dict[str, int]:
    """How a product's summary moves when a review goes from ``before`` to ``after``: only published count."""
    delta = {"review_count": 0, "rating_total": 0, **{f"rating_{stars}": 0 for stars in RATINGS}}
    for state, sign in ((before, -1), (after, 1)):
        if state is not None and state[0] == contract.STATUS_PUBLISHED:
            delta["review_count"] += sign
            delta["rating_total"] += sign * state[1]
            delta[f"rating_{state[1]}"] += sign
    return delta


def change_record(change: str, review_id: str, *, at: str | None = None, **fields: Any) -> dict[str, Any]:
    """What ``last_change`` on the summary says about one committed change (the event's source); ``at`` is
    when it happened (the time the review records for it; default now).

    Each is unique (``change_id``), so the summary item always changes and the stream always has a record.
    """
    return {
        "change": change,
        "review_id": review_id,
        "change_id": secrets.token_hex(12),
        "at": at or now_iso(),
        **fields,
    }


#: Every summary update adds to all the counts (zero to those that stay) and records the change; the summary
#: sits at the top of the date index, so a product's newest reviews and its summary are one Query.
_SUMMARY_EXPRESSION = (
    "ADD "
    + ", ".join(f"{name} :{name}" for name in summary_delta(None, None))
    + f" SET last_change = :change, {contract.LISTED_ID} = :summary_key"
)


def summary_update(product_id: str, before: State, after: State, change: dict[str, Any]) -> dict[str, Any]:
    """The transaction item that moves the product's summary from ``before`` to ``after`` and records ``change``."""
    delta = summary_delta(before, after)
    return {
        "Update": {
            "TableName": table_name(),
            "Key": summary_key(product_id),
            "UpdateExpression": _SUMMARY_EXPRESSION,
            "ExpressionAttributeValues": to_item(
                {
                    **{f":{name}": value for name, value in delta.items()},
                    ":change": change,
                    ":summary_key": contract.SUMMARY_SORT_KEY,
                }
            ),
        }
    }


# -------------------------------------------------------------------------------------------------- writes


def cancellation_codes(error: Exception) -> list[str]:
    """DynamoDB's per-item reasons for cancelling a transaction (empty for any other error)."""
    response = getattr(error, "response", {}) or {}
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return [reason.get("Code") or "None" for reason in response.get("CancellationReasons", [])]


def transact(items: list[dict[str, Any]], *, committed: Callable[[], bool], claim_index: int | None = None) -> None:
    """Write ``items`` all or nothing.

    Retries a transaction that lost a race (``TransactionConflict``). When the answer is lost (a timeout, a
    cut connection) asks ``committed`` whether the change is there after all, and returns if so: answering
    "try again" to a write that committed would make the client write twice.

    Raises:
        KeyTaken: the idempotency record at ``claim_index`` is live: another request used the key.
        Cancelled: a condition failed; nothing was written.
        StoreBusy: the transaction kept losing races.
        botocore's errors (throttling, unreachable) as they are, when nothing was written.
    """
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            dynamodb().transact_write_items(TransactItems=items)
            return
        except ClientError as error:
            codes = cancellation_codes(error)
            if claim_index is not None and len(codes) > claim_index and codes[claim_index] == "ConditionalCheckFailed":
                record = idempotency_record(from_item(items[claim_index]["Put"]["Item"])[contract.PARTITION_KEY])
                if record is None:  # expired and deleted between the write and the read: try again
                    continue
                raise KeyTaken(record) from error
            if "ConditionalCheckFailed" in codes:
                raise Cancelled(codes) from error
            if "TransactionConflict" not in codes:
                if codes:  # cancelled for another reason (throttled): DynamoDB wrote nothing
                    raise
                _raise_unless(committed, error)
                return
        except BotoCoreError as error:  # timed out or cut off: the write may or may not have happened
            _raise_unless(committed, error)
            return
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise StoreBusy()


def _raise_unless(committed: Callable[[], bool], error: Exception) -> None:
    try:
        found = committed()
    except Exception:
        raise error from None
    if not found:
        raise error


# --------------------------------------------------------------------------------------------------- reads


def get(key: dict[str, Any], *, consistent: bool = True) -> dict[str, Any] | None:
    """The item at ``key`` (DynamoDB's JSON), or None."""
    item = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=consistent).get("Item")
    return None if item is None else from_item(item)


def product_of(review_id: str) -> str | None:
    """The product review ``review_id`` is about (its locator, read consistently), or None: no such review."""
    found = get(locator_key(review_id))
    return None if found is None else str(found[contract.LOCATOR_PRODUCT])


def find_review(review_id: str) -> dict[str, Any] | None:
    """Review ``review_id`` as stored, in any status, read consistently; None when there is none."""
    product_id = product_of(review_id)
    return None if product_id is None else get(review_key(product_id, review_id))


def idempotency_record(partition_key: str) -> dict[str, Any] | None:
    """The live idempotency record under ``partition_key``, read consistently, or None."""
    record = get(to_item({contract.PARTITION_KEY: partition_key, contract.SORT_KEY: contract.IDEMPOTENCY_SORT_KEY}))
    return record if record is not None and record[contract.TIME_TO_LIVE_ATTRIBUTE] >= int(time.time()) else None


def query_until(
    request: dict[str, Any], limit: int, start_key: dict[str, Any] | None, *, raw: bool = False
) -> list[dict[str, Any]]:
    """Up to ``limit`` items the query returns after ``start_key`` (as plain values, or with ``raw`` in
    DynamoDB's JSON). A Query stops at 1 MB of data (and a filter may drop items), so it goes on from where
    DynamoDB stopped until it has ``limit`` or none are left."""
    found: list[dict[str, Any]] = []
    next_key = to_item(start_key) if start_key else None
    while len(found) < limit:
        page = dynamodb().query(
            **request, Limit=limit - len(found), **({"ExclusiveStartKey": next_key} if next_key else {})
        )
        items = page.get("Items", [])
        found += items if raw else [from_item(item) for item in items]
        next_key = page.get("LastEvaluatedKey")
        if not next_key:
            break
    return found[:limit]


@functools.lru_cache(maxsize=8)
def projection(fields: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """``#f0, #f1, ...`` and the names they stand for (``status`` and ``comment`` are reserved words)."""
    names = {f"#f{index}": name for index, name in enumerate(fields)}
    return ", ".join(names), names


def reviews_page(
    *, reviewer_id: str, limit: int, start_key: dict[str, str] | None, fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Up to ``limit`` published reviews of a reviewer (their index), newest first, after ``start_key``, with
    their ``fields`` (which must hold the index's key); fewer only when no more exist. (A product's listings
    are in ``listings.py``.)"""
    projected_fields, projected = projection(fields)
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": contract.REVIEWER_INDEX_NAME,
        "KeyConditionExpression": "#pk = :value AND #sk > :floor",
        "FilterExpression": "#status = :published",
        "ProjectionExpression": projected_fields,
        "ExpressionAttributeNames": {
            "#pk": contract.REVIEWER_INDEX_KEY,
            "#sk": contract.SORT_KEY,
            "#status": "status",
            **projected,
        },
        "ExpressionAttributeValues": to_item(
            {
                ":value": reviewer_id,
                ":floor": contract.REVIEW_SORT_KEY_FLOOR,
                ":published": contract.STATUS_PUBLISHED,
            }
        ),
        "ScanIndexForward": False,
    }
    return query_until(request, limit, start_key)


#: The summary's counts, without ``last_change`` (which only the stream reads).
SUMMARY_FIELDS = ("review_count", "rating_total", *(f"rating_{stars}" for stars in RATINGS))


def queue_page(*, limit: int, start_key: dict[str, str] | None) -> list[dict[str, Any]]:
    """Up to ``limit`` pending reviews from the moderation queue, longest waiting first, after ``start_key``."""
    request = {
        "TableName": table_name(),
        "IndexName": contract.MODERATION_QUEUE_INDEX_NAME,
        "KeyConditionExpression": "#queue = :pending",
        "ExpressionAttributeNames": {"#queue": contract.MODERATION_QUEUE_KEY},
        "ExpressionAttributeValues": to_item({":pending": contract.STATUS_PENDING}),
        "ScanIndexForward": True,
    }
    return query_until(request, limit, start_key)


def reviewer_items(reviewer_id: str, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` items holding the reviewer's data: reviews in any status and idempotency records."""
    request = {
        "TableName": table_name(),
        "IndexName": contract.REVIEWER_INDEX_NAME,
        "KeyConditionExpression": "#reviewer = :reviewer",
        "ExpressionAttributeNames": {"#reviewer": contract.REVIEWER_INDEX_KEY},
        "ExpressionAttributeValues": to_item({":reviewer": reviewer_id}),
    }
    return query_until(request, limit, None)


def moderation_backlog() -> tuple[int, str | None]:
    """How many reviews wait in the moderation queue, and when the longest-waiting one was queued."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": contract.MODERATION_QUEUE_INDEX_NAME,
        "KeyConditionExpression": "#queue = :pending",
        "ExpressionAttributeNames": {"#queue": contract.MODERATION_QUEUE_KEY},
        "ExpressionAttributeValues": to_item({":pending": contract.STATUS_PENDING}),
    }
    oldest = query_until(request, 1, None)
    count = 0
    next_key = None
    while True:
        page = dynamodb().query(**request, Select="COUNT", **({"ExclusiveStartKey": next_key} if next_key else {}))
        count += int(page.get("Count", 0))
        next_key = page.get("LastEvaluatedKey")
        if not next_key:
            break
    return count, (str(oldest[0][contract.MODERATION_QUEUE_SORT_KEY]) if oldest else None)


#: (histogram key, stored attribute) of each star.
_STARS = tuple((str(stars), f"rating_{stars}") for stars in RATINGS)


def summary_of(stored: dict[str, Any]) -> dict[str, Any]:
    """``{"review_count", "average_rating", "histogram"}`` from a stored summary item (or ``{}``)."""
    count = int(stored.get("review_count", 0))
    total = int(stored.get("rating_total", 0))
    return {
        "review_count": count,
        "average_rating": round(total / count, 2) if count else None,
        "histogram": {star: int(stored.get(name, 0)) for star, name in _STARS},
    }


def summary_of_attributes(item: dict[str, Any]) -> dict[str, Any]:
    """``summary_of`` a summary item still in DynamoDB's JSON (its counts are whole numbers)."""
    return summary_of({name: int(value["N"]) for name, value in item.items() if "N" in value})


SUMMARY_PROJECTION = ", ".join(SUMMARY_FIELDS)


def product_summaries(product_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The summaries of up to ``contract.MAX_SUMMARY_PRODUCTS`` distinct products, by product id, from one
    BatchGetItem (eventually consistent, as listings are); a product without reviews has zeros.

    Keys DynamoDB leaves unprocessed are asked for again after a pause, while the request's time budget
    allows it. Raises StoreBusy when keys are still unprocessed after ``BATCH_GET_ATTEMPTS`` calls or the
    budget runs out.
    """
    table = table_name()
    request: dict[str, Any] = {
        table: {
            "Keys": [summary_key(product_id) for product_id in product_ids],
            "ProjectionExpression": "#product, " + SUMMARY_PROJECTION,
            "ExpressionAttributeNames": {"#product": contract.PARTITION_KEY},
        }
    }
    found: dict[str, dict[str, Any]] = {}
    for attempt in range(BATCH_GET_ATTEMPTS):
        answer = dynamodb().batch_get_item(RequestItems=request)
        for item in answer.get("Responses", {}).get(table, []):
            found[item[contract.PARTITION_KEY]["S"]] = summary_of_attributes(item)
        unprocessed = answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys")
        # The next call asks again for those keys only, in the request's own terms (not the answer's).
        request = {table: {**request[table], "Keys": unprocessed}} if unprocessed else {}
        if not request:
            return {product_id: found.get(product_id) or summary_of({}) for product_id in product_ids}
        pause = BATCH_GET_PAUSE_SECONDS * 2**attempt
        if attempt + 1 == BATCH_GET_ATTEMPTS or not deadline.allows(pause):
            break
        time.sleep(pause)
    raise StoreBusy()
