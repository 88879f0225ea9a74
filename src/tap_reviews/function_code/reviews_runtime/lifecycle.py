"""An author's changes to their own review (edit, delete) and anyone's report of abuse.

Edits and deletions need an authenticated caller: the review's author. With ``If-Match`` each is one
DynamoDB transaction and no read (see ``etag.py``); a stale tag is a 412 that tells the author the current
``ETag``. Every change moves the product's summary in the same transaction.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from botocore.exceptions import ClientError

from . import auth, changes, contract, idempotency, policy, store, telemetry, validation
from .dynamo import dynamodb, from_item, table_name, to_item
from .errors import ApiError, Error
from .etag import Version, if_match
from .protocol import Request
from .reviews import caller_as, write_token
from .schema import report_schema, review_patch_schema
from .views import not_found, review_id_from, review_location

PATCH_SCHEMA = review_patch_schema()
REPORT_SCHEMAS = {principal: report_schema(reporter_from_principal=principal) for principal in (False, True)}
#: Attempts at a deletion without If-Match that keeps meeting concurrent changes.
UNCONDITIONAL_ATTEMPTS = 3


def require_principal(request: Request) -> str:
    """The authenticated caller; ApiError 401 when API Gateway vouched for nobody."""
    principal = auth.principal(request.context)
    if principal is None:
        raise ApiError(Error.UNAUTHORIZED, "This route needs a caller authenticated by the API's authorizer or IAM.")
    return principal


def version_condition(version: Version, *, author: str | None = None) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The condition that the stored review is exactly ``version`` (and, with ``author``, written by them)."""
    expression = "#version = :version AND rating = :rating AND #status = :status"
    names = {"#version": "version", "#status": "status"}
    values: dict[str, Any] = {":version": version.version, ":rating": version.rating, ":status": version.status}
    if author is not None:
        expression += " AND #reviewer = :author"
        names["#reviewer"] = contract.REVIEWER_INDEX_KEY
        values[":author"] = author
    return expression, names, values


def stale(request: Request, review_id: str, *, author: str | None) -> ApiError:
    """Why a conditional write on review ``review_id`` failed: gone (404), someone else's (403), or changed
    since the caller's tag (412, with the current ``ETag``)."""
    current = store.find_review(review_id)
    if current is None:
        return not_found(review_id)
    if author is not None and current[contract.REVIEWER_INDEX_KEY] != author:
        return ApiError(Error.FORBIDDEN, "Only the review's author may change it.")
    etag = Version.of(current).etag
    return ApiError(
        Error.PRECONDITION_FAILED,
        "The review changed since this ETag; read it again and retry.",
        [f"ETag: {etag}"],
        headers={"ETag": etag},
    )


def written(request: Request, version: Version) -> dict[str, Any]:
    """The answer to an edit or a decision: where the review is, its status, and its new ``ETag``."""
    location = review_location(request, version.review_id)
    body = {
        "review_id": version.review_id,
        "product_id": version.product_id,
        "status": version.status,
        "location": location,
    }
    return changes.answer(200, body, {"ETag": version.etag, "Location": location})


def update_review(
    version: Version,
    *,
    sets: dict[str, Any],
    removes: tuple[str, ...],
    author: str | None,
    listed: bool,
) -> dict[str, Any]:
    """The transaction item that sets and removes attributes of the review at ``version``, if it still is.

    ``listed``: the review is published after the update, so it carries its listing keys (set from its new
    rating and copied from its votes and verification as stored); otherwise they are removed.
    """
    condition, names, values = version_condition(version, author=author)
    rating = sets.get("rating", version.rating)
    if listed:
        listed_sets, unlisted = store.listed_sets(version.product_id, version.review_id, rating)
        sets, removes = {**sets, **listed_sets}, removes + unlisted
    else:
        removes += store.LISTED_ATTRIBUTES
    expression, aliases = _update_expression(tuple(sets), removes, listed)
    if listed:
        values[":rating_step"] = rating * contract.RATING_STEP
    return {
        "Update": {
            "TableName": table_name(),
            "Key": store.review_key(version.product_id, version.review_id),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {**names, **aliases},
            "ExpressionAttributeValues": to_item(
                {**values, **{f":s{index}": value for index, value in enumerate(sets.values())}}
            ),
        }
    }


