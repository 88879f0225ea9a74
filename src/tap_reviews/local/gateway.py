"""A local stand-in for API Gateway's REST proxy integration, driven by what the template says.

HTTP request -> API Gateway REST proxy event (format 1.0) -> the real handler from the asset directory, in
one of the function's execution environments (``environments.py``) ->
HTTP response. Like API Gateway: unknown routes get 403 "Missing Authentication Token", each method has a
token bucket of the stage's rate and burst (429 beyond it), CORS preflight is answered as configured,
bodies are checked against the method's request model when its validator checks bodies, and every answer
API Gateway gives itself uses the template's gateway response (body template, headers, status).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..function_code.reviews_runtime import validation
from .api import GatewayResponse, LocalApi
from .events import proxy_event

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
#: API Gateway's own status and message for the answers it gives itself (what the template may customize).
GATEWAY_MESSAGES = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "THROTTLED": (429, "Too Many Requests"),
    "BAD_REQUEST_BODY": (400, "Invalid request body"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    # What API Gateway answers when the function fails (an unhandled error or a malformed proxy response).
    "DEFAULT_5XX": (502, "Internal server error"),
}
#: A gateway response header copied from the request: ``method.request.header.<name>``.
REQUEST_HEADER_PREFIX = "method.request.header."


class TokenBucket:
    """API Gateway's stage throttling: ``burst`` tokens, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


@dataclass
class LambdaContext:
    """The parts of Lambda's context object the runtime reads."""

    aws_request_id: str
    #: time.monotonic() at which Lambda would stop the function (its timeout after the invocation).
    ends_at: float
    function_name: str = "local"
    memory_limit_in_mb: int = 0
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.ends_at - time.monotonic()) * 1000))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def caller_context(authorization: str, caller: str) -> dict[str, Any]:
    """What API Gateway puts in the event for a caller it authenticated, by the method's authorization type.

    A Cognito user pool authorizer passes the token's claims (``sub`` and the user name); a Lambda authorizer
    (``CUSTOM``) its ``principalId``; IAM the signing identity (an IAM user here). Keys are ``authorizer`` and
    ``identity``, merged into ``requestContext``.
    """
    if authorization == "COGNITO_USER_POOLS":
        return {"authorizer": {"claims": {"sub": caller, "cognito:username": caller}}}
    if authorization == "CUSTOM":
        return {"authorizer": {"principalId": caller, "integrationLatency": 0}}
    return {"identity": {"caller": caller, "user": caller, "userArn": f"arn:aws:iam::000000000000:user/{caller}"}}


