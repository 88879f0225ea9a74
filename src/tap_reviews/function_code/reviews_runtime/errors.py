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

#: Routes as the catalogue names them: ``METHOD /resource``.
POST_REVIEWS = f"POST {contract.RESOURCE_REVIEWS}"
GET_REVIEWS = f"GET {contract.RESOURCE_REVIEWS}"
GET_REVIEW = f"GET {contract.RESOURCE_REVIEW}"
PATCH_REVIEW = f"PATCH {contract.RESOURCE_REVIEW}"
DELETE_REVIEW = f"DELETE {contract.RESOURCE_REVIEW}"
POST_REPORT = f"POST {contract.RESOURCE_REPORTS}"
GET_QUEUE = f"GET {contract.RESOURCE_QUEUE}"
GET_MODERATED = f"GET {contract.RESOURCE_MODERATED_REVIEW}"
DELETE_MODERATED = f"DELETE {contract.RESOURCE_MODERATED_REVIEW}"
POST_DECISION = f"POST {contract.RESOURCE_DECISION}"
POST_ERASURE = f"POST {contract.RESOURCE_ERASURES}"
GET_SUMMARIES = f"GET {contract.RESOURCE_SUMMARIES}"
POST_VOTE = f"POST {contract.RESOURCE_VOTES}"
PUT_VERIFIED_PURCHASE = f"PUT {contract.RESOURCE_VERIFIED_PURCHASE}"
#: Seconds a client should wait before retrying a 503 (the ``Retry-After`` header).
RETRY_AFTER_SECONDS = 1

#: Every route the API serves.
EVERY_ROUTE = (
    POST_REVIEWS,
    GET_REVIEWS,
    GET_REVIEW,
    PATCH_REVIEW,
    DELETE_REVIEW,
    POST_REPORT,
    POST_VOTE,
    PUT_VERIFIED_PURCHASE,
    GET_QUEUE,
    GET_MODERATED,
    DELETE_MODERATED,
    POST_DECISION,
    POST_ERASURE,
    GET_SUMMARIES,
)
#: Routes with a JSON body, and routes naming one review in their path.
BODY_ROUTES = (POST_REVIEWS, PATCH_REVIEW, POST_REPORT, POST_VOTE, POST_DECISION, POST_ERASURE)
REVIEW_ROUTES = tuple(route for route in EVERY_ROUTE if f"{{{contract.REVIEW_ID_PARAMETER}}}" in route)
#: Routes an authenticated caller (author or moderator) calls.
AUTHENTICATED_ROUTES = (
    PATCH_REVIEW,
    DELETE_REVIEW,
    PUT_VERIFIED_PURCHASE,
    GET_QUEUE,
    GET_MODERATED,
    DELETE_MODERATED,
    POST_DECISION,
    POST_ERASURE,
)
#: Routes that may be IAM-authorized: the moderators' by default, the authors' and writes with
#: ``iam_write_authorization``.
IAM_ROUTES = (POST_REVIEWS, POST_REPORT, POST_VOTE, *AUTHENTICATED_ROUTES)
#: Routes that honour ``Idempotency-Key``. The others that write repeat safely without one: a report or a
#: vote counts once per caller, a verified mark is set or not, and an erasure continues where it stopped.
IDEMPOTENT_ROUTES = (POST_REVIEWS, PATCH_REVIEW, DELETE_REVIEW, DELETE_MODERATED, POST_DECISION)
#: Routes that honour ``If-Match`` (required where a stale write could lose an update).
CONDITIONAL_ROUTES = (PATCH_REVIEW, DELETE_REVIEW, DELETE_MODERATED, POST_DECISION)


