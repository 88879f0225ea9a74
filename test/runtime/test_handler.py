"""The handler against the real DynamoDB engine (DynamoDB Local), with events as API Gateway sends them."""

import base64
import json
import threading

import pytest
from api_events import LambdaContext, call, event, review

from tap_reviews.function_code.reviews_runtime import handler, ids
from tap_reviews.function_code.reviews_runtime.contract import SUMMARY_SORT_KEY
from tap_reviews.function_code.reviews_runtime.store import helpful_rank


def reviews_in(table):
    """Every review item in the table (summaries, locators and idempotency records left out)."""
    return [item for item in table.scan(ConsistentRead=True)["Items"] if ids.is_review_id(item["review_id"])]


def summary(count, average, **stars):
    """A listing's summary: ``stars`` as ``s4=2`` for two 4-star reviews."""
    histogram = {str(n): stars.get(f"s{n}", 0) for n in range(1, 6)}
    return {"review_count": count, "average_rating": average, "histogram": histogram}


def test_posted_review_reads_back_unchanged_at_its_own_url_and_in_its_listing(reviews_table):
    created = call("POST", review(comment="Solid"))
    assert created.status == 201
    stored = created.body["review"]
    assert {k: stored[k] for k in ("product_id", "reviewer_id", "rating", "comment")} == review(comment="Solid")
    assert ids.is_review_id(stored["review_id"]) and stored["created_at"].endswith("+00:00")
    assert stored["status"] == "published" and stored["updated_at"] is None
    location = f"/prod/reviews/{stored['review_id']}"
    assert created.headers["Location"] == created.body["location"] == location
    assert created.headers["Access-Control-Allow-Origin"] == "*"
    assert {"Location", "ETag"} <= set(created.headers["Access-Control-Expose-Headers"].split(", "))
    at_its_url = call("GET", path="/reviews/{review_id}", path_parameters={"review_id": stored["review_id"]})
    assert at_its_url.status == 200 and at_its_url.body == {"review": stored}
    assert at_its_url.headers["ETag"] == created.headers["ETag"]
    listing = call("GET", query={"product_id": "p-1"})
    assert listing.status == 200
    assert listing.body == {
        "reviews": [stored],
        "count": 1,
        "next_token": None,
        "summary": summary(1, 4.0, s4=1),
    }
    # The Decimal DynamoDB returns goes out as the JSON integer that came in.
    assert '"rating": 4' in json.dumps(listing.body) and isinstance(listing.body["reviews"][0]["rating"], int)


def test_a_review_without_comment_reads_back_with_comment_null(reviews_table):
    created = call("POST", review(comment=None))
    assert created.status == 201 and created.body["review"]["comment"] is None
    assert "comment" not in reviews_in(reviews_table)[0]
    assert call("GET", query={"product_id": "p-1"}).body["reviews"] == [created.body["review"]]


def test_reviews_come_back_newest_first_by_product_and_by_reviewer(reviews_table):
    ids = [call("POST", review("p-2", "r-2", rating)).body["review"]["review_id"] for rating in (1, 2, 3)]
    by_product = call("GET", query={"product_id": "p-2"}).body
    by_reviewer = call("GET", query={"reviewer_id": "r-2"}).body
    assert [r["review_id"] for r in by_product["reviews"]] == ids[::-1]
    assert [r["review_id"] for r in by_reviewer["reviews"]] == ids[::-1]
    assert "summary" not in by_reviewer


def test_summary_covers_every_review_of_the_product_on_the_product_page_only(reviews_table):
    for rating in (5, 4, 4):
        call("POST", review("p-sum", "r-1", rating))
    call("POST", review("p-other", "r-1", 1))
    first = call("GET", query={"product_id": "p-sum", "limit": "1"}).body
    second = call("GET", query={"product_id": "p-sum", "limit": "1", "next_token": first["next_token"]}).body
    assert first["count"] == second["count"] == 1
    assert first["summary"] == summary(3, 4.33, s4=2, s5=1)
    # Later pages and other orders are one Query of their index, without the summary.
    assert second["summary"] is None
    assert call("GET", query={"product_id": "p-sum", "sort": "highest"}).body["summary"] is None
    assert call("GET", query={"product_id": "p-none"}).body == {
        "reviews": [],
        "count": 0,
        "next_token": None,
        "summary": summary(0, None),
    }


