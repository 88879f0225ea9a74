"""boto3 clients, created once per process on first use (a cold start pays for each at most once)."""

from __future__ import annotations

from typing import Any, Literal

# Imported at load (Lambda's init phase), not inside the first request: every stored or listed review needs it.
import boto3
from botocore.config import Config

from . import deadline

#: Three attempts in all, 1 s to connect, 3 s to read (DynamoDB answers in milliseconds): a call that
#: cannot succeed fails within ~15 s, backoff included, and the client gets a 503. No attempt starts that
#: could outlast the function's timeout (``deadline``).
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=deadline.CONNECT_TIMEOUT_SECONDS,
    read_timeout=deadline.READ_TIMEOUT_SECONDS,
)

_clients: dict[str, Any] = {}


def client(service: Literal["dynamodb", "ssm", "events"]) -> Any:
    """The shared client for ``service`` (``CLIENT_CONFIG``, the request's time budget), created on first use."""
    if service not in _clients:
        # One literal per call: boto3's type stubs pick the client type from the service name.
        created: Any
        if service == "dynamodb":
            created = boto3.client("dynamodb", config=CLIENT_CONFIG)
        elif service == "ssm":
            created = boto3.client("ssm", config=CLIENT_CONFIG)
        else:
            created = boto3.client("events", config=CLIENT_CONFIG)
        deadline.watch(created)
        _clients[service] = created  # shared only once its budget checks are in place
    return _clients[service]
