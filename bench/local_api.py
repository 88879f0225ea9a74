"""Benchmark 4: `tap-reviews local` over HTTP vs the handler in this process, same mix, same concurrency.

The server is the installed console script serving the bench app's stack (bench_app.py: stage throttling
at 10,000 requests/s, burst 10,000, so the local gateway's token bucket is not the limit), with its default
execution environments (``DEFAULT_CONCURRENCY`` worker processes, one request at a time each, as in Lambda).
It uses this run's DynamoDB Local (``--dynamodb-endpoint``), so every arm hits the same engine and the same table.

Workload: a fixed, seeded list of requests, 20% ``POST /reviews`` and 80% ``GET /reviews?product_id=P``,
over 100 products seeded with 10 reviews each, sent by 4 concurrent clients (threads). Three arms, in
rounds of rotating order:

- HTTP clients that keep their connection alive (http.client, HTTP/1.1), as SDKs and load generators do;
- HTTP clients that open a new connection per request (as curl or urllib do);
- the handler called in this process by 4 threads (the baseline).

CPU time of this process, the server and DynamoDB Local is taken around every round (from /proc), to
show where each arm's time goes on a machine with few cores. A probe then times single GETs from one
idle client, kept-alive vs new connection: latency without queueing. Afterwards every acknowledged write
(201) of every arm is read back from the table, consistently, and each product's summary count is
compared with its stored reviews.
"""

from __future__ import annotations

import functools
import http.client
import json
import random
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import (
    CLI,
    DYNAMODB_LOCAL_NPM_DIR,
    Context,
    LambdaContext,
    Sample,
    configure_function_environment,
    cpu_seconds,
    create_table,
    event,
    free_port,
    handler_logs_to_devnull,
    interleaved,
    log,
    post_body,
    raw_client,
    read_back,
    seed_products,
    spread,
)

from tap_reviews.local.environments import DEFAULT_CONCURRENCY

TARGET_RATIO = 0.9
CLIENTS = 4
POST_SHARE = 0.2
PRODUCTS = [f"local-p{index:03d}" for index in range(100)]
PROBE_REQUESTS = 20
KEEP_ALIVE = "tap-reviews local, keep-alive"
NEW_CONNECTION = "tap-reviews local, new connection per request"
IN_PROCESS = "in-process handler (threads)"

Operation = tuple[str, str]  # (method, product)
Result = tuple[float, int, str, str | None]  # (ms, status, product, review id of a 201)


def operations(count: int, seed: int) -> list[Operation]:
    rng = random.Random(seed)
    return [("POST" if rng.random() < POST_SHARE else "GET", rng.choice(PRODUCTS)) for _ in range(count)]


def _drive(
    ops: list[Operation], make_caller: Callable[[], Callable[[Operation], tuple[int, str | None]]]
) -> tuple[float, list[Result]]:
    """Send ``ops`` from CLIENTS threads; (wall seconds, one result per request)."""
    lock = threading.Lock()
    position = [0]
    results: list[Result] = []
    errors: list[BaseException] = []

    def worker() -> None:
        call = make_caller()
        mine: list[Result] = []
        try:
            while True:
                with lock:
                    index = position[0]
                    position[0] += 1
                if index >= len(ops):
                    break
                started = time.perf_counter_ns()
                status, review = call(ops[index])
                mine.append(((time.perf_counter_ns() - started) / 1e6, status, ops[index][1], review))
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"a client failed: {errors[0]!r}")
    return wall, results


def _http_caller(
    port: int, stage: str, keep_alive: bool
) -> Callable[[], Callable[[Operation], tuple[int, str | None]]]:
    """One client: a kept-alive connection (HTTP/1.1, like a load generator or SDK), or a new one per request."""

    def make() -> Callable[[Operation], tuple[int, str | None]]:
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=30) if keep_alive else None

        def call(op: Operation) -> tuple[int, str | None]:
            method, product = op
            connection = kept or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Content-Type": "application/json"}
            if not keep_alive:
                headers["Connection"] = "close"
            if method == "POST":
                body: bytes | None = json.dumps(post_body(product)).encode()
                path = f"/{stage}/reviews"
            else:
                body, path = None, f"/{stage}/reviews?product_id={product}"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if kept is None:
                connection.close()
            review = json.loads(data)["review"]["review_id"] if response.status == 201 else None
            return response.status, review

        return call

    return make


def _probe(port: int, stage: str, keep_alive: bool, count: int) -> float:
    """Median ms of ``count`` GETs from one client, one at a time (after 5 not counted): latency without queueing."""
    call = _http_caller(port, stage, keep_alive)()
    timings = []
    for index in range(count + 5):
        started = time.perf_counter_ns()
        call(("GET", PRODUCTS[index % len(PRODUCTS)]))
        if index >= 5:
            timings.append((time.perf_counter_ns() - started) / 1e6)
    return statistics.median(timings)


def _inprocess_caller(handler: Any) -> Callable[[], Callable[[Operation], tuple[int, str | None]]]:
    def make() -> Callable[[Operation], tuple[int, str | None]]:
        context = LambdaContext()

        def call(op: Operation) -> tuple[int, str | None]:
            method, product = op
            if method == "POST":
                request = event("POST", post_body(product))
            else:
                request = event("GET", query={"product_id": product})
            response = handler(request, context)
            body = json.loads(response["body"])
            status = response["statusCode"]
            return status, body["review"]["review_id"] if status == 201 else None

        return call

    return make