def test_listings_hold_only_reviews_never_summaries_or_idempotency_records(reviews_table):
    call("POST", review("p-3", "r-3"), headers={"Idempotency-Key": "key-000000000001"})
    call("POST", review("p-3", "r-3"))
    items = reviews_table.scan(ConsistentRead=True)["Items"]
    assert len(items) == 6  # two reviews, their locators, the product summary, one idempotency record
    for query in ({"product_id": "p-3"}, {"reviewer_id": "r-3"}):
        listed = call("GET", query=query).body["reviews"]
        assert len(listed) == 2 and all(ids.is_review_id(r["review_id"]) for r in listed)


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        (None, "empty_body", []),
        ("", "empty_body", []),
        ("{not json", "malformed_json", []),
        ('{"product_id": "p", "rating": 1', "malformed_json", []),
        ("[1, 2]", "validation_failed", ["body: must be object"]),
        ("null", "validation_failed", ["body: must be object"]),
        (review(rating=4.5), "validation_failed", ["rating: must be integer"]),
        (review(rating=4.0), "validation_failed", ["rating: must be integer"]),
        (review(rating="abc"), "validation_failed", ["rating: must be integer"]),
        (review(rating=-7), "validation_failed", ["rating: at least 1"]),
        (review(rating=6), "validation_failed", ["rating: at most 5"]),
        (review(rating=True), "validation_failed", ["rating: must be integer"]),
        (review(admin=True), "validation_failed", ["admin: unknown field"]),
        (
            review(product_id=""),
            "validation_failed",
            ["product_id: at least 1 characters", "product_id: must match ^[A-Za-z0-9_.:@/-]{1,128}$"],
        ),
        (review(product_id="p 1"), "validation_failed", ["product_id: must match ^[A-Za-z0-9_.:@/-]{1,128}$"]),
        (review(product_id="p-1\n"), "validation_failed", ["product_id: must match ^[A-Za-z0-9_.:@/-]{1,128}$"]),
        (
            review(reviewer_id="r" * 257),
            "validation_failed",
            ["reviewer_id: at most 256 characters", "reviewer_id: must match ^[!-~]{1,256}$"],
        ),
        (review(reviewer_id="r 1"), "validation_failed", ["reviewer_id: must match ^[!-~]{1,256}$"]),
        (review(reviewer_id="r\u00e9"), "validation_failed", ["reviewer_id: must match ^[!-~]{1,256}$"]),
        (review(comment="x" * 2001), "validation_failed", ["comment: at most 2000 characters"]),
        (review(comment=7), "validation_failed", ["comment: must be string or null"]),
        (
            {"comment": "only"},
            "validation_failed",
            ["product_id: required", "reviewer_id: required", "rating: required"],
        ),
    ],
)
def test_rejected_post_answers_400_listing_each_problem_and_stores_nothing(reviews_table, body, code, details):
    answer = call("POST", body)
    assert answer.status == 400
    assert answer.body["error"] == code
    assert sorted(answer.body["details"]) == sorted(details)
    assert set(answer.body) == {"error", "message", "details"}
    assert reviews_table.scan(ConsistentRead=True)["Items"] == []


def test_body_over_32_kib_is_a_413_and_stores_nothing(reviews_table):
    answer = call("POST", json.dumps(review(comment="x" * 2000)) + " " * 32 * 1024)
    assert answer.status == 413 and answer.body["error"] == "body_too_large"
    assert reviews_table.scan()["Items"] == []


def test_the_largest_valid_review_fits_even_with_every_character_escaped(reviews_table):
    largest = review("p" * 128, "r" * 128, comment="\U0001f600" * 2000)
    body = json.dumps(largest)  # ensure_ascii: each emoji is a 12-byte surrogate-pair escape
    assert len(body) > 24_000
    answer = call("POST", body)
    assert answer.status == 201 and answer.body["review"]["comment"] == largest["comment"]


