"""Summaries in one request against DynamoDB Local: GET /summaries for many products, and a product page
whose first reviews and summary come from one Query."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from api_events import CountingClient, call, review
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tap_reviews.function_code.reviews_runtime import clients, contract, store, validation
from tap_reviews.function_code.reviews_runtime.schema import ID_SCHEMAS, PRODUCT_ID_PATTERN

EXAMPLES = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def summaries(*product_ids: str) -> Any:
    return call("GET", query={"product_ids": ",".join(product_ids)}, path=contract.RESOURCE_SUMMARIES)


def recount(ratings: list[int]) -> dict[str, Any]:
    stars = Counter(ratings)
    return {
        "review_count": len(ratings),
        "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "histogram": {str(star): stars.get(star, 0) for star in range(1, 6)},
    }


@EXAMPLES
@given(
    reviews=st.lists(st.tuples(st.integers(0, 5), st.integers(1, 5)), max_size=12),
    asked=st.lists(st.integers(0, 7), min_size=1, max_size=10),
)
def test_each_summary_equals_a_recount_in_the_order_asked_a_repeat_once(reviews_table, reviews, asked):
    prefix = f"sum-{uuid.uuid4().hex[:8]}-"  # a fresh set of products per example
    for product, rating in reviews:
        assert call("POST", review(f"{prefix}{product}", rating=rating)).status == 201
    answer = summaries(*(f"{prefix}{product}" for product in asked))
    assert answer.status == 200, answer.body
    distinct = list(dict.fromkeys(asked))
    assert [entry["product_id"] for entry in answer.body["summaries"]] == [f"{prefix}{p}" for p in distinct]
    for product, entry in zip(distinct, answer.body["summaries"], strict=True):
        expected = recount([rating for reviewed, rating in reviews if reviewed == product])
        assert {key: entry[key] for key in expected} == expected  # zeros for a product nobody reviewed


def test_a_hundred_products_are_one_request_and_a_hundred_and_one_a_400(reviews_table):
    hundred = [f"cat-{index}" for index in range(100)]
    assert call("POST", review("cat-42", rating=2)).status == 201
    answer = summaries(*hundred)
    assert answer.status == 200 and len(answer.body["summaries"]) == 100
    assert answer.body["summaries"][42]["histogram"]["2"] == 1
    too_many = summaries(*hundred, "cat-100")
    assert too_many.status == 400 and too_many.body["error"] == "invalid_query"
    assert too_many.body["details"] == ["product_ids: at most 100 products"]
    assert summaries(*hundred, "cat-0").status == 200  # a repeat does not count twice


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({}, None),
        ({"product_ids": ""}, "product_ids[0]: at least 1 characters"),
        ({"product_ids": "p-1,,p-2"}, "product_ids[1]: at least 1 characters"),
        ({"product_ids": "p-1,bad id"}, "product_ids[1]: must match"),
        ({"product_ids": "p-1", "limit": "5"}, "limit: unknown parameter"),
    ],
)
def test_a_missing_empty_or_bad_product_id_is_a_400_naming_it(reviews_table, query, detail):
    answer = call("GET", query=query, path=contract.RESOURCE_SUMMARIES)
    assert answer.status == 400 and answer.body["error"] == "invalid_query", answer.body
    if detail is not None:
        assert any(line.startswith(detail) for line in answer.body["details"]), answer.body["details"]


class _Unprocessing:
    """The real client, but DynamoDB "leaves unprocessed" all but the first key of each BatchGetItem
    ``times`` times (as it does under throttling)."""

    def __init__(self, real: Any, times: int) -> None:
        self.real, self.times, self.calls = real, times, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls += 1
        if self.calls > self.times:
            return self.real.batch_get_item(RequestItems=RequestItems)
        ((table, request),) = RequestItems.items()
        first, rest = request["Keys"][:1], request["Keys"][1:]
        answer = self.real.batch_get_item(RequestItems={table: {**request, "Keys": first}})
        # With a field botocore's model may not know yet: the retry must ask in its own terms, not echo it.
        answer["UnprocessedKeys"] = {table: {**request, "Keys": rest, "AddedLater": 1}} if rest else {}
        return answer


def test_keys_dynamodb_leaves_unprocessed_are_asked_for_again(reviews_table, monkeypatch):
    for product, rating in (("u-1", 5), ("u-2", 4), ("u-3", 1)):
        assert call("POST", review(product, rating=rating)).status == 201
    flaky = _Unprocessing(clients.client("dynamodb"), times=2)
    monkeypatch.setitem(clients._clients, "dynamodb", flaky)
    answer = summaries("u-1", "u-2", "u-3", "u-4")
    assert answer.status == 200 and flaky.calls == 3
    assert [entry["average_rating"] for entry in answer.body["summaries"]] == [5, 4, 1, None]


def test_keys_still_unprocessed_after_every_attempt_are_a_503(reviews_table, monkeypatch):
    flaky = _Unprocessing(clients.client("dynamodb"), times=store.BATCH_GET_ATTEMPTS)
    monkeypatch.setitem(clients._clients, "dynamodb", flaky)
    monkeypatch.setattr(store, "BATCH_GET_PAUSE_SECONDS", 0.001)
    answer = summaries(*(f"v-{index}" for index in range(store.BATCH_GET_ATTEMPTS + 3)))  # one key per call
    assert answer.status == 503 and answer.headers["Retry-After"] == "1"
    assert flaky.calls == store.BATCH_GET_ATTEMPTS


@given(st.text(max_size=140) | st.from_regex(PRODUCT_ID_PATTERN, fullmatch=True))
def test_the_fast_product_id_check_agrees_with_the_schema(product_id):
    """GET /summaries checks each id with the schema's pattern alone, and asks the schema why only on a miss."""
    matches = validation.compiled_pattern(PRODUCT_ID_PATTERN).search(product_id) is not None
    assert matches == (validation.problems(ID_SCHEMAS["product_id"], product_id) == [])


def test_a_product_page_and_its_summary_are_one_query(reviews_table, monkeypatch):
    for rating in (1, 2, 3, 4, 5):
        assert call("POST", review("p-page", rating=rating)).status == 201
    counting = CountingClient(clients.client("dynamodb"))
    monkeypatch.setitem(clients._clients, "dynamodb", counting)
    first = call("GET", query={"product_id": "p-page", "limit": "2"})
    assert counting.calls == ["query"]  # the summary sorts first in the product's newest-first Query
    assert first.body["summary"] == recount([1, 2, 3, 4, 5])
    assert [r["rating"] for r in first.body["reviews"]] == [5, 4] and first.body["next_token"]
    counting.calls.clear()
    second = call("GET", query={"product_id": "p-page", "limit": "2", "next_token": first.body["next_token"]})
    assert counting.calls == ["query"]  # a later page is one Query too, without the summary
    assert second.body["summary"] is None
    assert [r["rating"] for r in second.body["reviews"]] == [3, 2]
    counting.calls.clear()
    nobody = call("GET", query={"product_id": "p-unreviewed"})
    assert counting.calls == ["query"] and nobody.body["summary"] == recount([]) and nobody.body["reviews"] == []
