"""Moderators' routes: the queue, a review in any status, decisions, removal, and erasure of a reviewer.

API Gateway lets only moderators call them (IAM by default, or the construct's moderator authorizer and
scopes); the function also refuses a caller nobody authenticated.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from . import contract, deadline, idempotency, ids, paging, policy, store, telemetry, validation
from .dynamo import to_item
from .errors import ApiError, Error
from .etag import Version, if_match
from .lifecycle import commit_version, delete, delete_items, require_principal, update_review
from .protocol import Request, respond
from .reviews import page_size, refuse_unknown_query
from .schema import DECISION_PUBLISH, DECISION_REJECT, decision_schema, erasure_schema
from .views import moderated, not_found, review_id_from

DECISION_SCHEMA = decision_schema()
ERASURE_SCHEMA = erasure_schema()
#: Reviews erased per transaction: each takes 4 of DynamoDB's 100 items (review, locator, marker, summary),
#: at most one per product (a product's summary is one item), leaving room for idempotency records.
ERASURE_REVIEWS_PER_TRANSACTION = 20
ERASURE_ITEMS_PER_TRANSACTION = 100
#: Items read from the reviewer index per step.
ERASURE_READ = 200
#: Time one erasure step (a query and a transaction) may need; none starts with less left.
ERASURE_STEP_SECONDS = 2 * deadline.ATTEMPT_RESERVE_SECONDS


def queue(request: Request) -> dict[str, Any]:
    """One page of pending reviews, longest waiting first, each with its ``etag`` for a decision."""
    require_principal(request)
    refuse_unknown_query(request, contract.QUEUE_QUERY_PARAMETERS)
    limit = page_size(request)
    token = request.single("next_token")
    start_key = paging.decode(token, paging.QUEUE_KEY, contract.STATUS_PENDING) if token else None
    reviews = store.queue_page(limit=limit + 1, start_key=start_key)
    page = reviews[:limit]
    more = len(reviews) > limit
    body = {
        "reviews": [moderated(review) for review in page],
        "count": len(page),
        "next_token": paging.encode({name: page[-1][name] for name in paging.QUEUE_KEY}) if more else None,
    }
    return respond(request, 200, body)


def get_review(request: Request) -> dict[str, Any]:
    """The review the path names, in any status, as moderators see it, with its ``ETag``."""
    require_principal(request)
    review_id = review_id_from(request)
    review = store.find_review(review_id)
    if review is None:
        raise not_found(review_id)
    return respond(request, 200, {"review": moderated(review)}, {"ETag": Version.of(review).etag})


def decide(request: Request) -> dict[str, Any]:
    """Publish or reject the review at ``If-Match``; a rejection keeps the reason. Reports restart from 0
    when a review is published."""
    moderator = require_principal(request)
    review_id = review_id_from(request)
    payload = request.json_body()
    problems = validation.problems(DECISION_SCHEMA, payload)
    if isinstance(payload, dict) and payload.get("decision") == DECISION_REJECT and "reason" not in payload:
        problems.append("reason: required to reject")
    if problems:
        raise ApiError(Error.VALIDATION_FAILED, "The decision is not valid.", problems)
    version = if_match(request.headers, review_id, required=True)
    assert version is not None
    claim = idempotency.claim(
        request.headers, moderator, {"route": "decide", "review_id": review_id, "if_match": version.etag, **payload}
    )
    publish = payload["decision"] == DECISION_PUBLISH
    status = contract.STATUS_PUBLISHED if publish else contract.STATUS_REJECTED
    following = Version(
        version.product_id,
        review_id,
        version.version + 1,
        version.rating,
        status,
        version.reviewer_id,
        feedback=version.feedback,
    )
    now = store.now_iso()
    sets: dict[str, Any] = {
        "status": status,
        "version": following.version,
        "decision": payload["decision"],
        "decided_at": now,
        "decided_by": moderator,
    }
    removes: tuple[str, ...] = policy.QUEUE_ATTRIBUTES
    if publish:
        sets["reports"] = 0
        removes += ("reason",)
    else:
        sets["reason"] = payload["reason"]
    change = store.change_record(
        "published" if publish else "rejected",
        review_id,
        at=now,
        status=status,
        version=following.version,
        **({} if publish else {"reason": payload["reason"]}),
    )
    items = [
        update_review(version, sets=sets, removes=removes, author=None, listed=publish),
        store.summary_update(version.product_id, (version.status, version.rating), (status, version.rating), change),
    ]
    answer = commit_version(request, items, following, claim, author=None)
    if "Idempotent-Replayed" not in answer["headers"]:
        telemetry.count(contract.METRIC_REVIEWS_PUBLISHED if publish else contract.METRIC_REVIEWS_REJECTED)
    return answer


def remove(request: Request) -> dict[str, Any]:
    """Delete any review (at ``If-Match`` when given); 204."""
    moderator = require_principal(request)
    return delete(request, author=None, caller=moderator)


def erase(request: Request) -> dict[str, Any]:
    """Erase every review of one reviewer, in every product and status, and the answers kept for their retries.

    Each step is one transaction per up to 20 reviews (at most one per product), which un-counts them from
    their summaries: a crash between steps loses nothing and leaves every summary exact. When the function's
    time runs short it answers 202 with the progress so far; calling again continues. 200 when nothing is left.
    """
    require_principal(request)
    payload = request.json_body()
    problems = validation.problems(ERASURE_SCHEMA, payload)
    if problems:
        raise ApiError(Error.VALIDATION_FAILED, "The erasure is not valid.", problems)
    reviewer_id = payload[contract.REVIEWER_INDEX_KEY]
    erased = 0
    gone: set[tuple[str, str]] = set()  # erased in this request, though the index may still show them
    fresh: dict[tuple[str, str], dict[str, Any]] = {}  # read from the table after the index showed a stale copy
    while deadline.allows(ERASURE_STEP_SECONDS):
        found = [
            fresh.get(_key(item), item)
            for item in store.reviewer_items(reviewer_id, ERASURE_READ)
            if _key(item) not in gone
        ]
        if not found:
            return _erasure_answer(request, reviewer_id, erased, done=True)
        batch, records = _erasure_batch(found)
        items = [item for version in batch for item in _erase_items(version)]
        items += [store.delete(to_item({name: record[name] for name in _KEY})) for record in records]
        try:
            store.transact(items[:ERASURE_ITEMS_PER_TRANSACTION], committed=lambda: False)
        except store.Cancelled as cancelled:
            # The index showed an older copy (or one erased meanwhile): read those from the table.
            for index, code in enumerate(cancelled.codes[: len(batch) * 4 : 4]):
                if code == "ConditionalCheckFailed":
                    version = batch[index]
                    current = store.get(store.review_key(version.product_id, version.review_id))
                    if current is None:
                        gone.add((version.product_id, version.review_id))
                    else:
                        fresh[(version.product_id, version.review_id)] = current
            continue
        erased += len(batch)
        gone.update((version.product_id, version.review_id) for version in batch)
        gone.update(_key(record) for record in records)
    return _erasure_answer(request, reviewer_id, erased, done=False)


_KEY = (contract.PARTITION_KEY, contract.SORT_KEY)


def _key(item: dict[str, Any]) -> tuple[str, str]:
    return str(item[contract.PARTITION_KEY]), str(item[contract.SORT_KEY])


def _erasure_batch(found: list[dict[str, Any]]) -> tuple[list[Version], list[dict[str, Any]]]:
    """Up to 20 reviews, one per product, and the idempotency records that fit beside them."""
    batch: list[Version] = []
    products: set[str] = set()
    for item in found:
        if ids.is_review_id(str(item[contract.SORT_KEY])) and item[contract.PARTITION_KEY] not in products:
            products.add(item[contract.PARTITION_KEY])
            batch.append(Version.of(item))
            if len(batch) == ERASURE_REVIEWS_PER_TRANSACTION:
                break
    room = ERASURE_ITEMS_PER_TRANSACTION - 4 * len(batch)
    records = [item for item in found if item[contract.SORT_KEY] == contract.IDEMPOTENCY_SORT_KEY][:room]
    return batch, records


def _erase_items(version: Version) -> list[dict[str, Any]]:
    return delete_items(version, author=None, change="erased")


def _erasure_answer(request: Request, reviewer_id: str, erased: int, *, done: bool) -> dict[str, Any]:
    body = {"reviewer_id": reviewer_id, "erased_reviews": erased, "done": done}
    return respond(request, 200 if done else 202, body)


def measure_backlog() -> dict[str, Any]:
    """Write the moderation backlog metrics (the scheduled event's work); return what was measured."""
    count, oldest = store.moderation_backlog()
    age = 0.0
    if oldest is not None:
        age = max(0.0, time.time() - datetime.fromisoformat(oldest).timestamp())
    metrics = {contract.METRIC_MODERATION_BACKLOG: count, contract.METRIC_OLDEST_PENDING_AGE: round(age)}
    telemetry.log_metrics("moderation backlog", metrics, units={contract.METRIC_OLDEST_PENDING_AGE: "Seconds"})
    return metrics