def test_lone_surrogates_are_a_400_not_a_broken_answer(reviews_table):
    answer = call("POST", '{"product_id": "p-1", "reviewer_id": "r-1", "rating": 4, "comment": "\\ud800"}')
    assert answer.status == 400 and answer.body["details"] == [
        "comment: must be valid Unicode (no unpaired surrogates)"
    ]
    assert reviews_table.scan()["Items"] == []
    response = handler.handler(event("GET", query={"product_id": "p-1", "\ud800": "x"}), None)
    assert response["statusCode"] == 400
    response["body"].encode("ascii")  # answers are ASCII JSON, whatever the request echoed


def test_a_base64_encoded_body_is_decoded(reviews_table):
    encoded = event("POST", base64.b64encode(json.dumps(review(comment="é")).encode()).decode())
    encoded["isBase64Encoded"] = True
    response = handler.handler(encoded, LambdaContext())
    assert response["statusCode"] == 201
    assert json.loads(response["body"])["review"]["comment"] == "é"


@pytest.mark.parametrize(
    "query",
    [
        None,
        {},
        {"product_id": "p-1", "reviewer_id": "r-1"},
        {"product_id": ""},
        {"product_id": "p 1"},
        {"product_id": "p-1", "limit": "0"},
        {"product_id": "p-1", "limit": "101"},
        {"product_id": "p-1", "limit": "-1"},
        {"product_id": "p-1", "limit": "ten"},
        {"product_id": "p-1", "limit": "\u00b2"},
        {"product_id": "p-1", "sort": "asc"},
    ],
)
def test_bad_query_is_a_400(reviews_table, query):
    answer = call("GET", query=query)
    assert answer.status == 400 and answer.body["error"] == "invalid_query"


def test_unknown_path_is_404_and_unknown_method_is_405(reviews_table):
    assert call("GET", path="/reviews/p-1").status == 404
    answer = call("DELETE")
    assert answer.status == 405 and answer.body["error"] == "method_not_allowed"


def _token(key):
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


REVIEW_ID = "01JBQ3ZJ5Z8Y7X6W5V4T3S2R1Q"
RANK = str(helpful_rank(REVIEW_ID, 3))


@pytest.mark.parametrize(
    "token",
    [
        "not-base64!",
        "eyJhIjogMX0",  # {"a": 1}
        "W10",  # []
        _token({"l": "newest:1-5:0", "p": "p-other", "id": REVIEW_ID, "r": 5, "h": RANK}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": SUMMARY_SORT_KEY, "r": 5, "h": RANK}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": REVIEW_ID, "r": 5, "h": RANK, "extra": "x"}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": 5, "r": 5, "h": RANK}),
        _token({"l": "oldest:1-5:0", "p": "p-1", "id": REVIEW_ID, "r": 5, "h": RANK}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": REVIEW_ID, "r": 6, "h": RANK}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": REVIEW_ID, "r": True, "h": RANK}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": REVIEW_ID, "r": 5, "h": "1"}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": REVIEW_ID, "r": 5, "h": "1" + "0" * 37}),
        _token({"l": "newest:1-5:0", "p": "p-1", "id": REVIEW_ID, "r": 5, "h": int(RANK)}),
        _token({"reviewer_id": "p-1", "review_id": REVIEW_ID, "product_id": "p-1"}),
    ],
)
def test_forged_next_token_is_a_400(reviews_table, token):
    answer = call("GET", query={"product_id": "p-1", "next_token": token})
    assert answer.status == 400 and answer.body["error"] == "invalid_next_token"


def test_a_token_for_one_listing_is_refused_by_another(reviews_table):
    for rating in (1, 2):
        call("POST", review("p-4", "r-4", rating))
    by_reviewer = call("GET", query={"reviewer_id": "r-4", "limit": "1"}).body["next_token"]
    by_product = call("GET", query={"product_id": "p-4", "limit": "1"}).body["next_token"]
    assert call("GET", query={"product_id": "p-4", "next_token": by_reviewer}).status == 400
    assert call("GET", query={"reviewer_id": "r-4", "next_token": by_product}).status == 400
    assert call("GET", query={"reviewer_id": "r-5", "next_token": by_reviewer}).status == 400


def test_same_idempotency_key_returns_the_same_review_and_stores_nothing_new(reviews_table):
    first = call("POST", review("p-5"), headers={"Idempotency-Key": "order-0000000042"})
    again = call("POST", review("p-5"), headers={"idempotency-key": "order-0000000042"})
    assert first.status == again.status == 201
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert len(reviews_in(reviews_table)) == 1
    assert call("GET", query={"product_id": "p-5"}).body["summary"]["review_count"] == 1


