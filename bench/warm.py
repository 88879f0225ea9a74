"""Benchmark 2: warm latency of the handler in this process vs the raw boto3 calls doing the same storage work.

Arms, one call each per round in a freshly shuffled order, so drift of the machine cancels:

- ``POST handler``: a POST event (no Idempotency-Key) through the handler: validation, id, one
  TransactWriteItems (review Put + summary Update), response, log line;
- ``POST raw TransactWriteItems``: that transaction with boto3 (same client config);
- ``POST raw put_item``: the review alone, to show what the summary transaction costs;
- ``GET handler``: ``GET /reviews?product_id=P`` of a product with 10 reviews: the first page, one Query
  that reads the summary with the reviews;
- ``GET raw Query``: that Query with boto3;
- ``SUMMARIES handler``: ``GET /summaries`` of a category page, 24 products (20 with reviews, 4 without);
- ``SUMMARIES raw BatchGetItem``: one BatchGetItem of the same 24 summary keys, same projection;
- ``GET Query, handler's client`` and ``SUMMARIES BatchGetItem, handler's client``: the same two calls
  through the runtime's own DynamoDB client, which takes item reads' JSON as it is instead of walking it
  through botocore's model (``reviews_runtime.clients``). Not targets: the handler's ratio to them is what
  its own code costs, the raw arms' ratio to them what that parsing saves.

The handler is imported from a copy of the synthesized asset, runs against its own table made from the
template's definition, and writes its per-request log line to /dev/null (the write is still paid).

Afterwards, as a diagnostic, the handler runs with its DynamoDB client stubbed (canned responses that
DynamoDB Local gave for the same calls): the time it spends outside botocore, i.e. what it adds per call.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from harness import (
    Context,
    LambdaContext,
    Sample,
    configure_function_environment,
    copy_asset,
    create_table,
    event,
    handler_logs_to_devnull,
    load_handler,
    log,
    post_body,
    product_query,
    raw_client,
    review_item,
    review_transaction,
    seed_products,
    unique,
)

from tap_reviews.function_code.reviews_runtime.contract import SUMMARY_SORT_KEY
from tap_reviews.function_code.reviews_runtime.store import SUMMARY_PROJECTION

TARGET_RATIO = 1.10
GET_PRODUCT = "warm-get"
PRODUCTS = 50  # POSTs rotate over this many products per arm
#: A category page: 24 products, 20 of them reviewed (the other 4 answer zeros).
CATEGORY = [f"warm-category-{index:02d}" for index in range(24)]
#: The diagnostic arms: the reads through the runtime's own client, and the raw boto3 arms they compare to.
OWN_CLIENT_ARMS = {"GET": "GET Query, handler's client", "SUMMARIES": "SUMMARIES BatchGetItem, handler's client"}
RAW_ARMS = {"GET": "GET raw Query", "SUMMARIES": "SUMMARIES raw BatchGetItem"}


def run(ctx: Context, handler: Any | None = None) -> dict[str, Any]:
    calls = 100 if ctx.quick else 600
    warmup = 20 if ctx.quick else 100
    client = raw_client()
    table = create_table(client, ctx.create_table, unique("warm"))
    seed_products(client, table, [GET_PRODUCT], 10)
    seed_products(client, table, CATEGORY[:20], 3)
    configure_function_environment(ctx.environment, table)
    if handler is None:
        handler = load_handler(copy_asset(ctx.asset_dir, ctx.workdir / "inprocess-asset"), ctx.handler)
    lambda_context = LambdaContext()
    counters = {"POST handler": 0, "POST raw TransactWriteItems": 0, "POST raw put_item": 0}
    statuses: dict[str, dict[int, int]] = {}

    def product(arm: str, prefix: str) -> str:
        counters[arm] += 1
        return f"{prefix}-{counters[arm] % PRODUCTS}"

    def now() -> str:
        return datetime.now(UTC).isoformat(timespec="milliseconds")

    # Each arm builds its input untimed and returns (elapsed ns, status).
    def post_handler() -> tuple[int, int]:
        request = event("POST", post_body(product("POST handler", "warm-h")))
        started = time.perf_counter_ns()
        response = handler(request, lambda_context)
        return time.perf_counter_ns() - started, response["statusCode"]

    def post_raw() -> tuple[int, int]:
        items = review_transaction(
            table,
            review_item(
                product("POST raw TransactWriteItems", "warm-r"),
                "bench-reviewer",
                4,
                "Solid product, would buy again.",
                now(),
            ),
        )
        started = time.perf_counter_ns()
        response = client.transact_write_items(TransactItems=items)
        return time.perf_counter_ns() - started, response["ResponseMetadata"]["HTTPStatusCode"]

    def post_put() -> tuple[int, int]:
        item = review_item(
            product("POST raw put_item", "warm-p"), "bench-reviewer", 4, "Solid product, would buy again.", now()
        )
        started = time.perf_counter_ns()
        response = client.put_item(TableName=table, Item=item)
        return time.perf_counter_ns() - started, response["ResponseMetadata"]["HTTPStatusCode"]

    def get_handler() -> tuple[int, int]:
        request = event("GET", query={"product_id": GET_PRODUCT})
        started = time.perf_counter_ns()
        response = handler(request, lambda_context)
        return time.perf_counter_ns() - started, response["statusCode"]

    query = product_query(table, GET_PRODUCT)

    def get_raw(through: Callable[[], Any] = lambda: client) -> tuple[int, int]:
        reader = through()
        started = time.perf_counter_ns()
        page = reader.query(**query)
        elapsed = time.perf_counter_ns() - started
        assert len(page["Items"]) == 11 and page["Items"][0]["review_id"]["S"] == SUMMARY_SORT_KEY
        return elapsed, page["ResponseMetadata"]["HTTPStatusCode"]

    def summaries_handler() -> tuple[int, int]:
        request = event("GET", query={"product_ids": ",".join(CATEGORY)}, path="/summaries")
        started = time.perf_counter_ns()
        response = handler(request, lambda_context)
        return time.perf_counter_ns() - started, response["statusCode"]

    summary_keys = {
        table: {
            "Keys": [{"product_id": {"S": product}, "review_id": {"S": SUMMARY_SORT_KEY}} for product in CATEGORY],
            "ProjectionExpression": "#product, " + SUMMARY_PROJECTION,
            "ExpressionAttributeNames": {"#product": "product_id"},
        }
    }

    def summaries_raw(through: Callable[[], Any] = lambda: client) -> tuple[int, int]:
        reader = through()
        started = time.perf_counter_ns()
        answer = reader.batch_get_item(RequestItems=summary_keys)
        elapsed = time.perf_counter_ns() - started
        assert len(answer["Responses"][table]) == 20 and not answer.get("UnprocessedKeys")
        return elapsed, answer["ResponseMetadata"]["HTTPStatusCode"]

    clients = sys.modules[handler.__module__.rpartition(".")[0] + ".clients"]

    def handlers_client() -> Any:
        return clients.client("dynamodb")

    arms = {
        "POST handler": post_handler,
        "POST raw TransactWriteItems": post_raw,
        "POST raw put_item": post_put,
        "GET handler": get_handler,
        "GET raw Query": get_raw,
        "SUMMARIES handler": summaries_handler,
        "SUMMARIES raw BatchGetItem": summaries_raw,
        OWN_CLIENT_ARMS["GET"]: lambda: get_raw(handlers_client),
        OWN_CLIENT_ARMS["SUMMARIES"]: lambda: summaries_raw(handlers_client),
    }
    names = list(arms)
    timings: dict[str, list[float]] = {name: [] for name in names}
    order = random.Random(2)
    log(
        f"warm: {warmup} warm-up + {calls} measured calls per arm, {len(arms)} arms, "
        "one call each per round in shuffled order"
    )
    with handler_logs_to_devnull():
        for index in range(warmup + calls):
            # Shuffled, not rotated: a rotation keeps every arm behind the same neighbour, and what DynamoDB
            # Local did just before (a transaction, a query) colours the next call.
            for name in order.sample(names, len(names)):
                elapsed, status = arms[name]()
                statuses.setdefault(name, {}).setdefault(status, 0)
                statuses[name][status] += 1
                if index >= warmup:
                    timings[name].append(elapsed / 1e6)
    samples = {name: Sample(name, values, "ms") for name, values in timings.items()}
    own = _handler_own_work(handler, table, client, calls)
    ratios = {
        "POST": samples["POST handler"].median / samples["POST raw TransactWriteItems"].median,
        "GET": samples["GET handler"].median / samples["GET raw Query"].median,
        "SUMMARIES": samples["SUMMARIES handler"].median / samples["SUMMARIES raw BatchGetItem"].median,
        "summary_transaction_vs_put": samples["POST raw TransactWriteItems"].median
        / samples["POST raw put_item"].median,
    }
    # Not targets: the handler over the same call through its own client, and that client over boto3's.
    own_client = {
        method: {
            "arm": arm,
            "raw_arm": RAW_ARMS[method],
            "handler_ratio": samples[f"{method} handler"].median / samples[arm].median,
            "raw_ratio": samples[RAW_ARMS[method]].median / samples[arm].median,
        }
        for method, arm in OWN_CLIENT_ARMS.items()
    }
    ratios_p95 = {
        "POST": samples["POST handler"].p(95) / samples["POST raw TransactWriteItems"].p(95),
        "GET": samples["GET handler"].p(95) / samples["GET raw Query"].p(95),
    }
    client.delete_table(TableName=table)
    return {
        "calls": calls,
        "warmup": warmup,
        "statuses": statuses,
        "samples": {name: sample.to_json() for name, sample in samples.items()},
        "ratios_p50": ratios,
        "ratios_p95": ratios_p95,
        "extra_ms_p50": {
            "POST": samples["POST handler"].median - samples["POST raw TransactWriteItems"].median,
            "GET": samples["GET handler"].median - samples["GET raw Query"].median,
            "SUMMARIES": samples["SUMMARIES handler"].median - samples["SUMMARIES raw BatchGetItem"].median,
        },
        "handler_own_work_us": own,
        "own_client": own_client,
        "target_ratio": TARGET_RATIO,
    }


class _StubDynamoDB:
    """Answers the handler's two calls at once with responses DynamoDB Local gave (same items, same size)."""

    def __init__(self, transaction: dict[str, Any], page: dict[str, Any]) -> None:
        self._transaction, self._page = transaction, page

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        return self._transaction

    def query(self, **_: Any) -> dict[str, Any]:
        return self._page