@functools.lru_cache(maxsize=256)
def _update_expression(sets: tuple[str, ...], removes: tuple[str, ...], listed: bool) -> tuple[str, dict[str, str]]:
    """``SET #s0 = :s0, ... REMOVE #r0, ...`` and its name aliases (a few dozen shapes, made once each); with
    ``listed`` also the listing keys copied from the stored review."""
    set_names = {f"#s{index}": name for index, name in enumerate(sets)}
    remove_names = {f"#r{index}": name for index, name in enumerate(removes)}
    expression = "SET " + ", ".join(f"{alias} = :s{alias[2:]}" for alias in set_names)
    if listed:
        expression += ", " + store.LISTED_COPIES
    if removes:
        expression += " REMOVE " + ", ".join(remove_names)
    return expression, {**set_names, **remove_names}


def edit_review(request: Request) -> dict[str, Any]:
    """Apply the body (a JSON merge patch of rating and comment) to the caller's own review at ``If-Match``."""
    author = require_principal(request)
    review_id = review_id_from(request)
    patch = request.json_body()
    problems = validation.problems(PATCH_SCHEMA, patch)
    if problems:
        raise ApiError(Error.VALIDATION_FAILED, "The patch is not valid.", problems)
    version = if_match(request.headers, review_id, required=True)
    assert version is not None
    if version.reviewer_id != author:
        raise ApiError(Error.FORBIDDEN, "Only the review's author may change it.")
    claim = idempotency.claim(
        request.headers, author, {"route": "edit", "review_id": review_id, "if_match": version.etag, "patch": patch}
    )
    now = store.now_iso()
    status = policy.status_after_edit(version.status)
    rating = patch.get("rating", version.rating)
    # Votes and the verified mark as the author last read them: the answer's tag is GET's unless they moved.
    following = Version(
        version.product_id, review_id, version.version + 1, rating, status, author, feedback=version.feedback
    )
    sets: dict[str, Any] = {
        "rating": rating,
        "version": following.version,
        "updated_at": now,
        "status": status,
        **policy.queue_attributes(status, "edited", now),
    }
    removes: tuple[str, ...] = () if status == contract.STATUS_PENDING else policy.QUEUE_ATTRIBUTES
    if "comment" in patch:
        if patch["comment"] is None:
            removes += ("comment",)
        else:
            sets["comment"] = patch["comment"]
    items = [
        update_review(version, sets=sets, removes=removes, author=author, listed=status == contract.STATUS_PUBLISHED),
        store.summary_update(
            version.product_id,
            (version.status, version.rating),
            (status, rating),
            store.change_record("updated", review_id, at=now, status=status, version=following.version),
        ),
    ]
    return commit_version(request, items, following, claim, author=author)


def commit_version(
    request: Request,
    items: list[dict[str, Any]],
    following: Version,
    claim: idempotency.Claim | None,
    *,
    author: str | None,
) -> dict[str, Any]:
    """Commit ``items``, which take the review to ``following``: its answer (200 and the new ETag), or 412
    when the review moved first. A lost reply is committed when the stored version is ``following``'s."""
    key = store.review_key(following.product_id, following.review_id)
    try:
        return changes.commit(
            request,
            items,
            written(request, following),
            claim=claim,
            committed=lambda: (store.get(key) or {}).get("version") == following.version,
        )
    except store.Cancelled as cancelled:
        raise stale(request, following.review_id, author=author) from cancelled


def delete_items(version: Version, *, author: str | None, change: str) -> list[dict[str, Any]]:
    """The transaction that deletes the review at ``version``, its locator and marker, and un-counts it."""
    condition, names, values = version_condition(version, author=author)
    review_delete = store.delete(store.review_key(version.product_id, version.review_id))
    review_delete["Delete"].update(
        ConditionExpression=condition, ExpressionAttributeNames=names, ExpressionAttributeValues=to_item(values)
    )
    return [
        review_delete,
        store.delete(store.locator_key(version.review_id)),
        # With one review per reviewer, the marker that kept a second one out; nothing otherwise.
        store.delete(store.marker_key(version.product_id, version.reviewer_id)),
        store.summary_update(
            version.product_id,
            (version.status, version.rating),
            None,
            store.change_record(change, version.review_id, version=version.version),
        ),
    ]