def _start_server(ctx: Context, log_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    stdout = open(log_dir / "local-stdout.log", "w")
    stderr = open(log_dir / "local-stderr.log", "w")
    process = subprocess.Popen(
        [
            str(CLI),
            "local",
            "--assembly",
            str(ctx.assembly_dir),
            "--stack",
            ctx.stack_name,
            "--port",
            str(port),
            "--dynamodb-endpoint",
            ctx.endpoint,
        ],
        cwd=DYNAMODB_LOCAL_NPM_DIR,
        stdout=stdout,
        stderr=stderr,
        env=ctx.child_env(),
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tap-reviews local exited: {(log_dir / 'local-stderr.log').read_text()[-2000:]}")
        if "listening on" in (log_dir / "local-stdout.log").read_text():
            return process, port
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("tap-reviews local did not start within 90 s")


def _stop_server(process: subprocess.Popen[bytes]) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # Ctrl-C: it finishes requests in flight, then exits
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def run(ctx: Context, handler: Any) -> dict[str, Any]:
    # A multiple of the 3 arms, so with rotating order each arm runs first, second and last equally often;
    # many short rounds rather than a few long ones, so the machine's drift (DynamoDB Local's JIT and
    # garbage collection, other tenants) falls on every arm alike.
    rounds = 3 if ctx.quick else 12
    per_round = 100 if ctx.quick else 400
    warmup = 40 if ctx.quick else 100
    client = raw_client()
    table = create_table(client, ctx.create_table)  # the template's own name: the server finds it existing
    seed_products(client, table, PRODUCTS, 10)
    configure_function_environment(ctx.environment, table)
    process, port = _start_server(ctx, ctx.workdir)
    arms = {
        KEEP_ALIVE: _http_caller(port, ctx.stage_name, keep_alive=True),
        NEW_CONNECTION: _http_caller(port, ctx.stage_name, keep_alive=False),
        IN_PROCESS: _inprocess_caller(handler),
    }
    names = list(arms)
    walls: dict[str, list[float]] = {name: [] for name in names}
    latencies: dict[str, list[float]] = {name: [] for name in names}
    statuses: dict[str, dict[int, int]] = {name: {} for name in names}
    acknowledged: list[tuple[str, str]] = []

    processes = {
        "this process (clients or handler)": None,
        "tap-reviews local (server and its execution environments)": process.pid,
    }
    if ctx.engine_pid:
        processes["DynamoDB Local (JVM)"] = ctx.engine_pid
    cpu: dict[str, dict[str, float]] = {name: dict.fromkeys(processes, 0.0) for name in names}

    def measured_round(name: str) -> None:
        # The server's execution environments are its child processes, started before the first round.
        before = {label: cpu_seconds(pid, children=pid == process.pid) for label, pid in processes.items()}
        wall, results = _drive(operations(per_round, seed=len(walls[name])), arms[name])
        for label, pid in processes.items():
            cpu[name][label] += cpu_seconds(pid, children=pid == process.pid) - before[label]
        walls[name].append(wall)
        for elapsed, status, product, review in results:
            latencies[name].append(elapsed)
            statuses[name][status] = statuses[name].get(status, 0) + 1
            if review:
                acknowledged.append((product, review))

    log(f"local API: {warmup} warm-up + {rounds} x {per_round} requests per arm, {CLIENTS} clients, rotating order")
    try:
        with handler_logs_to_devnull():
            for name in names:  # warm-up: connections, DynamoDB Local's JIT, first imports in the server
                _, results = _drive(operations(warmup, seed=1000 + names.index(name)), arms[name])
                acknowledged.extend((product, review) for _, status, product, review in results if review)
            interleaved(
                {name: functools.partial(measured_round, name) for name in names},
                rounds,
                on_round=lambda index: log(f"local API: round {index + 1}/{rounds}"),
            )
            probe = {
                KEEP_ALIVE: _probe(port, ctx.stage_name, keep_alive=True, count=PROBE_REQUESTS),
                NEW_CONNECTION: _probe(port, ctx.stage_name, keep_alive=False, count=PROBE_REQUESTS),
            }
    finally:
        exit_code = _stop_server(process)
    check = read_back(client, table, acknowledged)
    rates = {name: Sample(name, [per_round / wall for wall in walls[name]], "req/s") for name in names}
    overall = {name: per_round * len(walls[name]) / sum(walls[name]) for name in names}
    latency = {name: Sample(name, latencies[name], "ms") for name in names}
    client.delete_table(TableName=table)
    return {
        "rounds": rounds,
        "per_round": per_round,
        "warmup": warmup,
        "clients": CLIENTS,
        "environments": DEFAULT_CONCURRENCY,
        "post_share": POST_SHARE,
        "rate_limit": ctx.rate_limit,
        "burst_limit": ctx.burst_limit,
        "statuses": statuses,
        "rates": {name: sample.to_json() for name, sample in rates.items()},
        "overall_rate": overall,
        "latency": {name: sample.to_json() for name, sample in latency.items()},
        "ratios": {name: overall[name] / overall[IN_PROCESS] for name in (KEEP_ALIVE, NEW_CONNECTION)},
        "paired_round_ratios": {
            name: spread([a / b for a, b in zip(rates[name].values, rates[IN_PROCESS].values, strict=True)])
            for name in (KEEP_ALIVE, NEW_CONNECTION)
        },
        "probe_ms": probe,
        # CPU ms per request, by process, over the measured rounds (2 cores: 2,000 CPU ms per second at most).
        "cpu_ms_per_request": {
            name: {label: seconds * 1000 / (per_round * rounds) for label, seconds in cpu[name].items()}
            for name in names
        },
        "probe_requests": PROBE_REQUESTS,
        "read_back": check,
        "server_exit_code": exit_code,
        "target_ratio": TARGET_RATIO,
    }