class Error(Enum):
    """An error the API answers: ``status`` (HTTP), ``code`` (the body's ``error``), ``when`` (for people),
    ``routes`` (where it can happen; empty: on requests that match no route) and ``gateway_responses`` (the
    API Gateway response types answered with this code, before or instead of the function)."""

    EMPTY_BODY = 400, "The body is null or empty.", BODY_ROUTES, ()
    MALFORMED_JSON = 400, "The body is not UTF-8 JSON.", BODY_ROUTES, ()
    MALFORMED_BODY = 400, "The body is marked base64 but is not valid base64.", BODY_ROUTES, ()
    VALIDATION_FAILED = (
        400,
        "A field is missing, unknown or invalid; `details` lists each problem, e.g. `rating: must be integer`.",
        BODY_ROUTES,
        (),
    )
    INVALID_IDEMPOTENCY_KEY = (
        400,
        "The `Idempotency-Key` header is not 16-255 visible ASCII characters.",
        IDEMPOTENT_ROUTES,
        (),
    )
    INVALID_QUERY = (
        400,
        "No id or both ids, a bad id, a bad `limit`, `sort`, `rating` or `verified` (or a combination no index "
        "serves), more than 100 `product_ids`, an unknown query parameter, or one given twice.",
        (GET_REVIEWS, GET_QUEUE, GET_SUMMARIES),
        (),
    )
    INVALID_NEXT_TOKEN = 400, "A `next_token` this API did not issue for this listing.", (GET_REVIEWS, GET_QUEUE), ()
    INVALID_REVIEW_ID = 400, "The review id in the path is not shaped like an id this API issues.", REVIEW_ROUTES, ()
    INVALID_EVENT = (
        400,
        "The function was invoked with something that is not an API Gateway REST proxy event (a test tool's "
        "hand-made event, say); `details` names each field.",
        EVERY_ROUTE,
        (),
    )
    UNAUTHORIZED = (
        401,
        "The caller is not authenticated: the API's authorizer refused the token, or the API has a write token "
        "and the `Authorization: Bearer` token is missing or wrong (with `WWW-Authenticate`).",
        (POST_REVIEWS, POST_REPORT, POST_VOTE, *AUTHENTICATED_ROUTES),
        ("UNAUTHORIZED",),
    )
    FORBIDDEN = (
        403,
        "The caller may not do this: `reviewer_id` (or `reporter_id`, `voter_id`) is not the authenticated caller, "
        "the review is someone else's, or API Gateway refused the request (an authorizer's or IAM's deny, a moderator "
        "scope missing, a bad or expired signature, WAF; `details` has API Gateway's reason).",
        EVERY_ROUTE,
        ("ACCESS_DENIED", "INVALID_SIGNATURE", "EXPIRED_TOKEN", "WAF_FILTERED", "INVALID_API_KEY"),
    )
    MISSING_AUTHENTICATION_TOKEN = (
        403,
        "API Gateway found no such route or method, or an IAM-authorized method was called without a signature.",
        IAM_ROUTES,
        ("MISSING_AUTHENTICATION_TOKEN",),
    )
    NOT_FOUND = 404, "A path the function does not serve reached it.", (), ("RESOURCE_NOT_FOUND",)
    REVIEW_NOT_FOUND = (
        404,
        "No such review: never created, deleted, or (on public routes) not published.",
        REVIEW_ROUTES,
        (),
    )
    METHOD_NOT_ALLOWED = 405, "A method the function does not serve on a path it knows.", (), ()
    IDEMPOTENCY_KEY_REUSED = (
        409,
        "The `Idempotency-Key` was used before with a different request.",
        IDEMPOTENT_ROUTES,
        (),
    )
    REVIEW_EXISTS = (
        409,
        "The reviewer has reviewed this product already (with one review per reviewer); `Location` is that "
        "review's URL.",
        (POST_REVIEWS,),
        (),
    )
    PRECONDITION_FAILED = (
        412,
        "`If-Match` does not match the review's current `ETag`: it changed since it was read. The answer carries "
        "the current `ETag` when the caller may see it.",
        CONDITIONAL_ROUTES,
        (),
    )
    BODY_TOO_LARGE = (
        413,
        f"The body is over {MAX_BODY_BYTES} bytes (32 KiB).",
        BODY_ROUTES,
        ("REQUEST_TOO_LARGE",),
    )
    PRECONDITION_REQUIRED = (
        428,
        "`If-Match` is missing: an edit or a moderator's decision must name the version it was made on "
        "(RFC 6585, section 3).",
        (PATCH_REVIEW, POST_DECISION),
        (),
    )
    THROTTLED = (
        429,
        "Over the stage's rate or burst limit for this method (API Gateway keeps a token bucket per method). "
        f"`Retry-After: {RETRY_AFTER_SECONDS}`.",
        EVERY_ROUTE,
        ("THROTTLED", "QUOTA_EXCEEDED"),
    )
    GATEWAY_REJECTED = (
        400,
        "Any other request API Gateway refuses itself, with its own 4xx status; `details` has API Gateway's "
        "response type.",
        (),
        ("DEFAULT_4XX",),
    )
    INTERNAL_ERROR = (
        500,
        "Only the unexpected. The body adds `request_id` and says nothing about the cause.",
        EVERY_ROUTE,
        (),
    )
    GATEWAY_ERROR = (
        500,
        "API Gateway could not get an answer from the function (a timeout, a crash, a configuration error), with "
        "its own 5xx status; `details` has API Gateway's response type.",
        EVERY_ROUTE,
        ("DEFAULT_5XX",),
    )
    SERVICE_UNAVAILABLE = (
        503,
        "DynamoDB (or SSM) throttled or could not be reached after three tries in all (1 s to connect and 3 s "
        "to read each, so about 15 s at worst per call), or the next try would not fit in the function's time "
        f"left. `Retry-After: {RETRY_AFTER_SECONDS}`.",
        EVERY_ROUTE,
        (),
    )

    def __init__(self, status: int, when: str, routes: tuple[str, ...], gateway_responses: tuple[str, ...]) -> None:
        self.status = status
        self.when = when
        self.routes = routes
        self.gateway_responses = gateway_responses

    @property
    def code(self) -> str:
        """The machine-readable code: the member's name in lower case (``validation_failed``)."""
        return self.name.lower()

    @property
    def status_label(self) -> str:
        """The status as documents show it: ``429``, or ``4xx``/``5xx`` where API Gateway keeps its own."""
        return (
            f"{str(self.status)[0]}xx"
            if {"DEFAULT_4XX", "DEFAULT_5XX"} & set(self.gateway_responses)
            else str(self.status)
        )


#: Errors that mean the function turned a request body away (counted as ValidationFailures on POST /reviews).
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
        # A single-item write that met a transaction writing the same item (a vote, say) at that moment.
        "TransactionConflictException",
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
