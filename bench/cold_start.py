"""Benchmark 1: cold start, the handler from the synthesized asset vs boto3 alone, one POST and one GET each.

Every run is a fresh ``python -I -B`` process (isolated: no PYTHON* variables, no user site, no script
directory on sys.path; -B: write no .pyc, like Lambda, whose /var/task is read-only). The handler arm
imports ``reviews_runtime.handler`` from a copy of the synthesized asset directory (no __pycache__, as the
zip Lambda unpacks has none, so the runtime is compiled on every cold start) and serves a POST and a GET
event. The floor (the issue's "boto3 floor") imports boto3, creates the DynamoDB client with
``boto3.client`` (same botocore Config as the handler) and makes the same calls directly:
TransactWriteItems (review Put + summary Update) and the product page's one Query (its summary and newest
20 reviews; the product has 10). The handler makes its clients from botocore's session, without importing
the boto3 package (``reviews_runtime.clients``), so a second floor does the same calls that way: the
handler's ratio to it shows what the runtime itself costs. A last arm runs the handler with the asset's
.pyc precompiled, to show how much of the difference is compiling the runtime.

Measured: the child's wall time from the parent (process start to exit, interpreter start-up included)
and the time inside the child from its first import to the last response.
"""

from __future__ import annotations

import compileall
import dataclasses
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from harness import (
    Context,
    Sample,
    copy_asset,
    create_table,
    event,
    interleaved,
    log,
    ns_to_ms,
    paired_ratios,
    post_body,
    product_query,
    raw_client,
    review_item,
    review_transaction,
    seed_products,
    spread,
    unique,
)

TARGET_RATIO = 1.10  # issue 15: cold start at most 1.10x the boto3 floor
FLOOR = "floor: boto3 direct"
BOTOCORE_FLOOR = "floor: botocore direct (no boto3 import)"
GET_PRODUCT = "cold-get"
POST_PRODUCT = "cold-post"

HANDLER_CHILD = """
import time
started = time.perf_counter_ns()
import json, sys
sys.path.insert(0, {asset!r})
from reviews_runtime.handler import handler
initialized = time.perf_counter_ns()
class Context:
    aws_request_id = "cold-start"
    def get_remaining_time_in_millis(self):
        return 28000
statuses = [handler(json.loads(event), Context())["statusCode"] for event in {events!r}]
done = time.perf_counter_ns()
result = {{"statuses": statuses, "init_ns": initialized - started, "inside_ns": done - started}}
sys.stdout.write(json.dumps(result) + "\\n")
"""

FLOOR_CHILD = """
import time
started = time.perf_counter_ns()
import json, sys
{import_line}
from botocore.config import Config
initialized = time.perf_counter_ns()
config = Config(retries={{"mode": "standard", "total_max_attempts": 3}}, connect_timeout=1, read_timeout=3)
client = {create_call}
responses = [
    client.transact_write_items(TransactItems=json.loads({transaction!r})),
    client.query(**json.loads({query!r})),
]
done = time.perf_counter_ns()
statuses = [response["ResponseMetadata"]["HTTPStatusCode"] for response in responses]
result = {{"statuses": statuses, "init_ns": initialized - started, "inside_ns": done - started}}
sys.stdout.write(json.dumps(result) + "\\n")
"""

EXPECTED = {"floor": [200, 200], "handler": [201, 200]}


def _child(ctx: Context, code: str, flags: list[str]) -> dict[str, Any]:
    started = time.perf_counter_ns()
    result = subprocess.run(
        [sys.executable, *flags, "-c", code], env=ctx.child_env(**ctx.environment), capture_output=True, text=True
    )
    wall = time.perf_counter_ns() - started
    if result.returncode != 0:
        raise RuntimeError(f"cold-start child failed: {result.stderr[-2000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    return {**measured, "wall_ns": wall}


def run(ctx: Context) -> dict[str, Any]:
    runs = 3 if ctx.quick else 12
    client = raw_client()
    table = create_table(client, ctx.create_table, unique("cold"))
    seed_products(client, table, [GET_PRODUCT], 10)
    environment = {**ctx.environment, "TABLE_NAME": table}
    ctx_env = dataclasses.replace(ctx, environment=environment)

    no_pyc = copy_asset(ctx.asset_dir, ctx.workdir / "cold-asset")
    with_pyc = copy_asset(ctx.asset_dir, ctx.workdir / "cold-asset-pyc")
    compileall.compile_dir(str(with_pyc), quiet=1)
    events = [
        json.dumps(event("POST", post_body(POST_PRODUCT))),
        json.dumps(event("GET", query={"product_id": GET_PRODUCT})),
    ]

    def handler_arm(asset: Any) -> Any:
        code = HANDLER_CHILD.format(asset=str(asset), events=events)
        return lambda: _child(ctx_env, code, ["-I", "-B"])

    def floor_arm(flags: list[str], *, botocore_only: bool = False) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        item = review_item(POST_PRODUCT, "bench-reviewer", 4, "Solid product, would buy again.", now)
        code = FLOOR_CHILD.format(
            import_line="import botocore.session" if botocore_only else "import boto3",
            create_call=(
                'botocore.session.get_session().create_client("dynamodb", config=config)'
                if botocore_only
                else 'boto3.client("dynamodb", config=config)'
            ),
            transaction=json.dumps(review_transaction(table, item)),
            query=json.dumps(product_query(table, GET_PRODUCT)),
        )
        return _child(ctx_env, code, flags)

    arms = {
        FLOOR: lambda: floor_arm(["-I", "-B"]),
        BOTOCORE_FLOOR: lambda: floor_arm(["-I", "-B"], botocore_only=True),
        "handler (asset as deployed, no .pyc)": handler_arm(no_pyc),
        "handler (asset .pyc precompiled)": handler_arm(with_pyc),
    }
    log(f"cold start: {runs} interleaved runs of each of {len(arms)} arms")
    floor_arm(["-I"])  # not counted: writes any missing .pyc of boto3/botocore in the venv, warms the file cache
    for arm in list(arms)[1:]:
        arms[arm]()  # not counted: warms the file cache
    results = interleaved(arms, runs, on_round=lambda i: log(f"cold start: round {i + 1}/{runs}"))

    bad = {
        arm: [r["statuses"] for r in rs if r["statuses"] != EXPECTED["floor" if arm.startswith("floor") else "handler"]]
        for arm, rs in results.items()
    }
    samples = {}
    for metric in ("wall_ns", "inside_ns", "init_ns"):
        for arm, rs in results.items():
            samples[f"{arm}|{metric}"] = Sample(arm, ns_to_ms([r[metric] for r in rs]), "ms")
    out: dict[str, Any] = {
        "runs": runs,
        "table": table,
        "unexpected_statuses": {arm: v for arm, v in bad.items() if v},
        "samples": {key: sample.to_json() for key, sample in samples.items()},
        "target_ratio": TARGET_RATIO,
    }
    for floor, key in ((FLOOR, "ratios"), (BOTOCORE_FLOOR, "ratios_to_botocore_floor")):
        for arm in list(arms)[1:]:
            if arm == floor:
                continue
            for metric in ("wall_ns", "inside_ns"):
                mine, base = samples[f"{arm}|{metric}"], samples[f"{floor}|{metric}"]
                out.setdefault(key, {}).setdefault(arm, {})[metric] = {
                    "ratio_of_medians": mine.median / base.median,
                    "paired": spread(paired_ratios(mine.values, base.values)),
                    "extra_ms": mine.median - base.median,
                }
    client.delete_table(TableName=table)
    return out
