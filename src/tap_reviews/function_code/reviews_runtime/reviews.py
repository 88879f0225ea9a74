"""The use cases: create a review, list a product's or a reviewer's reviews.

Each takes a checked ``Request`` and answers a proxy response; failures are ``ApiError``s from the
catalogue (``errors.py``), which the handler turns into answers.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from . import auth, contract, ids, paging, store, validation
from .errors import ApiError, Error
from .protocol import Request, respond
from .schema import ID_SCHEMAS, IDEMPOTENCY_KEY_SCHEMA, LIMIT_SCHEMA, review_schema

#: ``limit``: ASCII digits only (str.isdigit also accepts "²", which int() rejects).
LIMIT_DIGITS = validation.compiled_pattern("^[0-9]{1,3}$")
#: The body schema without and with an authenticated principal, built once rather than per request.
BODY_SCHEMAS = {principal: review_schema(reviewer_from_principal=principal) for principal in (False, True)}
#: The fields of a review as the API shows it, in order; an absent comment shows as null.
REVIEW_FIELDS = ("review_id", "product_id", "reviewer_id", "rating", "comment", "created_at")


def _review_from(payload: Any, principal: str | None) -> dict[str, Any]:
    """The review fields of a POST body, or ApiError 400 listing every problem (403 for another reviewer)."""
    problems = validation.problems(BODY_SCHEMAS[principal is not None], payload)
    if problems:
        raise ApiError(Error.VALIDATION_FAILED, "The review is not valid.", problems)
    review = {name: value for name, value in payload.items() if value is not None}
    if principal is not None:
        if review.setdefault("reviewer_id", principal) != principal:
            raise ApiError(Error.FORBIDDEN, "reviewer_id must be the authenticated caller (or left out).")
        if validation.problems(ID_SCHEMAS["reviewer_id"], principal):
            raise ApiError(
                Error.FORBIDDEN,
                "The authenticated caller's id cannot be a reviewer_id.",
                ["principal: must be 1-256 visible ASCII characters"],
            )
    return review


def _idempotency_claim(
    request: Request, review: dict[str, Any], principal: str | None
) -> store.IdempotencyClaim | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if validation.problems(IDEMPOTENCY_KEY_SCHEMA, key):
        raise ApiError(
            Error.INVALID_IDEMPOTENCY_KEY, "Idempotency-Key must be 16-255 printable ASCII characters, e.g. a UUID."
        )
    # Keys are per caller when there is one; hashing keeps client-chosen text out of the table's keys.
    digest = hashlib.sha256(f"{principal or ''}\n{key}".encode()).hexdigest()
    fingerprint = hashlib.sha256(json.dumps(review, sort_keys=True).encode()).hexdigest()
    return store.IdempotencyClaim(partition_key=contract.IDEMPOTENCY_KEY_PREFIX + digest, fingerprint=fingerprint)


def _public(review: dict[str, Any]) -> dict[str, Any]:
    return {name: review.get(name) for name in REVIEW_FIELDS}


def _created(request: Request, review: dict[str, Any], replayed: bool) -> dict[str, Any]:
    location = f"{request.stage_path}?product_id={quote(review['product_id'], safe='')}"
    body = {"review": _public(review), "location": location}
    headers = {"Location": location}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(request, 201, body, headers)


def create_review(request: Request) -> dict[str, Any]:
    """Store the review in the body and answer 201 with it (or with the earlier one, on a retry)."""
    parameter_name = auth.write_token_parameter()
    if parameter_name:
        auth.require_write_token(request.headers, parameter_name)
    principal = auth.principal(request.context)
    review = _review_from(request.json_body(), principal)
    claim = _idempotency_claim(request, review, principal)
    review[contract.SORT_KEY] = ids.new_review_id()
    review["created_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        store.put_review(review, claim)
    except store.IdempotencyKeyTaken as taken:
        if claim is None or taken.record["fingerprint"] != claim.fingerprint:
            raise ApiError(
                Error.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used for a different review."
            ) from taken
        return _created(request, taken.record["review"], replayed=True)
    return _created(request, review, replayed=False)


def _listing_request(request: Request) -> tuple[str, str, int, str | None]:
    """The listing asked for: (id name, id, page size, next_token); ApiError 400 for anything off."""
    unknown = sorted(set(request.query) - set(contract.LIST_QUERY_PARAMETERS))
    if unknown:
        raise ApiError(
            Error.INVALID_QUERY, "Unknown query parameters.", [f"{name}: unknown parameter" for name in unknown]
        )
    values = {name: request.single(name) for name in contract.LIST_QUERY_PARAMETERS}
    given = [name for name in (contract.PARTITION_KEY, contract.REVIEWER_INDEX_KEY) if values[name] is not None]
    if len(given) != 1:
        raise ApiError(Error.INVALID_QUERY, "Give exactly one of product_id or reviewer_id.")
    (partition_name,) = given
    partition_value = values[partition_name] or ""
    problems = validation.problems(ID_SCHEMAS[partition_name], partition_value, partition_name)
    if problems:
        raise ApiError(Error.INVALID_QUERY, f"{partition_name} is not valid.", problems)
    limit_text = values["limit"] or str(LIMIT_SCHEMA["default"])
    if not LIMIT_DIGITS.search(limit_text) or validation.problems(LIMIT_SCHEMA, int(limit_text)):
        raise ApiError(
            Error.INVALID_QUERY,
            f"limit must be an integer from {LIMIT_SCHEMA['minimum']} to {LIMIT_SCHEMA['maximum']}.",
        )
    return partition_name, partition_value, int(limit_text), values["next_token"]


def list_reviews(request: Request) -> dict[str, Any]:
    """Answer one page of a product's or a reviewer's reviews, newest first.

    ``next_token`` comes back exactly when more reviews follow: the page reads one review more than it
    shows, and only that one's existence makes a token.
    """
    partition_name, value, limit, token = _listing_request(request)
    by_product = partition_name == contract.PARTITION_KEY
    key_names = paging.key_names_for(by_product)
    start_key = paging.decode(token, key_names, value) if token else None
    reviews = store.reviews_page(
        partition_name=partition_name,
        partition_value=value,
        index_name=None if by_product else contract.REVIEWER_INDEX_NAME,
        limit=limit + 1,
        start_key=start_key,
    )
    page = reviews[:limit]
    more = len(reviews) > limit
    body: dict[str, Any] = {
        "reviews": [_public(review) for review in page],
        "count": len(page),
        "next_token": paging.encode({name: page[-1][name] for name in key_names}) if more else None,
    }
    if by_product:
        body["summary"] = store.product_summary(value)
    return respond(request, 200, body)
