"""The use cases: create a review, list a product's or a reviewer's reviews.

Each takes the API Gateway event and answers a proxy response; failures are ``ApiError``s from the
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
from .protocol import json_body, request_headers, respond
from .schema import ID_PATTERN, IDEMPOTENCY_KEY_SCHEMA, LIMIT_SCHEMA, review_schema

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
        if not validation.compiled_pattern(ID_PATTERN).search(principal):
            raise ApiError(Error.FORBIDDEN, "The authenticated caller's id cannot be used as a reviewer_id.")
    return review


def _idempotency_claim(
    headers: dict[str, str], review: dict[str, Any], principal: str | None
) -> store.IdempotencyClaim | None:
    key = headers.get("idempotency-key")
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


def _created(event: dict[str, Any], review: dict[str, Any], replayed: bool) -> dict[str, Any]:
    listing_path = (event.get("requestContext") or {}).get("path") or f"/{contract.RESOURCE_PATH}"
    location = f"{listing_path}?product_id={quote(review['product_id'], safe='')}"
    body = {"review": _public(review), "location": location}
    headers = {"Location": location}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(event, 201, body, headers)


def create_review(event: dict[str, Any]) -> dict[str, Any]:
    """Store the review in the body and answer 201 with it (or with the earlier one, on a retry)."""
    headers = request_headers(event)
    parameter_name = auth.write_token_parameter()
    if parameter_name:
        auth.require_write_token(headers, parameter_name)
    principal = auth.principal(event)
    review = _review_from(json_body(event), principal)
    claim = _idempotency_claim(headers, review, principal)
    review[contract.SORT_KEY] = ids.new_review_id()
    review["created_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        store.put_review(review, claim)
    except store.IdempotencyKeyTaken as taken:
        if claim is None or taken.record["fingerprint"] != claim.fingerprint:
            raise ApiError(
                Error.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used for a different review."
            ) from taken
        return _created(event, taken.record["review"], replayed=True)
    return _created(event, review, replayed=False)


def _listing_request(query: dict[str, str]) -> tuple[str, str, int]:
    unknown = sorted(set(query) - set(contract.LIST_QUERY_PARAMETERS))
    if unknown:
        raise ApiError(
            Error.INVALID_QUERY, "Unknown query parameters.", [f"{name}: unknown parameter" for name in unknown]
        )
    given = [name for name in (contract.PARTITION_KEY, contract.REVIEWER_INDEX_KEY) if name in query]
    if len(given) != 1:
        raise ApiError(Error.INVALID_QUERY, "Give exactly one of product_id or reviewer_id.")
    (partition_name,) = given
    id_schema = BODY_SCHEMAS[False]["properties"][partition_name]
    problems = validation.problems(id_schema, query[partition_name], partition_name)
    if problems:
        raise ApiError(Error.INVALID_QUERY, f"{partition_name} is not valid.", problems)
    limit_text = query.get("limit", str(LIMIT_SCHEMA["default"]))
    if not LIMIT_DIGITS.search(limit_text) or validation.problems(LIMIT_SCHEMA, int(limit_text)):
        raise ApiError(
            Error.INVALID_QUERY,
            f"limit must be an integer from {LIMIT_SCHEMA['minimum']} to {LIMIT_SCHEMA['maximum']}.",
        )
    return partition_name, query[partition_name], int(limit_text)


def list_reviews(event: dict[str, Any]) -> dict[str, Any]:
    """Answer one page of a product's or a reviewer's reviews, newest first."""
    query = event.get("queryStringParameters") or {}
    partition_name, value, limit = _listing_request(query)
    by_product = partition_name == contract.PARTITION_KEY
    key_names = paging.key_names_for(by_product)
    start_key = paging.decode(query["next_token"], key_names, value) if query.get("next_token") else None
    reviews, last_key = store.reviews_page(
        partition_name=partition_name,
        partition_value=value,
        index_name=None if by_product else contract.REVIEWER_INDEX_NAME,
        limit=limit,
        start_key=start_key,
    )
    body: dict[str, Any] = {
        "reviews": [_public(review) for review in reviews],
        "count": len(reviews),
        "next_token": paging.encode(last_key),
    }
    if by_product:
        body["summary"] = store.product_summary(value)
    return respond(event, 200, body)
