"""The CDK app the benchmarks serve: one stack, one ProductReviewsApi, stage throttling out of the way.

Run as a child process (so the benchmark processes never load aws_cdk and its jsii Node process)::

    python bench/bench_app.py OUTDIR

It synthesizes the stack into OUTDIR and writes OUTDIR/bench-context.json: what the benchmarks need from
the assembly (asset directory, handler, function environment, CreateTable request), read from the template
by the library's own reader, the one ``tap-reviews local`` uses.

The stage throttles at 10,000 requests/s with a 10,000 burst. The example app's TapStackdev (10/s, burst
20) would make the local-server rate meaningless. API Gateway's account default is 10,000/s with a 5,000
burst, but the construct refuses a burst below the rate, so the burst matches the rate here.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_DEPRECATED", "fail")

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_apigateway as apigateway  # noqa: E402

from tap_reviews import ProductReviewsApi, cloud_assembly  # noqa: E402
from tap_reviews.local import api as local_api  # noqa: E402

STACK_NAME = "BenchReviews"
RATE_LIMIT = 10000
BURST_LIMIT = 10000


def main(outdir: Path) -> None:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK_NAME)
    ProductReviewsApi(
        stack,
        "Reviews",
        environment_suffix="bench",
        removal_policy=cdk.RemovalPolicy.DESTROY,
        throttle=apigateway.ThrottleSettings(rate_limit=RATE_LIMIT, burst_limit=BURST_LIMIT),
    )
    app.synth()
    api = local_api.read(cloud_assembly.load(outdir, STACK_NAME))
    context = {
        "assembly_dir": str(outdir),
        "stack_name": STACK_NAME,
        "asset_dir": str(api.asset_dir),
        "handler": api.handler,
        "environment": api.environment,
        "create_table": api.create_table,
        "table_name": api.table_name,
        "stage_name": api.stage_name,
        "rate_limit": api.rate_limit,
        "burst_limit": api.burst_limit,
    }
    (outdir / "bench-context.json").write_text(json.dumps(context, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