class LocalGateway:
    """Routes one request the way API Gateway would, then invokes the handler.

    ``caller`` stands in for the caller an authorizer or IAM would authenticate (nothing is verified
    locally); without it those methods answer 401. ``throttle`` off lifts the stage's token bucket.
    """

    def __init__(
        self,
        api: LocalApi,
        handler: Handler,
        openapi: dict[str, Any],
        *,
        caller: str | None = None,
        throttle: bool = True,
    ) -> None:
        self.api = api
        self.handler = handler
        self.openapi = openapi
        self.caller = caller
        self.throttle = throttle
        # API Gateway applies the stage's limits to each method on its own: one bucket per (path, method).
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self._buckets_lock = threading.Lock()

    def _bucket(self, path: str, method: str) -> TokenBucket:
        with self._buckets_lock:
            if (path, method) not in self.buckets:
                self.buckets[(path, method)] = TokenBucket(self.api.rate_limit, self.api.burst_limit)
            return self.buckets[(path, method)]

    def gateway_answer(self, response_type: str, request_headers: dict[str, str]) -> Answer:
        """API Gateway's own answer, with the template's customization (falling back to DEFAULT_4XX/5XX).

        ``request_headers`` (lower-case names) feed the response headers the template maps from the request.
        """
        status, message = GATEWAY_MESSAGES[response_type]
        family = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        custom = self.api.gateway_responses.get(response_type) or self.api.gateway_responses.get(family)
        custom = custom or GatewayResponse(status=None, headers={}, template=None)
        body = json.dumps({"message": message})
        if custom.template:
            body = custom.template.replace("$context.error.messageString", json.dumps(message)).replace(
                "$context.error.responseType", response_type
            )
        headers = {"Content-Type": "application/json"}
        for name, value in custom.headers.items():
            if value.startswith(REQUEST_HEADER_PREFIX):
                copied = request_headers.get(value.removeprefix(REQUEST_HEADER_PREFIX).lower())
                if copied is not None:
                    headers[name] = copied
            else:
                headers[name] = value.strip("'")
        return Answer(custom.status or status, headers, body.encode())

    def handle(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str) -> Answer:
        url = urlsplit(raw_path)
        if method == "GET" and url.path == "/openapi.json":
            return Answer(200, {"Content-Type": "application/json"}, json.dumps(self.openapi, indent=2).encode())
        lower = {name.lower(): value for name, value in headers}
        stage_prefix = f"/{self.api.stage_name}"
        called = url.path[len(stage_prefix) :] if url.path.startswith(stage_prefix + "/") else None
        matched = match_resource(self.api.paths, called) if called is not None else None
        path, parameters = matched if matched is not None else (None, {})
        preflight = method == "OPTIONS" and path in self.api.preflights
        route = self.api.routes.get((path or "", method))
        if path is None or not (preflight or route):
            return self.gateway_answer("MISSING_AUTHENTICATION_TOKEN", lower)
        if self.throttle and not self._bucket(path, method).take():
            return self.gateway_answer("THROTTLED", lower)
        if route is None:  # the preflight, which the check above let through
            return self._preflight(path, lower)
        authenticated: dict[str, Any] = {}
        if route.authorization != "NONE":
            if self.caller is None:
                # Unsigned, API Gateway answers an IAM method as it answers an unknown one; an authorizer, 401.
                unsigned = "MISSING_AUTHENTICATION_TOKEN" if route.authorization == "AWS_IAM" else "UNAUTHORIZED"
                return self.gateway_answer(unsigned, lower)
            authenticated = caller_context(route.authorization, self.caller)
        if route.body_schema is not None and not _body_matches(route.body_schema, body):
            return self.gateway_answer("BAD_REQUEST_BODY", lower)
        event = self._event(method, path, parameters, url.query, headers, body, source_ip)
        event["requestContext"]["identity"].update(authenticated.get("identity", {}))
        if "authorizer" in authenticated:
            event["requestContext"]["authorizer"] = authenticated["authorizer"]
        context = LambdaContext(aws_request_id=str(uuid.uuid4()), ends_at=time.monotonic() + self.api.timeout_seconds)
        response = self.handler(event, context)
        return _from_proxy_response(response)

    def _preflight(self, path: str, headers: dict[str, str]) -> Answer:
        preflight = self.api.preflights[path]
        answer_headers = dict(preflight.headers)
        origin = headers.get("origin")
        if origin in preflight.echoed_origins:
            answer_headers["Access-Control-Allow-Origin"] = origin
        return Answer(204, answer_headers, b"")

    def _event(
        self,
        method: str,
        path: str,
        parameters: dict[str, str],
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
    ) -> dict[str, Any]:
        try:
            text: str | None = body.decode("utf-8") if body else None
            encoded = False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode("ascii"), True
        return proxy_event(
            method,
            path,
            stage=self.api.stage_name,
            headers=headers,
            query=parse_qsl(query, keep_blank_values=True),
            body=text,
            is_base64_encoded=encoded,
            source_ip=source_ip,
            path_parameters=parameters or None,
        )


def match_resource(resources: set[str], called: str) -> tuple[str, dict[str, str]] | None:
    """The resource (``/reviews/{review_id}``) that serves the path called (``/reviews/01J...``) and its path
    parameters (URL-decoded): segment by segment, a ``{name}`` matching one non-empty segment; a resource
    with more literal segments wins (``/moderation/queue`` over ``/moderation/{name}``). None: no resource."""
    segments = called.split("/")
    best: tuple[int, str, dict[str, str]] | None = None
    for resource in resources:
        parts = resource.split("/")
        if len(parts) != len(segments):
            continue
        parameters: dict[str, str] = {}
        literals = 0
        for part, segment in zip(parts, segments, strict=True):
            if part.startswith("{") and part.endswith("}") and segment:
                parameters[part[1:-1]] = unquote(segment)
            elif part == segment:
                literals += 1
            else:
                break
        else:
            if best is None or literals > best[0]:
                best = (literals, resource, parameters)
    return None if best is None else (best[1], best[2])


def _body_matches(schema: dict[str, Any], body: bytes) -> bool:
    try:
        payload = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    try:
        return not validation.problems(schema, payload)
    except validation.UnsupportedSchemaError:
        return True  # a keyword this validator lacks: let the function decide, as it would anyway


def _from_proxy_response(response: dict[str, Any]) -> Answer:
    headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[str(name)] = ", ".join(str(v) for v in values)
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode("utf-8")
    return Answer(int(response.get("statusCode", 200)), headers, data)