def delete(request: Request, *, author: str | None, caller: str) -> dict[str, Any]:
    """Delete the review the path names, at ``If-Match`` when given (else at its current version); 204.

    ``author``: only if the review is theirs (None: a moderator's removal). ``caller`` scopes the key.
    """
    review_id = review_id_from(request)
    given = if_match(request.headers, review_id, required=False)
    if given is not None and author is not None and given.reviewer_id != author:
        raise ApiError(Error.FORBIDDEN, "Only the review's author may delete it.")
    claim = idempotency.claim(
        request.headers, caller, {"route": "delete", "review_id": review_id, "if_match": given and given.etag}
    )
    change = "deleted"
    for _ in range(UNCONDITIONAL_ATTEMPTS):
        version = given
        if version is None:
            current = store.find_review(review_id)
            if current is None:
                record = store.idempotency_record(claim.partition_key) if claim else None
                if claim is not None and record is not None:  # a retry of the deletion that took it away
                    return changes.send(request, idempotency.replay(idempotency.KeyTaken(record), claim), replayed=True)
                raise not_found(review_id)
            if author is not None and current[contract.REVIEWER_INDEX_KEY] != author:
                raise ApiError(Error.FORBIDDEN, "Only the review's author may delete it.")
            version = Version.of(current)
        key = store.review_key(version.product_id, review_id)
        try:
            return changes.commit(
                request,
                delete_items(version, author=author, change=change),
                changes.answer(204),
                claim=claim,
                committed=lambda key=key: store.get(key) is None,  # type: ignore[misc]
            )
        except store.Cancelled as cancelled:
            if given is not None:
                raise stale(request, review_id, author=author) from cancelled
            # Changed between the read and the write: read it again.
    raise store.StoreBusy()


def delete_review(request: Request) -> dict[str, Any]:
    """The author deletes their review."""
    author = require_principal(request)
    return delete(request, author=author, caller=author)


def feedback(
    request: Request, schemas: dict[bool, dict[str, Any]], field: str, what: str
) -> tuple[str, dict[str, Any], str, str]:
    """What a report or a vote is about: the review id, the body, the caller (``field``: the reporter or the
    voter) and the review's product; ApiError 401/400/403/404 when the write token, the body (checked with
    ``schemas``, by whether API Gateway authenticated the caller), the caller or the review is wrong."""
    write_token(request)
    principal = auth.principal(request.context)
    review_id = review_id_from(request)
    payload = request.json_body()
    problems = validation.problems(schemas[principal is not None], payload)
    if problems:
        raise ApiError(Error.VALIDATION_FAILED, f"The {what} is not valid.", problems)
    caller = caller_as(field, payload, principal)
    product_id = store.product_of(review_id)
    if product_id is None:
        raise not_found(review_id)
    return review_id, payload, caller, product_id


def report_review(request: Request) -> dict[str, Any]:
    """Count one report of abuse per reporter against a published review; at the deployment's threshold the
    review goes back to the moderation queue (and out of listings and the summary). 204, also on a repeat."""
    review_id, payload, reporter, product_id = feedback(request, REPORT_SCHEMAS, "reporter_id", "report")
    # Per review and one-way: a reporter's digests cannot be matched across reviews without their id.
    digest = hashlib.sha256(f"{review_id}\n{reporter}".encode()).hexdigest()[:32]
    values: dict[str, Any] = {
        ":one": 1,
        ":digests": {digest},
        ":digest": digest,
        ":published": contract.STATUS_PUBLISHED,
    }
    expression = "ADD reports :one, reporters :digests"
    if "reason" in payload:
        expression += " SET last_report_reason = :reason"
        values[":reason"] = payload["reason"]
    try:
        current = from_item(
            dynamodb().update_item(
                TableName=table_name(),
                Key=store.review_key(product_id, review_id),
                UpdateExpression=expression,
                ConditionExpression=(
                    "attribute_exists(#sk) AND #status = :published AND NOT contains(reporters, :digest)"
                ),
                ExpressionAttributeNames={"#sk": contract.SORT_KEY, "#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )["Attributes"]
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        current = store.get(store.review_key(product_id, review_id)) or {}
        if current.get("status") != contract.STATUS_PUBLISHED:
            raise not_found(review_id) from error
        # Reported by this reporter before: counted once. Finish a hold a crash may have left undone.
    if int(current.get("reports", 0)) >= policy.report_threshold():
        _hold(Version.of(current))
    return changes.send(request, changes.answer(204))


def _hold(version: Version) -> None:
    """Send the published review back to the moderation queue; a concurrent change wins (the next report
    tries again)."""
    now = store.now_iso()
    held = Version(
        version.product_id,
        version.review_id,
        version.version + 1,
        version.rating,
        contract.STATUS_PENDING,
        version.reviewer_id,
    )
    items = [
        update_review(
            version,
            sets={
                "status": held.status,
                "version": held.version,
                **policy.queue_attributes(held.status, "reported", now),
            },
            removes=(),
            author=None,
            listed=False,
        ),
        store.summary_update(
            version.product_id,
            (version.status, version.rating),
            (held.status, held.rating),
            store.change_record("held", version.review_id, at=now, status=held.status, version=held.version),
        ),
    ]
    key = store.review_key(version.product_id, version.review_id)
    try:
        store.transact(items, committed=lambda: (store.get(key) or {}).get("version") == held.version)
    except store.Cancelled:
        return
    telemetry.count(contract.METRIC_REVIEWS_HELD)
