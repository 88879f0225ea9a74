"""Faults in the lifecycle's writes, as for create: a throttled, raced or cut-off transaction leaves no half
change, a reply lost after the commit still gets the right answer, and a retry with the key gets the first."""

from __future__ import annotations

import pytest
from lifecycle_calls import decide, delete, edit, erase, get, listing, moderated, post
from test_handler_faults import (
    THROTTLED,
    assert_503,
    cancelled,
    dynamodb_error,
    fail_operation,
    time_out_transactions,
)


def state(table):
    """Everything stored, to compare before and after a failed write."""
    return sorted(repr(sorted(item.items())) for item in table.scan(ConsistentRead=True)["Items"])


@pytest.fixture
def written(reviews_table):
    created = post(rating=2, comment="first")
    return created.body["review"]["review_id"], created.headers["ETag"]


THROTTLED_3 = [dynamodb_error(THROTTLED)] * 3
CANCELLED_THROTTLED = [dynamodb_error(cancelled("None", "ThrottlingError"))] * 3
ENDLESS_RACE = [dynamodb_error(cancelled("TransactionConflict", "None"))] * 4


@pytest.mark.parametrize(
    ("failure", "write"),
    [
        pytest.param(THROTTLED_3, "edit", id="throttled-edit"),
        pytest.param(THROTTLED_3, "delete", id="throttled-delete"),
        pytest.param(THROTTLED_3, "decide", id="throttled-decision"),
        pytest.param(CANCELLED_THROTTLED, "edit", id="cancelled-throttled-edit"),
        pytest.param(ENDLESS_RACE, "delete", id="endless-race-delete"),
    ],
)
def test_a_write_dynamodb_turns_away_is_a_503_and_changes_nothing(reviews_table, written, failure, write):
    review_id, etag = written
    before = state(reviews_table)
    fail_operation("TransactWriteItems", list(failure))
    answer = {
        "edit": lambda: edit(review_id, {"rating": 5}, etag),
        "delete": lambda: delete(review_id, etag),
        "decide": lambda: decide(review_id, etag, "reject", "spam"),
    }[write]()
    assert_503(answer)
    assert state(reviews_table) == before


def test_a_write_that_lost_one_race_is_retried_and_applied_once(reviews_table, written):
    review_id, etag = written
    attempts = fail_operation("TransactWriteItems", [dynamodb_error(cancelled("None", "TransactionConflict"))])
    assert edit(review_id, {"rating": 5}, etag).status == 200 and len(attempts) == 2
    assert listing("p-1")["summary"]["histogram"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}


def test_an_edit_whose_reply_was_lost_after_it_committed_is_a_200_and_its_retry_gets_the_first_answer(
    reviews_table, written, monkeypatch
):
    review_id, etag = written
    key = {"Idempotency-Key": "lost-reply-edit-0001"}
    with monkeypatch.context() as patch:
        time_out_transactions(patch, commit=True)
        answer = edit(review_id, {"rating": 5}, etag, headers=key)
    assert answer.status == 200
    assert get(review_id).headers["ETag"] == answer.headers["ETag"]
    retried = edit(review_id, {"rating": 5}, etag, headers=key)
    assert (retried.status, retried.body, retried.headers["Idempotent-Replayed"]) == (200, answer.body, "true")
    assert listing("p-1")["summary"]["review_count"] == 1


def test_a_delete_whose_reply_was_lost_after_it_committed_is_a_204(reviews_table, written, monkeypatch):
    review_id, etag = written
    with monkeypatch.context() as patch:
        time_out_transactions(patch, commit=True)
        assert delete(review_id, etag).status == 204
    assert moderated(review_id).status == 404 and listing("p-1")["summary"]["review_count"] == 0


def test_a_write_cut_off_before_it_committed_is_a_503_and_changes_nothing(reviews_table, written, monkeypatch):
    review_id, etag = written
    before = state(reviews_table)
    time_out_transactions(monkeypatch, commit=False)
    assert_503(edit(review_id, {"rating": 5}, etag))
    assert_503(delete(review_id, etag))
    assert state(reviews_table) == before


def test_an_erasure_dynamodb_turns_away_is_a_503_and_a_repeat_finishes_it(reviews_table, written):
    post("p-2", rating=3)
    attempts = fail_operation("TransactWriteItems", [dynamodb_error(THROTTLED)] * 3)
    assert_503(erase("alice"))
    assert len(attempts) == 3  # botocore's three attempts, then the 503
    assert listing("p-1")["summary"]["review_count"] == 1
    finished = erase("alice")
    assert finished.status == 200 and finished.body["erased_reviews"] == 2
    assert listing("p-1")["summary"]["review_count"] == listing("p-2")["summary"]["review_count"] == 0
