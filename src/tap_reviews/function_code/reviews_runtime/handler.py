"""Lambda handler behind ``/reviews`` (API Gateway REST proxy integration, event format 1.0).

``POST /reviews`` stores a review; ``GET /reviews?product_id=P`` or ``?reviewer_id=R`` lists reviews,
newest first, one page at a time (``limit``, ``next_token``). Every answer is JSON with CORS headers.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from . import auth, contract, deadline, paging, store, telemetry, validation
from .responses import ApiError, error_response, json_body, request_headers, respond
from .schema import ID_PATTERN, review_schema

#: ``limit``: ASCII digits only (str.isdigit also accepts "²", which int() rejects).
LIMIT_PATTERN = re.compile(r"[0-9]{1,3}")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
QUERY_PARAMETERS = frozenset({"product_id", "reviewer_id", "limit", "next_token"})
#: Idempotency-Key: 16-255 printable ASCII characters. Anonymous callers share one key space, so a key must
#: be unique, not just unique to its client: 16 characters keep out "1" and "retry" (a UUID is a good choice).
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[!-~]{16,255}")
#: DynamoDB error codes that mean "try again later", not "your request is wrong".
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
        "TransactionInProgressException",
    }
)
#: DynamoDB's per-item reasons for cancelling a transaction that also mean "try again later".
RETRYABLE_CANCELLATION_CODES = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
RETRY_AFTER_SECONDS = 1
#: Errors that mean the function turned a request body away (counted as ValidationFailures).
BODY_ERROR_CODES = frozenset({"empty_body", "malformed_body", "malformed_json", "validation_failed", "body_too_large"})
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_cold_start = True
#: The body schema without and with an authenticated principal, built once rather than per request.
BODY_SCHEMAS = {principal: review_schema(reviewer_from_principal=principal) for principal in (False, True)}


def new_review_id(now_ms: int | None = None) -> str:
    """A 26-character id: 48 bits of milliseconds then 80 random bits, Crockford base32.

    Lexical order is creation order, and the random part makes ids unguessable.
    """
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _is_unavailable(error: Exception) -> bool:
    """True when DynamoDB or SSM throttled or could not be reached (after botocore's own retries) in time."""
    if isinstance(error, (store.StoreBusy, deadline.OutOfTime)):
        return True
    if isinstance(error, ClientError):
        response = error.response
        if response.get("Error", {}).get("Code") in RETRYABLE_ERROR_CODES:
            return True
        reasons = {reason.get("Code") for reason in response.get("CancellationReasons", [])}
        return bool(reasons & RETRYABLE_CANCELLATION_CODES)
    return isinstance(error, (BotocoreConnectionError, HTTPClientError))


def _review_from(payload: Any, principal: str | None) -> dict[str, Any]:
    """The review fields of a POST body, or ApiError 400 listing every problem (403 for another reviewer)."""
    problems = validation.problems(BODY_SCHEMAS[principal is not None], payload)
    if problems:
        raise ApiError(400, "validation_failed", "The review is not valid.", problems)
    review = {name: value for name, value in payload.items() if value is not None}
    if principal is not None:
        if review.setdefault("reviewer_id", principal) != principal:
            raise ApiError(403, "forbidden", "reviewer_id must be the authenticated caller (or left out).")
        if not validation.compiled_pattern(ID_PATTERN).search(principal):
            raise ApiError(403, "forbidden", "The authenticated caller's id cannot be used as a reviewer_id.")
    return review


def _idempotency_claim(
    headers: dict[str, str], review: dict[str, Any], principal: str | None
) -> store.IdempotencyClaim | None:
    key = headers.get("idempotency-key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ApiError(
            400, "invalid_idempotency_key", "Idempotency-Key must be 16-255 printable ASCII characters, e.g. a UUID."
        )
    # Keys are per caller when there is one; hashing keeps client-chosen text out of the table's keys.
    digest = hashlib.sha256(f"{principal or ''}\n{key}".encode()).hexdigest()
    fingerprint = hashlib.sha256(json.dumps(review, sort_keys=True).encode()).hexdigest()
    return store.IdempotencyClaim(partition_key=contract.IDEMPOTENCY_KEY_PREFIX + digest, fingerprint=fingerprint)


#: The fields of a review as the API shows it, in order; an absent comment shows as null.
REVIEW_FIELDS = ("review_id", "product_id", "reviewer_id", "rating", "comment", "created_at")


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
    review[contract.SORT_KEY] = new_review_id()
    review["created_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        store.put_review(review, claim)
    except store.IdempotencyKeyTaken as taken:
        if claim is None or taken.record["fingerprint"] != claim.fingerprint:
            raise ApiError(
                409, "idempotency_key_reused", "This Idempotency-Key was used for a different review."
            ) from taken
        return _created(event, taken.record["review"], replayed=True)
    return _created(event, review, replayed=False)


def _listing_request(query: dict[str, str]) -> tuple[str, str, int]:
    unknown = sorted(set(query) - QUERY_PARAMETERS)
    if unknown:
        raise ApiError(
            400, "invalid_query", "Unknown query parameters.", [f"{name}: unknown parameter" for name in unknown]
        )
    given = [name for name in ("product_id", "reviewer_id") if name in query]
    if len(given) != 1:
        raise ApiError(400, "invalid_query", "Give exactly one of product_id or reviewer_id.")
    (partition_name,) = given
    id_schema = BODY_SCHEMAS[False]["properties"][partition_name]
    problems = validation.problems(id_schema, query[partition_name], partition_name)
    if problems:
        raise ApiError(400, "invalid_query", f"{partition_name} is not valid.", problems)
    limit_text = query.get("limit", str(DEFAULT_PAGE_SIZE))
    if not LIMIT_PATTERN.fullmatch(limit_text) or not 1 <= int(limit_text) <= MAX_PAGE_SIZE:
        raise ApiError(400, "invalid_query", f"limit must be an integer from 1 to {MAX_PAGE_SIZE}.")
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


REVIEWS_PATH = f"/{contract.RESOURCE_PATH}"
ROUTES = {(REVIEWS_PATH, "POST"): create_review, (REVIEWS_PATH, "GET"): list_reviews}


def _dispatch(event: dict[str, Any], context: Any) -> tuple[dict[str, Any], str | None]:
    """The response to the event, and its error code (None for a success)."""
    path = event.get("resource") or event.get("path") or ""
    method = event.get("httpMethod") or ""
    route = ROUTES.get((path, method))
    try:
        if route is None:
            if any(known_path == path for known_path, _ in ROUTES):
                raise ApiError(405, "method_not_allowed", f"{method} is not allowed on {path}.")
            raise ApiError(404, "not_found", f"No route for {path}.")
        return route(event), None
    except ApiError as error:
        return error_response(event, error.status, error.code, error.message, error.details, error.headers), error.code
    except Exception as error:  # noqa: BLE001 - the client gets a request id, the log gets the trace
        import logging

        if _is_unavailable(error):
            logging.getLogger(__name__).warning("store unavailable: %s", type(error).__name__)
            response = error_response(
                event,
                503,
                "service_unavailable",
                "The review store is busy or unreachable; retry shortly.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            return response, "service_unavailable"
        logging.getLogger(__name__).exception("unhandled error")
        request_id = getattr(context, "aws_request_id", None)
        return error_response(
            event, 500, "internal_error", "Internal server error.", request_id=request_id
        ), "internal_error"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: route the API Gateway event, answer in JSON, log one line with metrics."""
    global _cold_start
    cold_start, _cold_start = _cold_start, False
    started = time.perf_counter()
    deadline.start(context)
    try:
        response, error_code = _dispatch(event, context)
    finally:
        deadline.end()
    status = response["statusCode"]
    method = event.get("httpMethod") or ""
    metrics: dict[str, int] = {}
    if method == "POST":
        metrics = {
            contract.METRIC_REVIEWS_CREATED: int(status == 201 and "Idempotent-Replayed" not in response["headers"]),
            # Bodies the function turned away; those API Gateway's model rejects never reach it (API 4xx).
            contract.METRIC_VALIDATION_FAILURES: int(error_code in BODY_ERROR_CODES),
        }
    telemetry.log_request(
        request_id=getattr(context, "aws_request_id", None),
        api_request_id=(event.get("requestContext") or {}).get("requestId"),
        route=f"{method} {event.get('resource') or event.get('path') or ''}",
        status=status,
        error=error_code,
        latency_ms=(time.perf_counter() - started) * 1000,
        cold_start=cold_start,
        metrics=metrics,
    )
    return response
