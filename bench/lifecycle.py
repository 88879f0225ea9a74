"""Benchmark 7: the lifecycle's writes, each one DynamoDB transaction, the handler vs raw boto3 of the same items.

Arms in pairs, one call each per round in a freshly shuffled order (as benchmark 2):

- ``edit``: ``PATCH /reviews/{id}`` (rating, at ``If-Match``) vs ``TransactWriteItems`` of the same two
  items (the review's conditional Update, the summary's Update);
- ``delete``: ``DELETE /reviews/{id}`` at ``If-Match`` vs the same four items (review Delete with its
  condition, locator and marker Deletes, summary Update);
- ``decision``: ``POST /moderation/reviews/{id}/decision`` (publish or reject, alternating) at ``If-Match``
  vs the same two items;
- ``report``: ``POST /reviews/{id}/reports`` by a new reporter vs the same two calls (the locator's GetItem,
  the review's UpdateItem): a report is no transaction.

The raw arms' items are built, untimed, by the runtime's own item builders (imported from the same asset
copy), so both arms write exactly the same items; only the handler's work around them differs. Reviews to
change are created beforehand through the handler (not measured).
"""

from __future__ import annotations

import importlib
import random
import time
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
    raw_client,
    unique,
)

TARGET_RATIO = 1.10
AUTHOR = "bench-author"
MODERATOR = "bench-moderator"
WRITES = ("edit", "delete", "decision", "report", "vote", "verification")