def test_same_idempotency_key_with_a_different_body_is_a_409_and_stores_nothing(reviews_table):
    call("POST", review("p-6", rating=5), headers={"Idempotency-Key": "order-0000000043"})
    conflict = call("POST", review("p-6", rating=1), headers={"Idempotency-Key": "order-0000000043"})
    assert conflict.status == 409 and conflict.body["error"] == "idempotency_key_reused"
    assert [r["rating"] for r in reviews_in(reviews_table)] == [5]
    assert call("GET", query={"product_id": "p-6"}).body["summary"] == summary(1, 5.0, s5=1)


@pytest.mark.parametrize("key", ["", "order-42", "has space in it ok", "k" * 256, "ключ-0123456789abcdef"])
def test_malformed_idempotency_key_is_a_400(reviews_table, key):
    answer = call("POST", review(), headers={"Idempotency-Key": key})
    assert answer.status == 400 and answer.body["error"] == "invalid_idempotency_key"
    assert reviews_table.scan()["Items"] == []


def test_concurrent_retries_with_one_key_store_one_review(reviews_table):
    answers = []

    def post():
        answers.append(call("POST", review("p-7"), headers={"Idempotency-Key": "burst-0000000001"}))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status for a in answers} == {201}
    assert len({a.body["review"]["review_id"] for a in answers}) == 1
    assert len(reviews_in(reviews_table)) == 1
    assert call("GET", query={"product_id": "p-7"}).body["summary"]["review_count"] == 1


def test_concurrent_posts_to_one_product_keep_its_summary_exact(reviews_table):
    ratings = [1 + (n % 5) for n in range(30)]
    answers = []

    def post(chunk):
        answers.extend(call("POST", review("p-hot", f"r-{rating}", rating)) for rating in chunk)

    threads = [threading.Thread(target=post, args=(ratings[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status for a in answers) == [201] * 30
    summary = call("GET", query={"product_id": "p-hot"}).body["summary"]
    assert summary == {
        "review_count": 30,
        "average_rating": round(sum(ratings) / 30, 2),
        "histogram": {str(n): 6 for n in range(1, 6)},
    }


def test_each_request_logs_one_json_line_with_metrics_and_no_body(reviews_table, capsys, monkeypatch):
    monkeypatch.setattr(handler, "_cold_start", True)
    call("POST", review(comment="secret-comment-text"))
    call("POST", review(rating=9))
    call("GET", query={"product_id": "p-1"})
    call("POST", review(), headers={"Idempotency-Key": "short"})
    output = capsys.readouterr().out
    assert "secret-comment-text" not in output
    created, invalid, listed, bad_key = [json.loads(line) for line in output.splitlines()]
    # A bad header is not a rejected body.
    assert bad_key["status"] == 400 and bad_key["ValidationFailures"] == 0
    assert created["route"] == "POST /reviews" and created["status"] == 201 and created["cold_start"] is True
    assert created["request_id"] == "lambda-request-1" and created["api_request_id"]
    assert created["latency_ms"] >= 0 and created["error"] is None
    assert created["ReviewsCreated"] == 1 and created["ValidationFailures"] == 0
    (directive,) = created["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "TapReviews" and directive["Dimensions"] == [["FunctionName"]]
    assert {m["Name"] for m in directive["Metrics"]} == {"ReviewsCreated", "ValidationFailures"}
    assert created["FunctionName"] == "ReviewProcessor-test" and created["environment"] == "test"
    assert invalid["status"] == 400 and invalid["error"] == "validation_failed" and invalid["cold_start"] is False
    assert invalid["ReviewsCreated"] == 0 and invalid["ValidationFailures"] == 1
    assert listed["status"] == 200 and "_aws" not in listed


def test_an_unexpected_error_is_a_500_with_the_request_id_and_no_trace(reviews_table, monkeypatch):
    from tap_reviews.function_code.reviews_runtime import store

    def broken(*_, **__):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(store, "query_until", broken)
    answer = call("GET", query={"product_id": "p-1"})
    assert answer.status == 500
    assert answer.body == {
        "error": "internal_error",
        "message": "Internal server error.",
        "details": [],
        "request_id": "lambda-request-1",
    }
