"""Lambda entry point behind ``/reviews`` (API Gateway REST proxy integration, event format 1.0).

Routing only: find the use case for the route (``reviews.py``), turn what it raises into an answer
from the error catalogue (``errors.py``), and write one log line with metrics per request.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import Any

# reviews is imported at init (Lambda's init phase): most requests create or list reviews.
from . import contract, deadline, reviews, telemetry  # noqa: F401
from .errors import BODY_ERRORS, RETRY_AFTER_SECONDS, ApiError, Error, is_unavailable
from .protocol import Request, error_response

Route = Callable[[Request], dict[str, Any]]
#: Every route: (resource, method) -> (module, use case). The lifecycle's and the moderators' modules are
#: imported on their first request, so a cold start that creates or lists reviews does not pay for them.
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    (contract.RESOURCE_REVIEWS, "POST"): ("reviews", "create_review"),
    (contract.RESOURCE_REVIEWS, "GET"): ("reviews", "list_reviews"),
    (contract.RESOURCE_REVIEW, "GET"): ("reviews", "get_review"),
    (contract.RESOURCE_REVIEW, "PATCH"): ("lifecycle", "edit_review"),
    (contract.RESOURCE_REVIEW, "DELETE"): ("lifecycle", "delete_review"),
    (contract.RESOURCE_REPORTS, "POST"): ("lifecycle", "report_review"),
    (contract.RESOURCE_VOTES, "POST"): ("votes", "vote"),
    (contract.RESOURCE_VERIFIED_PURCHASE, "PUT"): ("votes", "verify_purchase"),
    (contract.RESOURCE_QUEUE, "GET"): ("moderation", "queue"),
    (contract.RESOURCE_MODERATED_REVIEW, "GET"): ("moderation", "get_review"),
    (contract.RESOURCE_MODERATED_REVIEW, "DELETE"): ("moderation", "remove"),
    (contract.RESOURCE_DECISION, "POST"): ("moderation", "decide"),
    (contract.RESOURCE_ERASURES, "POST"): ("moderation", "erase"),
    (contract.RESOURCE_SUMMARIES, "GET"): ("summaries", "summaries"),
}


_use_cases: dict[tuple[str, str], Route] = {}


def use_case(module: str, name: str) -> Route:
    """The use case ``name`` of runtime module ``module``, importing the module on first use."""
    found = _use_cases.get((module, name))
    if found is None:
        found = _use_cases[module, name] = getattr(importlib.import_module(f".{module}", __package__), name)
    return found


_cold_start = True
_log = logging.getLogger(__name__)


def _dispatch(event: object, context: Any) -> tuple[Request, dict[str, Any], Error | None]:
    """The request, the response to it, and its catalogue error (None for a success)."""
    request = Request()
    try:
        request = Request.from_event(event)
        route = ROUTES.get((request.path, request.method))
        if route is None:
            if any(known_path == request.path for known_path, _ in ROUTES):
                raise ApiError(Error.METHOD_NOT_ALLOWED, f"{request.method} is not allowed on {request.path}.")
            raise ApiError(Error.NOT_FOUND, f"No route for {request.path}.")
        return request, use_case(*route)(request), None
    except ApiError as error:
        return request, error_response(request, error), error.error
    except Exception as error:  # noqa: BLE001 - the client gets a request id, the log gets the trace
        if is_unavailable(error):
            _log.warning("store unavailable: %s", type(error).__name__)
            unavailable = ApiError(
                Error.SERVICE_UNAVAILABLE,
                "The review store is busy or unreachable; retry shortly.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            return request, error_response(request, unavailable), Error.SERVICE_UNAVAILABLE
        _log.exception("unhandled error")
        internal = ApiError(Error.INTERNAL_ERROR, "Internal server error.")
        request_id = getattr(context, "aws_request_id", None)
        return request, error_response(request, internal, request_id=request_id), Error.INTERNAL_ERROR


def handler(event: Any, context: Any) -> Any:
    """Lambda entry point: route the API Gateway event, answer in JSON, log one line with metrics.

    The construct's schedule also invokes it with ``contract.BACKLOG_EVENT`` to measure the moderation backlog.
    """
    global _cold_start
    cold_start, _cold_start = _cold_start, False
    started = time.perf_counter()
    deadline.start(context)
    if event == contract.BACKLOG_EVENT:
        try:
            backlog: dict[str, Any] = importlib.import_module(".moderation", __package__).measure_backlog()
            return backlog
        finally:
            deadline.end()
    telemetry.start()
    try:
        request, response, error = _dispatch(event, context)
    finally:
        deadline.end()
        counted = telemetry.counted()
    status = response["statusCode"]
    metrics: dict[str, int] = dict(counted)
    if request.method == "POST" and request.path == contract.RESOURCE_REVIEWS:
        metrics.update(
            {
                contract.METRIC_REVIEWS_CREATED: int(
                    status == 201 and "Idempotent-Replayed" not in response["headers"]
                ),
                contract.METRIC_VALIDATION_FAILURES: int(error in BODY_ERRORS),
            }
        )
    api_request_id = request.context.get("requestId")
    telemetry.log_request(
        request_id=getattr(context, "aws_request_id", None),
        api_request_id=api_request_id if isinstance(api_request_id, str) else None,
        route=f"{request.method} {request.path}",
        status=status,
        error=error.code if error else None,
        latency_ms=(time.perf_counter() - started) * 1000,
        cold_start=cold_start,
        metrics=metrics,
    )
    return response