def run(ctx: Context, handler: Any | None = None) -> dict[str, Any]:
    # 1,000 calls: with 300 the p50 ratio moved about ±0.03 between runs from sampling alone (median of a
    # latency spread of ~1.5 ms), as much as the margin being measured.
    calls = 60 if ctx.quick else 1000
    warmup = 10 if ctx.quick else 50
    client = raw_client()
    table = create_table(client, ctx.create_table, unique("lifecycle"))
    configure_function_environment(ctx.environment, table)
    import os

    os.environ["REPORT_THRESHOLD"] = "1000"  # reports never hold a review here: a report is one UpdateItem
    os.environ["MODERATION"] = "none"
    if handler is None:
        handler = load_handler(copy_asset(ctx.asset_dir, ctx.workdir / "lifecycle-asset"), ctx.handler)
    runtime = handler.__module__.rpartition(".")[0]
    # The handler imports lifecycle on its first lifecycle request; import the modules the same handler uses.
    lifecycle, store, etag_module, votes = (
        importlib.import_module(f"{runtime}.{name}") for name in ("lifecycle", "store", "etag", "votes")
    )
    Version = etag_module.Version
    context = LambdaContext()
    rounds = warmup + calls

    def create(product: str) -> tuple[str, str]:
        answer = handler(event("POST", post_body(product, AUTHOR, 3), caller=AUTHOR), context)
        assert answer["statusCode"] == 201, answer
        return answer["headers"]["Location"].rsplit("/", 1)[-1], answer["headers"]["ETag"]

    log(f"lifecycle: creating {2 * len(WRITES) * rounds} reviews to change (not measured)")
    with handler_logs_to_devnull():
        # Each arm changes its own reviews, spread over products so no two calls contend for a summary.
        pools = {
            f"{write} {arm}": [create(f"life-{write}-{arm}-{n % 40}") for n in range(rounds)]
            for write in WRITES
            for arm in ("handler", "raw")
        }
    versions: dict[str, Any] = {}  # review id -> its current Version (raw arms track what they wrote)

    def version_of(review_id: str, tag: str) -> Any:
        return versions.get(review_id) or etag_module._decode(tag)

    def handler_call(method: str, path: str, review_id: str, **kwargs: Any) -> tuple[int, int]:
        request = event(method, path=path, path_parameters={"review_id": review_id}, **kwargs)
        started = time.perf_counter_ns()
        response = handler(request, context)
        return time.perf_counter_ns() - started, response["statusCode"]

    def read_locator(review_id: str) -> Any:
        """The raw GetItem of a review's locator, as the handler reads it (consistently)."""
        return client.get_item(
            TableName=table,
            Key={"product_id": {"S": "#REVIEW#" + review_id}, "review_id": {"S": "#REVIEW"}},
            ConsistentRead=True,
        )

    def raw_transaction(items: list[dict[str, Any]]) -> tuple[int, int]:
        started = time.perf_counter_ns()
        response = client.transact_write_items(TransactItems=items)
        return time.perf_counter_ns() - started, response["ResponseMetadata"]["HTTPStatusCode"]

    counter = {name: 0 for name in pools}

    def take(name: str) -> tuple[str, str]:
        index = counter[name]
        counter[name] += 1
        return pools[name][index]

    edits: dict[str, int] = {}

    def edit_handler() -> tuple[int, int]:
        review_id, tag = take("edit handler")
        return handler_call(
            "PATCH", "/reviews/{review_id}", review_id, body={"rating": 5}, headers={"If-Match": tag}, caller=AUTHOR
        )

    def edit_raw() -> tuple[int, int]:
        review_id, tag = take("edit raw")
        version = version_of(review_id, tag)
        following = Version(version.product_id, review_id, version.version + 1, 5, version.status, AUTHOR)
        now = store.now_iso()
        items = [
            lifecycle.update_review(
                version,
                sets={"rating": 5, "version": following.version, "updated_at": now, "status": version.status},
                removes=lifecycle.policy.QUEUE_ATTRIBUTES,
                author=AUTHOR,
                listed=version.status == "published",
            ),
            store.summary_update(
                version.product_id,
                (version.status, version.rating),
                (following.status, 5),
                store.change_record("updated", review_id, status=following.status, version=following.version),
            ),
        ]
        versions[review_id] = following
        edits[review_id] = edits.get(review_id, 0) + 1
        return raw_transaction(items)

    def delete_handler() -> tuple[int, int]:
        review_id, tag = take("delete handler")
        return handler_call("DELETE", "/reviews/{review_id}", review_id, headers={"If-Match": tag}, caller=AUTHOR)

    def delete_raw() -> tuple[int, int]:
        review_id, tag = take("delete raw")
        return raw_transaction(lifecycle.delete_items(version_of(review_id, tag), author=AUTHOR, change="deleted"))

    def decision_handler() -> tuple[int, int]:
        review_id, tag = take("decision handler")
        body = (
            {"decision": "reject", "reason": "off-topic"}
            if counter["decision handler"] % 2
            else {"decision": "publish"}
        )
        return handler_call(
            "POST",
            "/moderation/reviews/{review_id}/decision",
            review_id,
            body=body,
            headers={"If-Match": tag},
            caller=MODERATOR,
        )

    def decision_raw() -> tuple[int, int]:
        review_id, tag = take("decision raw")
        version = version_of(review_id, tag)
        publish = counter["decision raw"] % 2 == 0
        status = "published" if publish else "rejected"
        following = Version(version.product_id, review_id, version.version + 1, version.rating, status, AUTHOR)
        sets: dict[str, Any] = {
            "status": status,
            "version": following.version,
            "decision": "publish" if publish else "reject",
            "decided_at": store.now_iso(),
            "decided_by": MODERATOR,
        }
        removes = lifecycle.policy.QUEUE_ATTRIBUTES
        if publish:
            sets["reports"] = 0
            removes += ("reason",)
        else:
            sets["reason"] = "off-topic"
        change = store.change_record(
            "published" if publish else "rejected",
            review_id,
            status=status,
            version=following.version,
            **({} if publish else {"reason": "off-topic"}),  # as the handler records a rejection
        )
        items = [
            lifecycle.update_review(version, sets=sets, removes=removes, author=None, listed=publish),
            store.summary_update(
                version.product_id, (version.status, version.rating), (status, version.rating), change
            ),
        ]
        versions[review_id] = following
        return raw_transaction(items)

    reporters = {"n": 0}

    def report_handler() -> tuple[int, int]:
        review_id, _ = take("report handler")
        reporters["n"] += 1
        return handler_call(
            "POST", "/reviews/{review_id}/reports", review_id, body={}, caller=f"reporter-{reporters['n']}"
        )

    def report_raw() -> tuple[int, int]:
        review_id, tag = take("report raw")
        reporters["n"] += 1
        digest = f"{reporters['n']:032x}"
        started = time.perf_counter_ns()
        locator = read_locator(review_id)
        product = locator["Item"]["of_product"]["S"]
        response = client.update_item(
            TableName=table,
            Key={"product_id": {"S": product}, "review_id": {"S": review_id}},
            UpdateExpression="ADD reports :one, reporters :digests",
            ConditionExpression="attribute_exists(#sk) AND #status = :published AND NOT contains(reporters, :digest)",
            ExpressionAttributeNames={"#sk": "review_id", "#status": "status"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":digests": {"SS": [digest]},
                ":digest": {"S": digest},
                ":published": {"S": "published"},
            },
            ReturnValues="ALL_NEW",
        )
        return time.perf_counter_ns() - started, response["ResponseMetadata"]["HTTPStatusCode"]

    voters = {"n": 0}

    def vote_handler() -> tuple[int, int]:
        review_id, _ = take("vote handler")
        voters["n"] += 1
        return handler_call(
            "POST", "/reviews/{review_id}/votes", review_id, body={"helpful": True}, caller=f"voter-{voters['n']}"
        )

    def vote_raw() -> tuple[int, int]:
        # The same calls as the handler: the locator, then one transaction of the vote and the review's counts.
        review_id, _ = take("vote raw")
        voters["n"] += 1
        key = votes.vote_key(review_id, f"voter-{voters['n']}")
        started = time.perf_counter_ns()
        locator = read_locator(review_id)
        product = locator["Item"]["of_product"]["S"]
        items = [votes._ballot(key, True, replacing=None), votes._count(product, review_id, 1, 0)]
        response = client.transact_write_items(TransactItems=items)
        return time.perf_counter_ns() - started, response["ResponseMetadata"]["HTTPStatusCode"]

    def verification_handler() -> tuple[int, int]:
        review_id, _ = take("verification handler")
        return handler_call("PUT", "/reviews/{review_id}/verified-purchase", review_id, caller=MODERATOR)

    def verification_raw() -> tuple[int, int]:
        # The same calls as the handler: the locator, the review, then one conditional UpdateItem.
        review_id, _ = take("verification raw")
        started = time.perf_counter_ns()
        locator = read_locator(review_id)
        key = {"product_id": locator["Item"]["of_product"], "review_id": {"S": review_id}}
        review = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
        marked = {"S": "1#" + review_id}
        response = client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET verified_purchase = :true, verified_key = :key, listed_verified = :key",
            ConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":true": {"BOOL": True}, ":key": marked, ":status": review["status"]},
        )
        return time.perf_counter_ns() - started, response["ResponseMetadata"]["HTTPStatusCode"]

    arms = {
        "vote handler": vote_handler,
        "vote raw": vote_raw,
        "verification handler": verification_handler,
        "verification raw": verification_raw,
        "edit handler": edit_handler,
        "edit raw": edit_raw,
        "delete handler": delete_handler,
        "delete raw": delete_raw,
        "decision handler": decision_handler,
        "decision raw": decision_raw,
        "report handler": report_handler,
        "report raw": report_raw,
    }
    names = list(arms)
    timings: dict[str, list[float]] = {name: [] for name in names}
    statuses: dict[str, dict[int, int]] = {}
    order = random.Random(7)
    log(f"lifecycle: {warmup} warm-up + {calls} measured calls per arm, {len(arms)} arms, shuffled each round")
    with handler_logs_to_devnull():
        for index in range(rounds):
            for name in order.sample(names, len(names)):
                elapsed, status = arms[name]()
                statuses.setdefault(name, {}).setdefault(status, 0)
                statuses[name][status] += 1
                if index >= warmup:
                    timings[name].append(elapsed / 1e6)
    samples = {name: Sample(name, values, "ms") for name, values in timings.items()}
    ratios = {write: samples[f"{write} handler"].median / samples[f"{write} raw"].median for write in WRITES}
    client.delete_table(TableName=table)
    return {
        "calls": calls,
        "warmup": warmup,
        "statuses": statuses,
        "samples": {name: sample.to_json() for name, sample in samples.items()},
        "ratios_p50": ratios,
        "target_ratio": TARGET_RATIO,
    }
