"""Faults: DynamoDB throttling, transaction races, an engine that goes away, a transaction that fails half-way."""

import json

import boto3
import pytest
from api_events import call, review
from botocore.awsrequest import AWSResponse
from conftest import table_definition_from_template

from tap_reviews.function_code.reviews_runtime import clients, contract, store


class _Body:
    def __init__(self, payload: dict):
        self._data = json.dumps(payload).encode()

    def stream(self, **_):
        yield self._data


def dynamodb_error(payload: dict) -> AWSResponse:
    """What DynamoDB sends for an error: HTTP 400 with a JSON body naming the exception."""
    return AWSResponse("http://dynamodb", 400, {"Content-Type": "application/x-amz-json-1.0"}, _Body(payload))


def fail_operation(operation: str, responses: list[AWSResponse | None]):
    """Answer the next calls of ``operation`` with ``responses`` (None: let the real engine answer)."""
    attempts = []

    def before_send(request, **_):
        attempts.append(request)
        return responses.pop(0) if responses else None

    store.dynamodb().meta.events.register(f"before-send.dynamodb.{operation}", before_send)
    return attempts


THROTTLED = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "slow down",
}


def cancelled(*codes: str) -> dict:
    return {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled",
        "CancellationReasons": [{"Code": code} for code in codes],
    }


def assert_503(answer):
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.body["error"] == "service_unavailable"


def test_throttled_write_is_retried_by_boto3_then_answered_503_and_stores_nothing(reviews_table):
    attempts = fail_operation("TransactWriteItems", [dynamodb_error(THROTTLED)] * 10)
    assert_503(call("POST", review()))
    assert len(attempts) == 3  # botocore's standard retries: three attempts in all
    assert reviews_table.scan(ConsistentRead=True)["Items"] == []


def test_throttled_read_is_answered_503(reviews_table):
    fail_operation("Query", [dynamodb_error(THROTTLED)] * 10)
    assert_503(call("GET", query={"product_id": "p-1"}))


def test_a_transaction_cancelled_for_throttling_is_a_503_and_stores_nothing(reviews_table):
    fail_operation("TransactWriteItems", [dynamodb_error(cancelled("None", "ThrottlingError"))] * 10)
    assert_503(call("POST", review()))
    assert reviews_table.scan(ConsistentRead=True)["Items"] == []


def test_a_transaction_that_lost_a_race_is_retried_and_stored_once(reviews_table):
    attempts = fail_operation("TransactWriteItems", [dynamodb_error(cancelled("None", "TransactionConflict"))] * 2)
    answer = call("POST", review("p-race"))
    assert answer.status == 201 and len(attempts) == 3
    assert call("GET", query={"product_id": "p-race"}).body["summary"]["review_count"] == 1


def test_a_race_that_never_ends_is_a_503(reviews_table):
    attempts = fail_operation("TransactWriteItems", [dynamodb_error(cancelled("None", "TransactionConflict"))] * 10)
    assert_503(call("POST", review()))
    assert len(attempts) == store.TRANSACTION_ATTEMPTS


def test_a_write_that_committed_but_whose_reply_was_lost_is_a_201_and_is_stored_once(reviews_table, monkeypatch):
    from botocore.exceptions import ReadTimeoutError

    client = store.dynamodb()
    real_transact = client.transact_write_items

    def commit_then_time_out(**request):
        real_transact(**request)
        raise ReadTimeoutError(endpoint_url="http://dynamodb")

    with monkeypatch.context() as patch:
        patch.setattr(client, "transact_write_items", commit_then_time_out)
        answer = call("POST", review("p-lost"))
    assert answer.status == 201
    assert call("GET", query={"product_id": "p-lost"}).body["summary"]["review_count"] == 1
    assert call("GET", query={"product_id": "p-lost"}).body["reviews"] == [answer.body["review"]]


def test_a_write_that_timed_out_before_committing_is_a_503(reviews_table, monkeypatch):
    from botocore.exceptions import ReadTimeoutError

    def time_out(**_):
        raise ReadTimeoutError(endpoint_url="http://dynamodb")

    monkeypatch.setattr(store.dynamodb(), "transact_write_items", time_out)
    assert_503(call("POST", review()))
    assert reviews_table.scan(ConsistentRead=True)["Items"] == []


def test_a_summary_the_engine_cannot_update_leaves_no_review_behind(reviews_table):
    # A summary whose count is not a number makes the engine fail the UpdateItem half of the transaction.
    reviews_table.put_item(Item={"product_id": "p-bad", "review_id": contract.SUMMARY_SORT_KEY, "review_count": "many"})
    answer = call("POST", review("p-bad"))
    assert answer.status == 500 and answer.body["request_id"] == "lambda-request-1"
    assert [item["review_id"] for item in reviews_table.scan(ConsistentRead=True)["Items"]] == ["#SUMMARY"]


@pytest.fixture
def engine_that_goes_away(reviews_table, defaults, monkeypatch):
    """A second DynamoDB Local holding a working table, stopped by the test when it chooses."""
    import dynamodb_engine

    engine = dynamodb_engine.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint)
        monkeypatch.setattr(clients, "_clients", {})
        boto3.client("dynamodb").create_table(**table_definition_from_template(defaults, reviews_table.name))
        yield engine
    finally:
        engine.stop()


def test_dynamodb_stopped_mid_run_answers_503_not_500(engine_that_goes_away):
    assert call("POST", review("p-9")).status == 201
    assert call("GET", query={"product_id": "p-9"}).status == 200
    engine_that_goes_away.stop()
    assert_503(call("POST", review("p-9")))
    assert_503(call("GET", query={"product_id": "p-9"}))
