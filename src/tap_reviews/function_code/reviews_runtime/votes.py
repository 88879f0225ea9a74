"""Helpful votes, and the verified-purchase mark a trusted caller (the shop's order system) sets.

A vote is one per voter per review: a vote item (partition ``VOTE_PREFIX`` + review id, sort key a digest of
the review id and the voter's id) is written with the review's counts in one transaction, and only if it is
new. Voting the same again changes nothing; voting the other way moves the counts over. Who the voter is
comes from API Gateway's authenticated caller; with open writes (or the write token) it is the ``voter_id``
the body gives, so de-duplication is only as good as the ids callers send.

Neither a vote nor the mark changes the review's ``version``: authors' ETags stay valid, and the product's
summary (counts of published reviews and stars) does not move.
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError

from . import changes, contract, store
from .dynamo import dynamodb, table_name, to_item
from .lifecycle import feedback, require_principal
from .protocol import Request
from .schema import vote_schema
from .views import not_found, review_id_from

VOTE_SCHEMAS = {principal: vote_schema(voter_from_principal=principal) for principal in (False, True)}
#: Attempts at a vote or a mark that keeps meeting a concurrent change of the same review.
ATTEMPTS = 3
#: Every vote moves the review's counts and, for helpful votes, its rank in the helpfulness indexes.
_COUNTS = (
    f"ADD {contract.HELPFUL_VOTES} :yes, {contract.UNHELPFUL_VOTES} :no, {contract.HELPFUL_RANK} :step, "
    f"{contract.LISTED_HELPFUL} :step, {contract.LISTED_RATING_HELPFUL} :step"
)


def vote_key(review_id: str, voter: str) -> dict[str, Any]:
    """Where ``voter``'s vote on review ``review_id`` is kept (a one-way digest of both ids)."""
    digest = hashlib.sha256(f"{review_id}\n{voter}".encode()).hexdigest()[:32]
    return to_item({contract.PARTITION_KEY: contract.VOTE_PREFIX + review_id, contract.SORT_KEY: digest})


def _count(product_id: str, review_id: str, yes: int, no: int) -> dict[str, Any]:
    """The transaction item that adds ``yes`` and ``no`` to the published review's counts."""
    return {
        "Update": {
            "TableName": table_name(),
            "Key": store.review_key(product_id, review_id),
            "UpdateExpression": _COUNTS,
            "ConditionExpression": "#status = :published",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": to_item(
                {":yes": yes, ":no": no, ":step": yes * contract.HELPFUL_STEP, ":published": contract.STATUS_PUBLISHED}
            ),
        }
    }


def _ballot(key: dict[str, Any], helpful: bool, *, replacing: bool | None) -> dict[str, Any]:
    """The transaction item that writes the vote: new (``replacing`` None) or replacing that vote."""
    put: dict[str, Any] = {"TableName": table_name(), "Item": {**key, "helpful": {"BOOL": helpful}}}
    if replacing is None:
        put.update(ConditionExpression="attribute_not_exists(#sk)", ExpressionAttributeNames={"#sk": contract.SORT_KEY})
    else:
        put.update(ConditionExpression="helpful = :was", ExpressionAttributeValues={":was": {"BOOL": replacing}})
    return {"Put": put}


def vote(request: Request) -> dict[str, Any]:
    """Record whether review ``review_id`` helped the voter; 204, also when the vote is a repeat."""
    review_id, payload, voter, product_id = feedback(request, VOTE_SCHEMAS, "voter_id", "vote")
    helpful = bool(payload["helpful"])
    key = vote_key(review_id, voter)
    replacing: bool | None = None
    for _ in range(ATTEMPTS):
        if replacing is None:
            yes, no = int(helpful), int(not helpful)
        else:  # the other way round: move one vote across
            yes, no = (1, -1) if helpful else (-1, 1)
        items = [_ballot(key, helpful, replacing=replacing), _count(product_id, review_id, yes, no)]
        try:
            store.transact(items, committed=lambda: (store.get(key) or {}).get("helpful") == helpful)
            return changes.send(request, changes.answer(204))
        except store.Cancelled as cancelled:
            if cancelled.codes[1] == "ConditionalCheckFailed":
                raise not_found(review_id) from cancelled  # deleted, or no longer published
        stored = store.get(key)
        if stored is not None and stored["helpful"] == helpful:
            return changes.send(request, changes.answer(204))  # the same vote again: counted once
        replacing = None if stored is None else bool(stored["helpful"])
    raise store.StoreBusy()


def verify_purchase(request: Request) -> dict[str, Any]:
    """Mark review ``review_id`` a verified purchase (any status; listed as one while published); 204, also
    when it is marked already."""
    require_principal(request)
    review_id = review_id_from(request)
    for _ in range(ATTEMPTS):
        review = store.find_review(review_id)
        if review is None:
            raise not_found(review_id)
        if review.get(contract.VERIFIED_PURCHASE):
            return changes.send(request, changes.answer(204))
        key = store.verified_key(review_id, True)
        expression = f"SET {contract.VERIFIED_PURCHASE} = :true, {contract.VERIFIED_KEY} = :key"
        if review["status"] == contract.STATUS_PUBLISHED:
            expression += f", {contract.LISTED_VERIFIED} = :key"
        try:
            dynamodb().update_item(
                TableName=table_name(),
                Key=store.review_key(review[contract.PARTITION_KEY], review_id),
                UpdateExpression=expression,
                ConditionExpression="#status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({":true": True, ":key": key, ":status": review["status"]}),
            )
            return changes.send(request, changes.answer(204))
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code not in ("ConditionalCheckFailedException", "TransactionConflictException"):
                raise
            # Its status changed (or it was deleted) between the read and the write, or a transaction (a
            # vote) was writing it at that moment: read it again.
    raise store.StoreBusy()
