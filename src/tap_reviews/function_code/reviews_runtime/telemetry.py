"""One structured JSON log line per request, with CloudWatch embedded-metric-format (EMF) metrics in it.

Logged: request ids, route, status, error code, latency, cold start. Never bodies, headers or tokens.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextvars import ContextVar
from typing import Any

from . import contract

#: Metrics the request's use case counted (``count``), written with its log line.
_counted: ContextVar[dict[str, int] | None] = ContextVar("reviews_request_metrics", default=None)


def start() -> None:
    """Begin counting the request's metrics."""
    _counted.set({})


def count(name: str, value: int = 1) -> None:
    """Add ``value`` to metric ``name`` for this request (dropped outside a request)."""
    counted = _counted.get()
    if counted is not None:
        counted[name] = counted.get(name, 0) + value


def counted() -> dict[str, int]:
    """The metrics counted since ``start``, and stop counting."""
    found = _counted.get() or {}
    _counted.set(None)
    return found


def _emf(metrics: dict[str, int], units: dict[str, str]) -> dict[str, Any]:
    """The embedded-metric-format part of a log line for ``metrics``."""
    return {
        contract.METRICS_DIMENSION: os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"),
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": contract.METRICS_NAMESPACE,
                    "Dimensions": [[contract.METRICS_DIMENSION]],
                    "Metrics": [{"Name": name, "Unit": units.get(name, "Count")} for name in metrics],
                }
            ],
        },
        **metrics,
    }


def log_metrics(message: str, metrics: dict[str, int], *, units: dict[str, str] | None = None) -> None:
    """Write a log line carrying ``metrics`` (a scheduled measurement, say)."""
    line = {"level": "INFO", "message": message, **_emf(metrics, units or {})}
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log_request(
    *,
    request_id: str | None,
    api_request_id: str | None,
    route: str,
    status: int,
    error: str | None,
    latency_ms: float,
    cold_start: bool,
    metrics: dict[str, int],
) -> None:
    """Write the request's log line to stdout (Lambda sends it to the function's log group)."""
    line: dict[str, Any] = {
        "level": "ERROR" if status >= 500 else "INFO",
        "message": "request",
        "request_id": request_id,
        "api_request_id": api_request_id,
        "route": route,
        "status": status,
        "error": error,
        "latency_ms": round(latency_ms, 2),
        "cold_start": cold_start,
        "environment": os.environ.get(contract.ENV_ENVIRONMENT_SUFFIX),
    }
    if metrics:
        line.update(_emf(metrics, {}))
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()
