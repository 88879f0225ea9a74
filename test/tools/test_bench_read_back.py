"""The benchmarks' read-back check (``bench/harness.py``): it must see lost writes and wrong summaries, and
nothing else. It once counted the product summary, which the date index also holds, as a stored review, and
reported every summary of the local-API benchmark as wrong."""

from __future__ import annotations

import sys

import pytest
from api_events import call, review
from conftest import REPO_ROOT


@pytest.fixture
def harness():
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    try:
        import harness

        yield harness
    finally:
        sys.path.remove(str(REPO_ROOT / "bench"))
        sys.modules.pop("harness", None)


def test_read_back_finds_every_acknowledged_review_and_exact_summaries(reviews_table, harness):
    import boto3

    client = boto3.client("dynamodb")  # low-level, as the benchmarks use (the table resource's client is not)
    acknowledged = []
    for product, reviewer in (("b-1", "r-1"), ("b-1", "r-2"), ("b-2", "r-1")):
        answer = call("POST", review(product, reviewer))
        assert answer.status == 201
        acknowledged.append((product, answer.body["review"]["review_id"]))
    check = harness.read_back(client, reviews_table.name, acknowledged)
    assert check == {"acknowledged": 3, "read_back": 3, "lost": 0, "products": 2, "summary_mismatches": 0}

    reviews_table.delete_item(Key={"product_id": "b-1", "review_id": acknowledged[0][1]})  # lost, and miscounted
    check = harness.read_back(client, reviews_table.name, acknowledged)
    assert (check["lost"], check["summary_mismatches"]) == (1, 1)
