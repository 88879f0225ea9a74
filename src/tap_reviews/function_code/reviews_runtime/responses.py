"""HTTP plumbing for API Gateway's proxy integration: request headers and body in, JSON answers out."""

from __future__ import annotations

import base64
import binascii
import json
import os
from decimal import Decimal
from typing import Any

from . import contract
from .schema import MAX_BODY_BYTES

#: Response headers a cross-origin script may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "Location, Idempotent-Replayed, Retry-After, WWW-Authenticate"


class ApiError(Exception):
    """A client error, answered with its status and a JSON error body.

    Args:
        status: HTTP status code.
        code: Machine-readable error code (the body's ``error``).
        message: What went wrong, for a human.
        details: Every individual problem, e.g. one entry per invalid field.
        headers: Extra response headers (``WWW-Authenticate`` on a 401, say).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


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


def error_response(
    event: dict[str, Any],
    status: int,
    code: str,
    message: str,
    details: list[str] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A JSON error answer: ``{"error": code, "message": ..., "details": [...]}``."""
    return respond(event, status, {"error": code, "message": message, "details": details or [], **extra}, headers)


def json_body(event: dict[str, Any]) -> Any:
    """The request body parsed as JSON; ApiError 400 (empty, not JSON) or 413 (over MAX_BODY_BYTES)."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise ApiError(400, "empty_body", "The request body is empty; send a JSON object.")
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ApiError(400, "malformed_body", "The request body is not valid base64.") from error
    else:
        data = raw.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large", f"The request body exceeds {MAX_BODY_BYTES} bytes.")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "malformed_json", "The request body is not valid UTF-8 JSON.") from error
