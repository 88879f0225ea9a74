"""API Gateway REST proxy events (format 1.0) as API Gateway really sends them, and a way to call the handler."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from tap_reviews.function_code.reviews_runtime import handler


def event(
    method: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    path: str = "/reviews",
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event with null body/query when absent, multi-value twins and a requestContext."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "prod",
            "path": f"/prod{path}",
            "resourcePath": path,
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.9", "caller": None, "user": None, "userArn": None},
            **({"authorizer": authorizer} if authorizer is not None else {}),
        },
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }


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
    assert response["headers"]["Content-Type"] == "application/json"
    return Answer(response["statusCode"], response["headers"], json.loads(response["body"]))


def review(product_id: str = "p-1", reviewer_id: str = "r-1", rating: int = 4, **extra: Any) -> dict[str, Any]:
    return {"product_id": product_id, "reviewer_id": reviewer_id, "rating": rating, **extra}