def _handler_own_work(handler: Any, table: str, client: Any, calls: int) -> dict[str, float]:
    """Median microseconds the handler spends outside botocore (DynamoDB client stubbed): what it adds per call."""
    clients = sys.modules[handler.__module__.rpartition(".")[0] + ".clients"]
    real = clients.client("dynamodb")
    item = review_item(
        "warm-stub", "bench-reviewer", 4, "Solid product, would buy again.", "2026-01-01T00:00:00.000+00:00"
    )
    stub = _StubDynamoDB(
        client.transact_write_items(TransactItems=review_transaction(table, item)),
        client.query(**product_query(table, GET_PRODUCT)),
    )
    context = LambdaContext()
    medians = {}
    clients._clients["dynamodb"] = stub
    try:
        with handler_logs_to_devnull():
            requests: list[tuple[str, Callable[[], dict[str, Any]]]] = [
                ("POST", lambda: event("POST", post_body("warm-stub"))),
                ("GET", lambda: event("GET", query={"product_id": GET_PRODUCT})),
            ]
            for method, make in requests:
                timings = []
                for index in range(calls + 50):
                    request = make()
                    started = time.perf_counter_ns()
                    response = handler(request, context)
                    elapsed = time.perf_counter_ns() - started
                    assert response["statusCode"] in (200, 201), response
                    if index >= 50:
                        timings.append(elapsed / 1000)
                medians[method] = statistics.median(timings)
    finally:
        clients._clients["dynamodb"] = real
    return medians
