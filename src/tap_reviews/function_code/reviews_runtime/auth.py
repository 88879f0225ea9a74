"""Who may write: the bearer token kept in SSM, and the principal an API Gateway authorizer vouches for."""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

from . import clients, contract
from .errors import ApiError, Error

TOKEN_CACHE_SECONDS = contract.WRITE_TOKEN_CACHE_SECONDS
#: A wrong token re-reads SSM at most this often, so a just-rotated token works at once but a flood of
#: bad tokens cannot turn into a flood of SSM calls.
TOKEN_REFRESH_ON_MISMATCH_SECONDS = 30

_cached_token: str | None = None
_fetched_at = 0.0


def write_token_parameter() -> str | None:
    """Name of the SSM SecureString holding the write token, or None when writes are open."""
    return os.environ.get(contract.ENV_WRITE_TOKEN_PARAMETER) or None


def _fetch_token(parameter_name: str) -> str:
    global _cached_token, _fetched_at
    response = clients.client("ssm").get_parameter(Name=parameter_name, WithDecryption=True)
    _cached_token = response["Parameter"]["Value"]
    _fetched_at = time.monotonic()
    return _cached_token


def _token(parameter_name: str, *, max_age: float) -> str:
    if _cached_token is None or time.monotonic() - _fetched_at >= max_age:
        return _fetch_token(parameter_name)
    return _cached_token


def require_write_token(headers: dict[str, str], parameter_name: str) -> None:
    """Pass when ``Authorization: Bearer <token>`` holds the SSM token; ApiError 401 otherwise.

    The comparison takes the same time however much of the token matches. Neither token is logged.
    """
    scheme, _, given = headers.get("authorization", "").strip().partition(" ")
    presented = given.strip().encode("utf-8", "surrogatepass")
    if scheme.lower() == "bearer" and presented:
        if hmac.compare_digest(presented, _token(parameter_name, max_age=TOKEN_CACHE_SECONDS).encode("utf-8")):
            return
        fresh = _token(parameter_name, max_age=TOKEN_REFRESH_ON_MISMATCH_SECONDS)
        if hmac.compare_digest(presented, fresh.encode("utf-8")):
            return
    raise ApiError(
        Error.UNAUTHORIZED,
        "POST /reviews needs 'Authorization: Bearer <token>' with the API's write token.",
        headers={"WWW-Authenticate": 'Bearer realm="reviews"'},
    )


def principal(context: dict[str, Any]) -> str | None:
    """The individual an API Gateway authorizer or IAM vouched for (``requestContext``), or None when anonymous.

    In this order, the first one present:

    - a Cognito user pool authorizer: the token's ``sub`` claim (``authorizer.claims.sub``);
    - a Lambda authorizer: the ``principalId`` it returned (``authorizer.principalId``);
    - IAM with Cognito identity pool credentials: the user's identity id (``identity.cognitoIdentityId``). The
      IAM caller is then the pool's role, the same for every user, so it cannot be the reviewer;
    - IAM otherwise: the signer's principal id (``identity.caller``): an IAM user's unique id (``AIDA...``) or
      a role session (``AROA...:session-name``).
    """
    authorizer = _mapping(context.get("authorizer"))
    identity = _mapping(context.get("identity"))
    candidates = (
        _mapping(authorizer.get("claims")).get("sub"),
        authorizer.get("principalId"),
        identity.get("cognitoIdentityId"),
        identity.get("caller"),
    )
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def _mapping(value: Any) -> dict[str, Any]:
    # Authorizer contexts are whatever the authorizer returned: trust their shape no more than a body.
    return value if isinstance(value, dict) else {}
