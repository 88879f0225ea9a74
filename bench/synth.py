"""Benchmark 3: synthesizing a stack with one ProductReviewsApi vs an empty stack (the jsii floor).

Each run is a fresh ``python -I`` process, so Python start-up, importing aws_cdk and starting jsii's Node
kernel count; the two kinds of run alternate. Reported: the child's wall time (from the parent, start to
exit) and the time inside the child from its first import to the end of ``app.synth()``.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import time
from typing import Any

from harness import JSII_ENV, Context, Sample, interleaved, log, ns_to_ms, paired_ratios, ratio, spread

CHILD = """
import time
started = time.perf_counter_ns()
import aws_cdk as cdk
{import_construct}
app = cdk.App(outdir={outdir!r})
stack = cdk.Stack(app, "Bench")
{construct}
app.synth()
import json, sys
sys.stdout.write(json.dumps({{"inside_ns": time.perf_counter_ns() - started}}) + "\\n")
"""

ARMS = {
    "empty stack": ("", ""),
    "ProductReviewsApi": ("from tap_reviews import ProductReviewsApi", 'ProductReviewsApi(stack, "Reviews")'),
}


def _one_run(ctx: Context, arm: str, counter: list[int]) -> dict[str, int]:
    counter[0] += 1
    outdir = ctx.workdir / f"synth-{counter[0]}"
    import_construct, construct = ARMS[arm]
    code = CHILD.format(import_construct=import_construct, construct=construct, outdir=str(outdir))
    started = time.perf_counter_ns()
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], env=ctx.child_env(**JSII_ENV), capture_output=True, text=True
    )
    wall = time.perf_counter_ns() - started
    shutil.rmtree(outdir, ignore_errors=True)
    if result.returncode != 0:
        raise RuntimeError(f"synth ({arm}) failed: {result.stderr[-2000:]}")
    inside = json.loads(result.stdout.strip().splitlines()[-1])["inside_ns"]
    return {"wall_ns": wall, "inside_ns": inside}


def run(ctx: Context) -> dict[str, Any]:
    runs = 2 if ctx.quick else 5
    counter = [0]
    log(f"synth: {runs} interleaved runs of each arm, fresh processes")
    for arm in ARMS:  # not counted: warm the file cache (jsii bundles, site-packages, function code)
        _one_run(ctx, arm, counter)
    results = interleaved(
        {arm: functools.partial(_one_run, ctx, arm, counter) for arm in ARMS},
        runs,
        on_round=lambda i: log(f"synth: round {i + 1}/{runs}"),
    )
    samples = {}
    for metric in ("wall_ns", "inside_ns"):
        for arm in ARMS:
            samples[f"{arm}|{metric}"] = Sample(arm, ns_to_ms([r[metric] for r in results[arm]]), "ms")
    out: dict[str, Any] = {"runs": runs, "samples": {k: s.to_json() for k, s in samples.items()}}
    for metric in ("wall_ns", "inside_ns"):
        api, empty = samples[f"ProductReviewsApi|{metric}"], samples[f"empty stack|{metric}"]
        pairs = paired_ratios(api.values, empty.values)
        out[f"ratio_{metric}"] = ratio(api.median, empty.median)
        out[f"paired_{metric}"] = spread(pairs)
        out[f"extra_ms_{metric}"] = api.median - empty.median
    return out
