"""API Gateway REST proxy events (payload format 1.0), built the way API Gateway sends them.

The one builder for ``tap-reviews local`` (each HTTP request becomes one), the tests and the benchmarks.
Absent parts are ``null`` as in API Gateway's own events (a GET has ``"body": null``), and every header
and query parameter also appears in its multi-value twin. Imports nothing from aws_cdk.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

Pairs = Mapping[str, str] | Iterable[tuple[str, str]]


def _multi(pairs: Pairs | None) -> dict[str, list[str]]:
    items = pairs.items() if isinstance(pairs, Mapping) else (pairs or ())
    multi: dict[str, list[str]] = {}
    for name, value in items:
        multi.setdefault(name, []).append(value)
    return multi


def proxy_event(
    method: str,
    path: str,
    *,
    stage: str = "prod",
    headers: Pairs | None = None,
    query: Pairs | None = None,
    body: str | None = None,
    is_base64_encoded: bool = False,
    source_ip: str = "127.0.0.1",
    authorizer: dict[str, Any] | None = None,
    identity: dict[str, Any] | None = None,
    request_id: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event API Gateway's REST proxy integration passes a function for one request.

    Args:
        method: The HTTP method, such as "POST".
        path: The resource without the stage, such as "/reviews" or "/reviews/{review_id}"; its
            ``{parameters}`` are filled in from ``path_parameters`` to make the path called.
        stage: The stage name. Default: "prod".
        headers: Request headers, as a mapping or as (name, value) pairs (repeats allowed). Default: none.
        query: Query parameters, likewise. Default: none.
        body: The body as API Gateway passes it: text, or base64 with ``is_base64_encoded``. Default: None.
        is_base64_encoded: The body is base64 (binary media). Default: False.
        source_ip: ``requestContext.identity.sourceIp``. Default: "127.0.0.1".
        authorizer: ``requestContext.authorizer`` (what an authorizer returned), or None for none.
        identity: Extra ``requestContext.identity`` fields (an IAM caller's ``caller``, ``userArn``, ...).
        request_id: ``requestContext.requestId``. Default: a new UUID.
        path_parameters: The values of the resource's ``{parameters}`` (as the client sent them, decoded).

    Returns:
        The event, as the function receives it.
    """
    multi_headers = _multi(headers)
    multi_query = _multi(query)
    called = path
    for name, value in (path_parameters or {}).items():
        called = called.replace(f"{{{name}}}", quote(value, safe=""))
    context: dict[str, Any] = {
        "resourcePath": path,
        "httpMethod": method,
        "path": f"/{stage}{called}",
        "stage": stage,
        "requestId": request_id or str(uuid.uuid4()),
        "requestTimeEpoch": int(time.time() * 1000),
        "protocol": "HTTP/1.1",
        "identity": {"sourceIp": source_ip, "caller": None, "user": None, "userArn": None, **(identity or {})},
        "domainName": "127.0.0.1",
        "apiId": "local",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": path,
        "path": called,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    }
