"""Every event shape a test tool, a console test event or a direct invocation can send gets a JSON answer
from the catalogue, never an exception; paging tokens come exactly when more reviews follow; a repeated
query parameter is refused."""

from __future__ import annotations

import json
import math
import uuid

import pytest
from api_events import LambdaContext, call, event, review
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples import examples
from tap_reviews.function_code.reviews_runtime import handler
from tap_reviews.function_code.reviews_runtime.errors import Error

CODES = {error.code for error in Error}


def answer_to(raw_event: object) -> tuple[int, dict]:
    """The handler's answer to ``raw_event``, checked as API Gateway would need it."""
    response = handler.handler(raw_event, LambdaContext())
    assert isinstance(response, dict) and isinstance(response["statusCode"], int)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in response["headers"].items())
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    if response["statusCode"] >= 400:
        assert set(body) >= {"error", "message", "details"} and body["error"] in CODES
    return response["statusCode"], body


def test_a_body_already_parsed_into_an_object_is_taken_as_that_json(reviews_table):
    raw = event("POST")
    raw["body"] = review(product_id="p-object")  # what some test tools and hand-written console events send
    status, body = answer_to(raw)
    assert status == 201 and body["review"]["product_id"] == "p-object"
    raw["body"] = [1, 2]
    assert answer_to(raw) == (400, {"error": "validation_failed", "message": "The review is not valid.",
                                    "details": ["body: must be object"]})  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "details"),
    [
        ("ping", ["event: must be an object, got str"]),
        (None, ["event: must be an object, got NoneType"]),
        ([{"httpMethod": "GET"}], ["event: must be an object, got list"]),
        ({}, ["httpMethod: must be a string", "resource: must be the resource path, such as /reviews"]),
        (
            {"httpMethod": "GET", "resource": "/reviews", "headers": ["Origin"]},
            ["headers: must be null or an object of str values"],
        ),
        ({"httpMethod": 7, "resource": "/reviews"}, ["httpMethod: must be a string"]),
        (
            {"httpMethod": "GET", "resource": "/reviews", "queryStringParameters": {"product_id": 5}},
            ["queryStringParameters: must be null or an object of str values"],
        ),
        (
            {"httpMethod": "GET", "resource": "/reviews", "multiValueQueryStringParameters": {"limit": "5"}},
            ["multiValueQueryStringParameters: must be null or an object of list values"],
        ),
        (
            {"httpMethod": "POST", "resource": "/reviews", "isBase64Encoded": "yes"},
            ["isBase64Encoded: must be true or false"],
        ),
        ({"httpMethod": "GET", "resource": "/reviews", "requestContext": "x"}, ["requestContext: must be an object"]),
    ],
)  # fmt: skip
def test_what_is_not_a_proxy_event_is_a_400_naming_each_field(reviews_table, raw, details):
    status, body = answer_to(raw)
    assert (status, body["error"], body["details"]) == (400, "invalid_event", details)


def test_a_repeated_query_parameter_is_refused_using_the_multi_value_form(reviews_table):
    raw = event("GET", query={"product_id": "b"})
    raw["multiValueQueryStringParameters"] = {"product_id": ["a", "b"]}  # ?product_id=a&product_id=b
    status, body = answer_to(raw)
    assert (status, body["error"], body["details"]) == (400, "invalid_query", ["product_id: given 2 times"])


#: Values of any JSON type, for any field of an event.
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
header_names = st.sampled_from(["Content-Type", "Origin", "Idempotency-Key", "Authorization"]) | st.text(max_size=8)
query_names = st.sampled_from(["product_id", "reviewer_id", "limit", "next_token"]) | st.text(max_size=8)
valid_body = st.fixed_dictionaries(
    {
        "product_id": st.sampled_from(["p-1", "p-2"]),
        "reviewer_id": st.sampled_from(["r-1", "auth0|x"]),
        "rating": st.integers(1, 5),
    }
)
events = st.fixed_dictionaries(
    {},
    optional={
        "resource": st.sampled_from(["/reviews", "/", "/other"]) | anything,
        "path": st.sampled_from(["/reviews"]) | anything,
        "httpMethod": st.sampled_from(["GET", "POST", "PUT", "OPTIONS"]) | anything,
        "headers": st.none() | st.dictionaries(header_names, st.text(max_size=30) | anything, max_size=3) | anything,
        "multiValueHeaders": st.none()
        | st.dictionaries(header_names, st.lists(st.text(max_size=30) | anything, max_size=2), max_size=3)
        | anything,
        "queryStringParameters": st.none()
        | st.dictionaries(query_names, st.sampled_from(["p-1", "r-1", "5"]) | anything, max_size=3)
        | anything,
        "multiValueQueryStringParameters": st.none()
        | st.dictionaries(query_names, st.lists(st.sampled_from(["p-1", "2"]) | anything, max_size=3), max_size=3)
        | anything,
        "body": st.none() | valid_body | valid_body.map(json.dumps) | st.text(max_size=40) | anything,
        "isBase64Encoded": st.booleans() | anything,
        "requestContext": st.none()
        | st.fixed_dictionaries(
            {},
            optional={
                "path": anything,
                "requestId": anything,
                "authorizer": anything | st.fixed_dictionaries({"principalId": anything, "claims": anything}),
                "identity": anything | st.fixed_dictionaries({"caller": anything, "cognitoIdentityId": anything}),
            },
        )
        | anything,
    },
)


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(raw=events | anything)
def test_any_event_shape_gets_a_catalogue_answer_and_a_rejected_one_stores_nothing(reviews_table, raw):
    before = reviews_table.scan(Select="COUNT", ConsistentRead=True)["Count"]
    status, _ = answer_to(raw)
    assert status in (200, 201, 400, 403, 404, 405, 409, 413), status
    if status != 201:
        assert reviews_table.scan(Select="COUNT", ConsistentRead=True)["Count"] == before


def every_page(query: dict[str, str]) -> list[dict]:
    pages, token = [], None
    while True:
        answer = call("GET", query={**query, **({"next_token": token} if token else {})})
        assert answer.status == 200, answer.body
        pages.append(answer.body)
        token = answer.body["next_token"]
        if token is None:
            return pages


def test_a_listing_of_an_exact_multiple_of_limit_ends_on_a_full_page_without_a_token(reviews_table):
    for n in range(4):
        assert call("POST", review(product_id="p-exact", reviewer_id="r-exact", rating=n % 5 + 1)).status == 201
    for query in ({"product_id": "p-exact", "limit": "2"}, {"reviewer_id": "r-exact", "limit": "2"}):
        assert [page["count"] for page in every_page(query)] == [2, 2]


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(reviews=st.integers(0, 12), limit=st.integers(1, 5))
def test_a_token_comes_back_exactly_when_more_reviews_follow(reviews_table, reviews, limit):
    product = f"p-{uuid.uuid4()}"  # a listing of its own for each example (the table is shared)
    reviewer = f"r-{product}"
    stored = {
        call("POST", review(product_id=product, reviewer_id=reviewer)).body["review"]["review_id"]
        for _ in range(reviews)
    }
    for query in ({"product_id": product, "limit": str(limit)}, {"reviewer_id": reviewer, "limit": str(limit)}):
        pages = every_page(query)
        assert len(pages) == max(1, math.ceil(reviews / limit))
        assert all(page["count"] == limit for page in pages[:-1])
        seen = [r["review_id"] for page in pages for r in page["reviews"]]
        assert sorted(seen) == sorted(stored)  # every review exactly once
