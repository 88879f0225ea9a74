"""One structured JSON log line per request, with CloudWatch embedded-metric-format (EMF) metrics in it.

Logged: request ids, route, status, error code, latency, cold start. Never bodies, headers or tokens.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from . import contract


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
        line[contract.METRICS_DIMENSION] = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        line["_aws"] = {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": contract.METRICS_NAMESPACE,
                    "Dimensions": [[contract.METRICS_DIMENSION]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in metrics],
                }
            ],
        }
        line.update(metrics)
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()
