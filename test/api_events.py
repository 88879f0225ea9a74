"""Calling the handler in-process with realistic API Gateway events (built by tap_reviews.local.events)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tap_reviews.function_code.reviews_runtime import handler
from tap_reviews.local.events import proxy_event


def event(
    method: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    path: str = "/reviews",
    authorizer: dict[str, Any] | None = None,
    identity: dict[str, Any] | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A JSON request's event: ``Content-Type: application/json``, a body given as JSON (or raw text).

    ``path`` is the resource (``/reviews/{review_id}``), filled in from ``path_parameters``.
    """
    return proxy_event(
        method,
        path,
        headers={"Content-Type": "application/json", **(headers or {})},
        query=query,
        body=body if body is None or isinstance(body, str) else json.dumps(body),
        source_ip="203.0.113.9",
        authorizer=authorizer,
        identity=identity,
        path_parameters=path_parameters,
    )


@dataclass
class LambdaContext:
    aws_request_id: str = "lambda-request-1"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def call(
    method: str, body: Any = None, query: dict[str, str] | None = None, *, context: Any = None, **kwargs: Any
) -> Answer:
    """Invoke the handler with a realistic event (and ``context``, LambdaContext() unless given); parse its answer."""
    response = handler.handler(event(method, body, query, **kwargs), context or LambdaContext())
    if response["statusCode"] in (204, 304):
        assert response["body"] == "" and "Content-Type" not in response["headers"]
        return Answer(response["statusCode"], response["headers"], {})
    assert response["headers"]["Content-Type"] == "application/json"
    return Answer(response["statusCode"], response["headers"], json.loads(response["body"]))


def review(product_id: str = "p-1", reviewer_id: str = "r-1", rating: int = 4, **extra: Any) -> dict[str, Any]:
    return {"product_id": product_id, "reviewer_id": reviewer_id, "rating": rating, **extra}


class CountingClient:
    """A real boto3 client that records the name of every call made through it (``calls``)."""

    def __init__(self, real: Any) -> None:
        self.real, self.calls = real, []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.real, name)
