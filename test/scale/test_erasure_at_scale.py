"""Erasure of a reviewer with 5,000 reviews over 1,000 products (the issue's scale), against DynamoDB Local:
in steps that report progress when the function's time runs short, idempotent, and safe to crash midway."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import pytest
from lifecycle_calls import erase

from tap_reviews.function_code.reviews_runtime import contract, ids, store
from tap_reviews.function_code.reviews_runtime.ids import is_review_id

PRODUCTS = 1000
REVIEWS_EACH = 5  # alice's reviews per product: 5,000 in all
BYSTANDER_PRODUCTS = 200  # bob has one review in each of the first 200 products


@dataclass
class ShortLambda:
    """A Lambda context whose function has ``seconds`` left (20 s leave about 6 s for steps, then it answers)."""

    seconds: float
    aws_request_id: str = "erasure"

    def __post_init__(self):
        self.ends_at = time.monotonic() + self.seconds

    def get_remaining_time_in_millis(self):
        return int((self.ends_at - time.monotonic()) * 1000)


def seed(table):
    """Store what 6,200 POSTs would have: reviews, locators and summaries (written directly, for speed)."""
    summaries: dict[str, Counter] = {}
    now = 1_750_000_000_000
    with table.batch_writer() as batch:
        for n in range(PRODUCTS * REVIEWS_EACH + BYSTANDER_PRODUCTS):
            reviewer, product = (
                ("alice", n % PRODUCTS) if n < PRODUCTS * REVIEWS_EACH else ("bob", n % BYSTANDER_PRODUCTS)
            )
            product_id, review_id, rating = f"p-{product:04d}", ids.new_review_id(now + n), n % 5 + 1
            batch.put_item(
                Item={
                    "product_id": product_id,
                    "review_id": review_id,
                    "reviewer_id": reviewer,
                    "rating": rating,
                    "comment": "x" * 200,
                    "created_at": "2026-11-29T00:00:00.000+00:00",
                    "status": "published",
                    "version": 1,
                }
            )
            batch.put_item(
                Item={
                    "product_id": contract.LOCATOR_PREFIX + review_id,
                    "review_id": contract.LOCATOR_SORT_KEY,
                    contract.LOCATOR_PRODUCT: product_id,
                }
            )
            summaries.setdefault(product_id, Counter())[rating] += 1
        for product_id, stars in summaries.items():
            batch.put_item(
                Item={
                    "product_id": product_id,
                    "review_id": contract.SUMMARY_SORT_KEY,
                    "review_count": sum(stars.values()),
                    "rating_total": sum(r * c for r, c in stars.items()),
                    **{f"rating_{r}": Decimal(stars[r]) for r in range(1, 6)},
                }
            )


def check_every_summary_equals_a_recount(table):
    for product in range(PRODUCTS):
        items = table.query(
            KeyConditionExpression="product_id = :p",
            ExpressionAttributeValues={":p": f"p-{product:04d}"},
            ConsistentRead=True,
        )["Items"]
        published = [int(i["rating"]) for i in items if is_review_id(i["review_id"])]
        summary = next(i for i in items if i["review_id"] == contract.SUMMARY_SORT_KEY)
        assert int(summary["review_count"]) == len(published)
        assert int(summary["rating_total"]) == sum(published)
        assert [int(summary[f"rating_{r}"]) for r in range(1, 6)] == [published.count(r) for r in range(1, 6)]


def remaining(table, reviewer):
    """How many reviews of ``reviewer`` the table holds (a full, consistent scan)."""
    count, start = 0, {}
    while True:
        page = table.scan(
            FilterExpression="reviewer_id = :r",
            ExpressionAttributeValues={":r": reviewer},
            ConsistentRead=True,
            Select="COUNT",
            **start,
        )
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def test_erasing_5000_reviews_over_1000_products_survives_a_crash_reports_progress_and_finishes_on_repeat(
    reviews_table, monkeypatch
):
    seed(reviews_table)
    everything = PRODUCTS * REVIEWS_EACH
    # A crash midway: the 40th transaction never happens, and the function is stopped without an answer.
    real = store.transact
    counted = {"n": 0}

    def dies_on_the_40th(items, **kwargs):
        counted["n"] += 1
        if counted["n"] == 40:
            raise SystemExit("the function was stopped")
        return real(items, **kwargs)

    monkeypatch.setattr(store, "transact", dies_on_the_40th)
    with pytest.raises(SystemExit):
        erase("alice")
    monkeypatch.setattr(store, "transact", real)
    left = remaining(reviews_table, "alice")
    assert left == everything - 39 * 20  # 39 whole transactions of 20 reviews each, nothing of the 40th
    check_every_summary_equals_a_recount(reviews_table)
    # Repeats continue, each answering 202 with its progress while the function's time runs short.
    calls, erased = 0, 0
    while True:
        answer = erase("alice", context=ShortLambda(seconds=20))
        calls += 1
        assert answer.status in (200, 202), answer.body
        erased += answer.body["erased_reviews"]
        if answer.status == 200:
            break
        assert answer.body["done"] is False and 0 < answer.body["erased_reviews"] < left
    assert calls > 1, "20 s of budget should not erase thousands of reviews in one request"
    assert erased == left
    assert remaining(reviews_table, "alice") == 0 and remaining(reviews_table, "bob") == BYSTANDER_PRODUCTS
    check_every_summary_equals_a_recount(reviews_table)
    again = erase("alice")
    assert again.status == 200 and again.body["erased_reviews"] == 0
