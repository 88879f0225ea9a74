"""API Gateway's REST proxy protocol (event format 1.0): request headers and body in, JSON answers out."""

from __future__ import annotations

import base64
import binascii
import json
import os
from decimal import Decimal
from typing import Any

from . import contract
from .errors import ApiError, Error
from .schema import MAX_BODY_BYTES

#: Response headers a cross-origin script may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "Location, Idempotent-Replayed, Retry-After, WWW-Authenticate"


def request_headers(event: dict[str, Any]) -> dict[str, str]:
    """The request's headers with lower-case names (HTTP header names are case-insensitive)."""
    return {name.lower(): value for name, value in (event.get("headers") or {}).items()}


def cors_headers(event: dict[str, Any]) -> dict[str, str]:
    """``Content-Type`` plus the CORS headers the construct's ``cors_allow_origins`` calls for."""
    allowed = [o.strip() for o in os.environ.get(contract.ENV_ALLOWED_ORIGINS, "*").split(",") if o.strip()]
    headers = {"Content-Type": "application/json"}
    if "*" in allowed:
        headers["Access-Control-Allow-Origin"] = "*"
    else:
        headers["Vary"] = "Origin"
        origin = request_headers(event).get("origin")
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
    event: dict[str, Any], status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A proxy-integration response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {**cors_headers(event), **(headers or {})},
        # ASCII escapes: an answer that echoes odd client input (a parameter name, say) still encodes.
        "body": json.dumps(body, default=_json_default),
    }


def error_response(event: dict[str, Any], error: ApiError, **extra: Any) -> dict[str, Any]:
    """The JSON answer for ``error``: ``{"error": code, "message": ..., "details": [...]}``."""
    body = {"error": error.error.code, "message": error.message, "details": error.details, **extra}
    return respond(event, error.error.status, body, error.headers)


def json_body(event: dict[str, Any]) -> Any:
    """The request body parsed as JSON; ApiError 400 (empty, not JSON) or 413 (over MAX_BODY_BYTES)."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise ApiError(Error.EMPTY_BODY, "The request body is empty; send a JSON object.")
    if event.get("isBase64Encoded"):
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
