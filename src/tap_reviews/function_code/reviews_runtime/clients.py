"""boto3 clients, created once per process on first use (a cold start pays for each at most once)."""

from __future__ import annotations

from typing import Any

_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """The shared client for ``service``, with bounded retries and timeouts.

    Three attempts in all and short timeouts: the answer (a 503 at worst) must come well inside API
    Gateway's 29 s.
    """
    if service not in _clients:
        import boto3
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)
        _clients[service] = boto3.client(service, config=config)
    return _clients[service]
