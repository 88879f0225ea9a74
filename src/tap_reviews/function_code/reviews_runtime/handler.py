"""Lambda handler behind ``/reviews`` (API Gateway REST proxy integration, event format 1.0).

``POST /reviews`` stores a review; ``GET /reviews?product_id=P`` or ``?reviewer_id=R`` lists reviews,
newest first, one page at a time (``limit``, ``next_token``). Every answer is JSON with CORS headers.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import time
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from . import contract

#: Identifiers (product_id, reviewer_id): 1-128 characters of letters, digits and ``_ . : -``.
ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
#: ``limit``: ASCII digits only (str.isdigit also accepts "²", which int() rejects).
LIMIT_PATTERN = re.compile(r"[0-9]{1,3}")
#: Longest comment accepted, in characters.
MAX_COMMENT_LENGTH = 2000
#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 16 * 1024
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
REVIEW_FIELDS = frozenset({"product_id", "reviewer_id", "rating", "comment"})
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_table: Any = None


def _reviews_table() -> Any:
    """The boto3 Table, created on first use so a cold start pays for it only once."""
    global _table
    if _table is None:
        import boto3
        from botocore.config import Config

        # Bounded retries and timeouts: the answer (a 503 at worst) must come well inside API Gateway's 29 s.
        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
        _table = boto3.resource("dynamodb", config=config).Table(os.environ[contract.ENV_TABLE_NAME])
    return _table


#: DynamoDB error codes that mean "try again later", not "your request is wrong".
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)
RETRY_AFTER_SECONDS = 1


def _is_unavailable(error: Exception) -> bool:
    """True when DynamoDB throttled or could not be reached, after botocore's own retries."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in RETRYABLE_ERROR_CODES
    return isinstance(error, (ConnectionError, HTTPClientError))


class ApiError(Exception):
    """A client error answered with its status and a JSON error body."""

    def __init__(self, status: int, code: str, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def new_review_id(now_ms: int | None = None) -> str:
    """A 26-character id: 48 bits of milliseconds then 80 random bits, Crockford base32.

    Lexical order is creation order, and the random part makes ids unguessable.
    """
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _cors_headers(event: dict[str, Any]) -> dict[str, str]:
    allowed = [o.strip() for o in os.environ.get(contract.ENV_ALLOWED_ORIGINS, "*").split(",") if o.strip()]
    headers = {"Content-Type": "application/json"}
    if "*" in allowed:
        headers["Access-Control-Allow-Origin"] = "*"
        return headers
    request_headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    origin = request_headers.get("origin")
    if origin in allowed:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Vary"] = "Origin"
    return headers


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _response(event: dict[str, Any], status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": _cors_headers(event),
        "body": json.dumps(body, default=_json_default),
    }


def validate_review(payload: Any) -> dict[str, Any]:
    """Return the review fields of a POST body, or raise ApiError(400) listing every problem."""
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "The request body must be a JSON object.")
    problems = [f"unknown field: {name}" for name in sorted(set(payload) - REVIEW_FIELDS)]
    for name in ("product_id", "reviewer_id"):
        value = payload.get(name)
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            problems.append(f"{name}: required, 1-128 characters of letters, digits and _ . : -")
    rating = payload.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        problems.append("rating: required, an integer from 1 to 5")
    comment = payload.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT_LENGTH):
        problems.append(f"comment: optional, a string of at most {MAX_COMMENT_LENGTH} characters")
    if problems:
        raise ApiError(400, "validation_failed", "The review is not valid.", problems)
    return {name: payload[name] for name in REVIEW_FIELDS if payload.get(name) is not None}


def _parse_body(event: dict[str, Any]) -> Any:
    raw = event.get("body")
    if raw is None or raw == "":
        raise ApiError(400, "empty_body", "The request body is empty; send a JSON object.")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ApiError(400, "malformed_body", "The request body is not valid base64 UTF-8.") from error
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large", f"The request body exceeds {MAX_BODY_BYTES} bytes.")
    try:
        return json.loads(raw)
    except ValueError as error:
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from error


