"""The error catalogue: every error the API answers, with its status, its code and when it happens.

This is the one list, and it imports nothing but the standard library (the construct and the tools read
it too). The handler raises these; the construct's gateway responses, the OpenAPI
document (``tap_reviews/openapi.py``) and the README's error table are made from it, and a test fails
when any of them lists a code that is not here, or leaves one out.

Every error answer has the same shape: ``{"error": code, "message": text, "details": [...]}``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from . import contract
from .schema import MAX_BODY_BYTES

#: Routes as the catalogue names them.
POST_REVIEWS = f"POST /{contract.RESOURCE_PATH}"
GET_REVIEWS = f"GET /{contract.RESOURCE_PATH}"
#: Seconds a client should wait before retrying a 503 (the ``Retry-After`` header).
RETRY_AFTER_SECONDS = 1


class Error(Enum):
    """An error the API answers: ``status`` (HTTP), ``code`` (the body's ``error``), ``when`` (for people),
    ``routes`` (where it can happen; empty: on requests that match no route)."""

    EMPTY_BODY = 400, "The body is null or empty.", (POST_REVIEWS,)
    MALFORMED_JSON = 400, "The body is not UTF-8 JSON.", (POST_REVIEWS,)
    MALFORMED_BODY = 400, "The body is marked base64 but is not valid base64.", (POST_REVIEWS,)
    VALIDATION_FAILED = (
        400,
        "A field is missing, unknown or invalid; `details` lists each problem, e.g. `rating: must be integer`. "
        "Bodies API Gateway's request model rejects get this code too, with empty `details`.",
        (POST_REVIEWS,),
    )
    INVALID_IDEMPOTENCY_KEY = (
        400,
        "The `Idempotency-Key` header is not 16-255 visible ASCII characters.",
        (POST_REVIEWS,),
    )
    INVALID_QUERY = (
        400,
        "No id or both ids, a bad id, a bad `limit`, or an unknown query parameter.",
        (GET_REVIEWS,),
    )
    INVALID_NEXT_TOKEN = 400, "A `next_token` this API did not issue for this listing.", (GET_REVIEWS,)
    UNAUTHORIZED = (
        401,
        "The API has a write token and the `Authorization: Bearer` token is missing or wrong "
        "(with `WWW-Authenticate`).",
        (POST_REVIEWS,),
    )
    FORBIDDEN = 403, "`reviewer_id` is not the caller the authorizer authenticated.", (POST_REVIEWS,)
    NOT_FOUND = 404, "A path the function does not serve reached it.", ()
    METHOD_NOT_ALLOWED = 405, "A method the function does not serve on a path it knows.", ()
    IDEMPOTENCY_KEY_REUSED = 409, "The `Idempotency-Key` was used before with a different body.", (POST_REVIEWS,)
    BODY_TOO_LARGE = 413, f"The body is over {MAX_BODY_BYTES} bytes (32 KiB).", (POST_REVIEWS,)
    INTERNAL_ERROR = (
        500,
        "Only the unexpected. The body adds `request_id` and says nothing about the cause.",
        (POST_REVIEWS, GET_REVIEWS),
    )
    SERVICE_UNAVAILABLE = (
        503,
        "DynamoDB (or SSM) throttled or could not be reached after three tries in all (1 s to connect and 3 s "
        "to read each, so about 15 s at worst per call), or the next try would not fit in the function's time "
        f"left. `Retry-After: {RETRY_AFTER_SECONDS}`.",
        (POST_REVIEWS, GET_REVIEWS),
    )

    def __init__(self, status: int, when: str, routes: tuple[str, ...]) -> None:
        self.status = status
        self.when = when
        self.routes = routes

    @property
    def code(self) -> str:
        """The machine-readable code: the member's name in lower case (``validation_failed``)."""
        return self.name.lower()


#: Errors that mean the function turned a request body away (counted as ValidationFailures).
BODY_ERRORS = frozenset(
    {Error.EMPTY_BODY, Error.MALFORMED_BODY, Error.MALFORMED_JSON, Error.VALIDATION_FAILED, Error.BODY_TOO_LARGE}
)


class ApiError(Exception):
    """An error from the catalogue, answered with its status and a JSON error body.

    Args:
        error: The catalogue entry.
        message: What went wrong in this request, for a human.
        details: Every individual problem, e.g. one entry per invalid field.
        headers: Extra response headers (``WWW-Authenticate`` on a 401, say).
    """

    def __init__(
        self,
        error: Error,
        message: str,
        details: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.details = details or []
        self.headers = headers or {}


class Unavailable(Exception):
    """A dependency could not serve the request in time; the answer is 503 ``service_unavailable``."""


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


def is_unavailable(error: Exception) -> bool:
    """When the answer is 503: DynamoDB or SSM throttled or could not be reached (after botocore's own
    retries), a transaction kept losing races, or the time budget left no room for another attempt."""
    # botocore is loaded in the runtime already; imported here so the catalogue needs nothing outside it.
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    if isinstance(error, Unavailable):
        return True
    if isinstance(error, ClientError):
        response: dict[str, Any] = dict(error.response)
        if response.get("Error", {}).get("Code") in RETRYABLE_ERROR_CODES:
            return True
        reasons = {reason.get("Code") for reason in response.get("CancellationReasons", [])}
        return bool(reasons & RETRYABLE_CANCELLATION_CODES)
    return isinstance(error, (BotocoreConnectionError, HTTPClientError))
