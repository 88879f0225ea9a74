"""A local stand-in for API Gateway's REST proxy integration, driven by what the template says.

HTTP request -> API Gateway REST proxy event (format 1.0) -> the real handler from the asset directory ->
HTTP response. Like API Gateway: unknown routes get 403 "Missing Authentication Token", requests beyond
the stage's rate and burst get 429, CORS preflight is answered as configured, and bodies are checked
against the method's request model before the function sees them.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..function_code.reviews_runtime import validation
from .api import GatewayResponse, LocalApi
from .events import proxy_event

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
#: API Gateway's own bodies for the answers it gives itself.
GATEWAY_MESSAGES = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "THROTTLED": (429, "Too Many Requests"),
    "BAD_REQUEST_BODY": (400, "Invalid request body"),
    "UNAUTHORIZED": (401, "Unauthorized"),
}


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


def load_handler(api: LocalApi) -> Handler:
    """Import the handler from the asset directory, the code the function would run."""
    sys.path.insert(0, str(api.asset_dir))
    module_name, _, function_name = api.handler.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module_name), function_name)
    return handler


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
        self.bucket = TokenBucket(api.rate_limit, api.burst_limit) if throttle else None

    def gateway_answer(self, response_type: str, message: str | None = None) -> Answer:
        """API Gateway's own answer, with the template's customization (falling back to DEFAULT_4XX/5XX)."""
        status, default_message = GATEWAY_MESSAGES[response_type]
        message = message or default_message
        family = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        custom = self.api.gateway_responses.get(response_type) or self.api.gateway_responses.get(family)
        custom = custom or GatewayResponse(status=None, headers={}, template=None)
        body = json.dumps({"message": message})
        if custom.template:
            body = custom.template.replace("$context.error.messageString", json.dumps(message))
        headers = {"Content-Type": "application/json", **custom.headers}
        return Answer(custom.status or status, headers, body.encode())

    def handle(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str) -> Answer:
        url = urlsplit(raw_path)
        if method == "GET" and url.path == "/openapi.json":
            return Answer(200, {"Content-Type": "application/json"}, json.dumps(self.openapi, indent=2).encode())
        stage_prefix = f"/{self.api.stage_name}"
        path = url.path[len(stage_prefix) :] if url.path.startswith(stage_prefix + "/") else None
        if path is None or path not in self.api.paths:
            return self.gateway_answer("MISSING_AUTHENTICATION_TOKEN")
        if self.bucket is not None and not self.bucket.take():
            return self.gateway_answer("THROTTLED")
        if method == "OPTIONS" and path in self.api.preflights:
            return self._preflight(path, dict(headers))
        route = self.api.routes.get((path, method))
        if route is None:
            return self.gateway_answer("MISSING_AUTHENTICATION_TOKEN")
        authenticated: dict[str, Any] = {}
        if route.authorization != "NONE":
            if self.caller is None:
                return self.gateway_answer("UNAUTHORIZED")
            authenticated = caller_context(route.authorization, self.caller)
        if route.body_schema is not None and not _body_matches(route.body_schema, body):
            return self.gateway_answer("BAD_REQUEST_BODY")
        event = self._event(method, path, url.query, headers, body, source_ip)
        event["requestContext"]["identity"].update(authenticated.get("identity", {}))
        if "authorizer" in authenticated:
            event["requestContext"]["authorizer"] = authenticated["authorizer"]
        context = LambdaContext(aws_request_id=str(uuid.uuid4()), ends_at=time.monotonic() + self.api.timeout_seconds)
        response = self.handler(event, context)
        return _from_proxy_response(response)

    def _preflight(self, path: str, headers: dict[str, str]) -> Answer:
        preflight = self.api.preflights[path]
        answer_headers = dict(preflight.headers)
        origin = {k.lower(): v for k, v in headers.items()}.get("origin")
        if origin in preflight.echoed_origins:
            answer_headers["Access-Control-Allow-Origin"] = origin
        return Answer(204, answer_headers, b"")

    def _event(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
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
        )


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
