"""Lambda entry point behind ``/reviews`` (API Gateway REST proxy integration, event format 1.0).

Routing only: find the use case for the route (``reviews.py``), turn what it raises into an answer
from the error catalogue (``errors.py``), and write one log line with metrics per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from . import contract, deadline, reviews, telemetry
from .errors import BODY_ERRORS, RETRY_AFTER_SECONDS, ApiError, Error, is_unavailable
from .protocol import error_response

Route = Callable[[dict[str, Any]], dict[str, Any]]
REVIEWS_PATH = f"/{contract.RESOURCE_PATH}"
ROUTES: dict[tuple[str, str], Route] = {
    (REVIEWS_PATH, "POST"): reviews.create_review,
    (REVIEWS_PATH, "GET"): reviews.list_reviews,
}

_cold_start = True
_log = logging.getLogger(__name__)


def _dispatch(event: dict[str, Any], context: Any) -> tuple[dict[str, Any], Error | None]:
    """The response to the event, and its catalogue error (None for a success)."""
    path = event.get("resource") or event.get("path") or ""
    method = event.get("httpMethod") or ""
    route = ROUTES.get((path, method))
    try:
        if route is None:
            if any(known_path == path for known_path, _ in ROUTES):
                raise ApiError(Error.METHOD_NOT_ALLOWED, f"{method} is not allowed on {path}.")
            raise ApiError(Error.NOT_FOUND, f"No route for {path}.")
        return route(event), None
    except ApiError as error:
        return error_response(event, error), error.error
    except Exception as error:  # noqa: BLE001 - the client gets a request id, the log gets the trace
        if is_unavailable(error):
            _log.warning("store unavailable: %s", type(error).__name__)
            unavailable = ApiError(
                Error.SERVICE_UNAVAILABLE,
                "The review store is busy or unreachable; retry shortly.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            return error_response(event, unavailable), Error.SERVICE_UNAVAILABLE
        _log.exception("unhandled error")
        internal = ApiError(Error.INTERNAL_ERROR, "Internal server error.")
        request_id = getattr(context, "aws_request_id", None)
        return error_response(event, internal, request_id=request_id), Error.INTERNAL_ERROR


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: route the API Gateway event, answer in JSON, log one line with metrics."""
    global _cold_start
    cold_start, _cold_start = _cold_start, False
    started = time.perf_counter()
    deadline.start(context)
    try:
        response, error = _dispatch(event, context)
    finally:
        deadline.end()
    status = response["statusCode"]
    method = event.get("httpMethod") or ""
    metrics: dict[str, int] = {}
    if method == "POST":
        metrics = {
            contract.METRIC_REVIEWS_CREATED: int(status == 201 and "Idempotent-Replayed" not in response["headers"]),
            # Bodies the function turned away; those API Gateway's model rejects never reach it (API 4xx).
            contract.METRIC_VALIDATION_FAILURES: int(error in BODY_ERRORS),
        }
    telemetry.log_request(
        request_id=getattr(context, "aws_request_id", None),
        api_request_id=(event.get("requestContext") or {}).get("requestId"),
        route=f"{method} {event.get('resource') or event.get('path') or ''}",
        status=status,
        error=error.code if error else None,
        latency_ms=(time.perf_counter() - started) * 1000,
        cold_start=cold_start,
        metrics=metrics,
    )
    return response