def create_review(event: dict[str, Any]) -> dict[str, Any]:
    """Store the review in the body and answer 201 with it."""
    review = validate_review(_parse_body(event))
    review[contract.SORT_KEY] = new_review_id()
    review["created_at"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    _reviews_table().put_item(
        Item=review,
        ConditionExpression="attribute_not_exists(#sk)",
        ExpressionAttributeNames={"#sk": contract.SORT_KEY},
    )
    review.setdefault("comment", None)
    location = f"/{contract.RESOURCE_PATH}?product_id={review['product_id']}"
    return _response(event, 201, {"review": review, "location": location})


def _decode_token(token: str, key_names: tuple[str, ...]) -> dict[str, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError) as error:
        raise ApiError(400, "invalid_next_token", "next_token is not a token this API issued.") from error
    if (
        not isinstance(key, dict)
        or set(key) != set(key_names)
        or not all(isinstance(v, str) and v for v in key.values())
    ):
        raise ApiError(400, "invalid_next_token", "next_token is not a token this API issued.")
    return key


def _encode_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps({k: str(v) for k, v in last_key.items()}, sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def list_reviews(event: dict[str, Any]) -> dict[str, Any]:
    """Answer one page of a product's or a reviewer's reviews, newest first."""
    query = event.get("queryStringParameters") or {}
    unknown = sorted(set(query) - {"product_id", "reviewer_id", "limit", "next_token"})
    if unknown:
        raise ApiError(400, "invalid_query", "Unknown query parameters.", [f"unknown parameter: {u}" for u in unknown])
    by_product, by_reviewer = query.get("product_id"), query.get("reviewer_id")
    if (by_product is None) == (by_reviewer is None):
        raise ApiError(400, "invalid_query", "Give exactly one of product_id or reviewer_id.")
    value = by_product if by_product is not None else by_reviewer
    if not ID_PATTERN.fullmatch(value or ""):
        raise ApiError(400, "invalid_query", "The id is not valid.", ["1-128 characters of letters, digits and _ . : -"])
    limit_text = query.get("limit", str(DEFAULT_PAGE_SIZE))
    if not LIMIT_PATTERN.fullmatch(limit_text) or not 1 <= int(limit_text) <= MAX_PAGE_SIZE:
        raise ApiError(400, "invalid_query", f"limit must be an integer from 1 to {MAX_PAGE_SIZE}.")

    request: dict[str, Any] = {"Limit": int(limit_text), "ScanIndexForward": False}
    if by_product is not None:
        key_names: tuple[str, ...] = (contract.PARTITION_KEY, contract.SORT_KEY)
    else:
        key_names = (contract.REVIEWER_INDEX_KEY, contract.SORT_KEY, contract.PARTITION_KEY)
        request["IndexName"] = contract.REVIEWER_INDEX_NAME
    request["KeyConditionExpression"] = "#pk = :value"
    request["ExpressionAttributeNames"] = {"#pk": key_names[0]}
    request["ExpressionAttributeValues"] = {":value": value}
    if query.get("next_token"):
        start = _decode_token(query["next_token"], key_names)
        if start[key_names[0]] != value:
            raise ApiError(400, "invalid_next_token", "next_token belongs to another query.")
        request["ExclusiveStartKey"] = start

    page = _reviews_table().query(**request)
    reviews = page.get("Items", [])
    return _response(
        event,
        200,
        {"reviews": reviews, "count": len(reviews), "next_token": _encode_token(page.get("LastEvaluatedKey"))},
    )


REVIEWS_PATH = f"/{contract.RESOURCE_PATH}"
ROUTES = {(REVIEWS_PATH, "POST"): create_review, (REVIEWS_PATH, "GET"): list_reviews}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: route the API Gateway event and turn every failure into a JSON answer."""
    path = event.get("resource") or event.get("path") or ""
    method = event.get("httpMethod") or ""
    route = ROUTES.get((path, method))
    try:
        if route is None:
            if any(known_path == path for known_path, _ in ROUTES):
                raise ApiError(405, "method_not_allowed", f"{method} is not allowed on {path}.")
            raise ApiError(404, "not_found", f"No route for {path}.")
        return route(event)
    except ApiError as error:
        return _error_response(event, error.status, error.code, error.message, error.details)
    except Exception as error:  # noqa: BLE001 - the client gets a request id, the log gets the trace
        import logging

        if _is_unavailable(error):
            logging.getLogger(__name__).warning("dynamodb unavailable: %s", type(error).__name__)
            response = _error_response(
                event, 503, "service_unavailable", "The review store is busy or unreachable; retry shortly."
            )
            response["headers"]["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        logging.getLogger(__name__).exception("unhandled error")
        request_id = getattr(context, "aws_request_id", None)
        return _error_response(event, 500, "internal_error", "Internal server error.", request_id=request_id)


def _error_response(
    event: dict[str, Any], status: int, code: str, message: str, details: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return _response(event, status, {"error": code, "message": message, "details": details or [], **extra})
