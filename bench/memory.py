"""Benchmark 6: memory of a handler process serving 10,000 requests (20% POST, 80% GET) against DynamoDB Local.

The handler runs in a child process of its own (``python bench/memory.py --child CONFIG``) that loads
nothing but the harness and the handler from a copy of the synthesized asset. It serves a warm-up, then
the measured requests one after another, sampling /proc/self/status (VmRSS: resident now; VmHWM: the
peak) and getrusage's ru_maxrss after the warm-up and every 1,000 requests. "No growth after warm-up"
is judged as: RSS at the end minus RSS after the warm-up, at most GROWTH_TOLERANCE_KIB.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from harness import (
    Context,
    LambdaContext,
    configure_function_environment,
    copy_asset,
    create_table,
    event,
    load_handler,
    log,
    post_body,
    raw_client,
    seed_products,
    unique,
    use_endpoint,
    vm_status,
)

GROWTH_TOLERANCE_KIB = 1024
CHECKPOINT_EVERY = 1000
PRODUCTS = [f"mem-p{index:03d}" for index in range(100)]
POST_SHARE = 0.2


def _checkpoint(served: int) -> dict[str, int]:
    return {"requests": served, **vm_status(), "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def child(config_path: Path) -> None:
    config = json.loads(config_path.read_text())
    use_endpoint(config["endpoint"])
    configure_function_environment(config["environment"], config["table"])
    handler = load_handler(Path(config["asset_dir"]), config["handler"])
    context = LambdaContext()
    rng = random.Random(7)
    statuses: dict[int, int] = {}
    checkpoints = [_checkpoint(0)]

    def serve_one() -> None:
        product = rng.choice(PRODUCTS)
        if rng.random() < POST_SHARE:
            request = event("POST", post_body(product))
        else:
            request = event("GET", query={"product_id": product})
        status = handler(request, context)["statusCode"]
        statuses[status] = statuses.get(status, 0) + 1

    # stdout is /dev/null (the parent's doing): the handler's log line per request costs a write, nothing else.
    for _ in range(config["warmup"]):
        serve_one()
    checkpoints.append(_checkpoint(0) | {"after_warmup": config["warmup"]})
    started = time.perf_counter()
    for served in range(1, config["requests"] + 1):
        serve_one()
        if served % CHECKPOINT_EVERY == 0 or served == config["requests"]:
            checkpoints.append(_checkpoint(served))
    elapsed = time.perf_counter() - started
    Path(config["output"]).write_text(
        json.dumps({"checkpoints": checkpoints, "statuses": statuses, "seconds": elapsed}, indent=2)
    )


def run(ctx: Context) -> dict[str, Any]:
    requests = 1000 if ctx.quick else 10_000
    warmup = 200 if ctx.quick else 500
    client = raw_client()
    table = create_table(client, ctx.create_table, unique("memory"))
    seed_products(client, table, PRODUCTS, 10)
    asset = copy_asset(ctx.asset_dir, ctx.workdir / "memory-asset")
    config_path = ctx.workdir / "memory-config.json"
    output = ctx.workdir / "memory-result.json"
    config_path.write_text(
        json.dumps(
            {
                "endpoint": ctx.endpoint,
                "environment": ctx.environment,
                "table": table,
                "asset_dir": str(asset),
                "handler": ctx.handler,
                "warmup": warmup,
                "requests": requests,
                "output": str(output),
            }
        )
    )
    log(f"memory: child process serving {warmup} warm-up + {requests} requests")
    subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", str(config_path)],
        env=ctx.child_env(),
        stdout=subprocess.DEVNULL,
        check=True,
    )
    result = json.loads(output.read_text())
    checkpoints = result["checkpoints"]
    warm = next(point for point in checkpoints if "after_warmup" in point)
    end = checkpoints[-1]
    growth = end["VmRSS"] - warm["VmRSS"]
    client.delete_table(TableName=table)
    return {
        "requests": requests,
        "warmup": warmup,
        "statuses": result["statuses"],
        "seconds": result["seconds"],
        "checkpoints": checkpoints,
        "start_rss_kib": checkpoints[0]["VmRSS"],
        "warm_rss_kib": warm["VmRSS"],
        "end_rss_kib": end["VmRSS"],
        "peak_rss_kib": end["VmHWM"],
        "ru_maxrss_kib": end["ru_maxrss_kib"],
        "growth_kib": growth,
        "tolerance_kib": GROWTH_TOLERANCE_KIB,
        "met": growth <= GROWTH_TOLERANCE_KIB,
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
    else:
        sys.exit("usage: memory.py --child CONFIG (run.py starts it)")
