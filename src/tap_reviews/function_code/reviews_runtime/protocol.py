"""API Gateway's REST proxy protocol (event format 1.0): a checked ``Request`` in, JSON answers out.

The use cases never read the raw event: ``Request.from_event`` checks every part they use, so an event a
test tool or a hand-written console event shapes differently (a body already parsed into an object, a
header that is not a string, no event at all) is answered ``400 invalid_event`` naming each field, never
a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import contract
from .errors import ApiError, Error
from .schema import MAX_BODY_BYTES

#: Response headers a cross-origin script may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "ETag, Location, Idempotent-Replayed, Retry-After, WWW-Authenticate"


@dataclass(frozen=True)
class Request:
    """One API request, as API Gateway described it.

    Attributes:
        method: The HTTP method (``POST``).
        path: The resource, as API Gateway names it (``/reviews/{review_id}``).
        headers: Header values by lower-case name (the last one when a header is repeated).
        query: Every value of each query parameter, in order.
        body: The body as sent: text (base64 when ``is_base64``), None, or JSON a test tool already parsed.
        is_base64: API Gateway base64-encoded the body (binary media types).
        context: ``requestContext``: the stage's path, request id, identity, authorizer.
        path_parameters: The values of the resource's ``{parameters}`` (``{"review_id": "01J..."}``).
        actual_path: The path the client called, without the stage (``/reviews/01J...``).
    """

    method: str = ""
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    is_base64: bool = False
    context: dict[str, Any] = field(default_factory=dict)
    path_parameters: dict[str, str] = field(default_factory=dict)
    actual_path: str = ""

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")

    @property
    def base_path(self) -> str:
        """What comes before the API's own paths in the URL the client called: the stage (``/prod``), or a
        custom domain's base path; links to the API's resources start with it."""
        called = self.context.get("path")
        if isinstance(called, str) and self.actual_path and called.endswith(self.actual_path):
            return called[: len(called) - len(self.actual_path)]
        return ""

    def link(self, path: str) -> str:
        """``path`` (``/reviews/01J...``) as the client reaches it (``/prod/reviews/01J...``)."""
        return self.base_path + path

    @classmethod
    def from_event(cls, event: object) -> Request:
        """The request an event describes; ApiError 400 ``invalid_event`` listing every field that is off."""
        if not isinstance(event, Mapping):
            raise ApiError(
                Error.INVALID_EVENT,
                "The function expects an API Gateway REST proxy event (payload format 1.0).",
                [f"event: must be an object, got {type(event).__name__}"],
            )
        problems: list[str] = []

        def text(name: str, *, required: bool = False) -> str:
            value = event.get(name)
            if isinstance(value, str):
                return value
            if value is not None or required:
                problems.append(f"{name}: must be a string")
            return ""

        def mapping(name: str, values: type) -> dict[str, Any]:
            value = event.get(name)
            if value is None:
                return {}
            if isinstance(value, Mapping) and _entries_are(value, values):
                return dict(value)
            problems.append(f"{name}: must be null or an object of {values.__name__} values")
            return {}

        method = text("httpMethod", required=True)
        path = text("resource") or text("path")
        if event.get("resource") is None and event.get("path") is None:
            problems.append("resource: must be the resource path, such as /reviews")
        single_headers = mapping("headers", str)
        multi_headers = mapping("multiValueHeaders", list)
        single_query = mapping("queryStringParameters", str)
        path_parameters = mapping("pathParameters", str)
        multi_query = mapping("multiValueQueryStringParameters", list)
        is_base64 = event.get("isBase64Encoded") or False
        if not isinstance(is_base64, bool):
            problems.append("isBase64Encoded: must be true or false")
        context = event.get("requestContext") or {}
        if not isinstance(context, Mapping):
            problems.append("requestContext: must be an object")
        if problems:
            raise ApiError(Error.INVALID_EVENT, "The event is not an API Gateway REST proxy event.", problems)
        headers = {name.lower(): values[-1] for name, values in multi_headers.items() if values}
        headers.update({name.lower(): value for name, value in single_headers.items()})
        query = {name: [value] for name, value in single_query.items()}
        query.update({name: values for name, values in multi_query.items() if values})
        actual_path = text("path") or path
        return cls(
            method,
            path,
            headers,
            query,
            event.get("body"),
            bool(is_base64),
            dict(context),
            path_parameters,
            actual_path,
        )

    def single(self, name: str) -> str | None:
        """The one value of query parameter ``name`` (None without it); ApiError 400 when it is repeated."""
        values = self.query.get(name)
        if values is None:
            return None
        if len(values) > 1:
            raise ApiError(
                Error.INVALID_QUERY,
                f"{name} is given {len(values)} times; give it once.",
                [f"{name}: given {len(values)} times"],
            )
        return values[0]

    def json_body(self) -> Any:
        """The body parsed as JSON; ApiError 400 (empty, not JSON) or 413 (over MAX_BODY_BYTES)."""
        raw = self.body
        if raw is None or raw == "":
            raise ApiError(Error.EMPTY_BODY, "The request body is empty; send a JSON object.")
        if not isinstance(raw, str):
            # A test tool's event with the body already parsed: judge it as the JSON it stands for.
            raw = json.dumps(raw)
            if self.is_base64:
                raise ApiError(Error.MALFORMED_BODY, "A base64 body must be a string.")
        if self.is_base64:
            try:
                data = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError) as error:
                raise ApiError(Error.MALFORMED_BODY, "The request body is not valid base64.") from error
        else:
            data = raw.encode("utf-8", "surrogatepass")
        if len(data) > MAX_BODY_BYTES:
            raise ApiError(Error.BODY_TOO_LARGE, f"The request body exceeds {MAX_BODY_BYTES} bytes.")
        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError) as error:
            raise ApiError(Error.MALFORMED_JSON, "The request body is not valid UTF-8 JSON.") from error


def _entries_are(mapping: Mapping[Any, Any], kind: type) -> bool:
    """Whether every key of ``mapping`` is a string and every value a ``kind`` (``list``: of strings)."""
    for key, value in mapping.items():
        if not (isinstance(key, str) and isinstance(value, kind)):
            return False
        if isinstance(value, list):
            for item in value:
                if not isinstance(item, str):
                    return False
    return True


def cors_headers(origin: str | None) -> dict[str, str]:
    """``Content-Type`` plus the CORS headers the construct's ``cors_allow_origins`` calls for."""
    allowed = [o.strip() for o in os.environ.get(contract.ENV_ALLOWED_ORIGINS, "*").split(",") if o.strip()]
    headers = {"Content-Type": "application/json"}
    if "*" in allowed:
        headers["Access-Control-Allow-Origin"] = "*"
    else:
        headers["Vary"] = "Origin"
        if origin in allowed:
            headers["Access-Control-Allow-Origin"] = origin
    if "Access-Control-Allow-Origin" in headers:
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return headers


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def respond(
    request: Request, status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A proxy-integration response with a JSON body, or none (``body`` None: 204, 304)."""
    all_headers = {**cors_headers(request.origin), **(headers or {})}
    if body is None:
        del all_headers["Content-Type"]
    return {
        "statusCode": status,
        "headers": all_headers,
        # ASCII escapes: an answer that echoes odd client input (a parameter name, say) still encodes.
        "body": "" if body is None else json.dumps(body, default=_json_default),
    }


#: Values JSON keeps as they are; a flat object of only these needs no round trip through JSON.
_JSON_SCALARS = (str, int, bool, type(None))


def plain(value: Any) -> Any:
    """``value`` with DynamoDB's Decimals as JSON numbers (for answers stored in an idempotency record)."""
    if type(value) is dict and all(type(k) is str and type(v) in _JSON_SCALARS for k, v in value.items()):
        return dict(value)  # an edit's or a decision's answer: strings only
    return json.loads(json.dumps(value, default=_json_default))


def error_response(request: Request, error: ApiError, **extra: Any) -> dict[str, Any]:
    """The JSON answer for ``error``: ``{"error": code, "message": ..., "details": [...]}``."""
    body = {"error": error.error.code, "message": error.message, "details": error.details, **extra}
    return respond(request, error.error.status, body, error.headers)
