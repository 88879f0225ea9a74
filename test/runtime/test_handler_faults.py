"""Faults: DynamoDB throttling, transaction races, an engine that goes away, a transaction that fails half-way."""

import json

import boto3
import pytest
from api_events import call, review
from botocore.awsrequest import AWSResponse
from conftest import table_definition_from_template

from tap_reviews.function_code.reviews_runtime import auth, clients, contract, deadline, store
from tap_reviews.function_code.reviews_runtime.contract import SUMMARY_SORT_KEY


class _Body:
    def __init__(self, payload: dict):
        self._data = json.dumps(payload).encode()

    def stream(self, **_):
        yield self._data


def dynamodb_error(payload: dict) -> AWSResponse:
    """What DynamoDB sends for an error: HTTP 400 with a JSON body naming the exception."""
    return AWSResponse("http://dynamodb", 400, {"Content-Type": "application/x-amz-json-1.0"}, _Body(payload))


def on_attempt(operation: str, hook, service: str = "dynamodb") -> None:
    """Run ``hook`` as each attempt of ``operation`` is sent; its answer (if not None) stands in for the wire.

    Registered last on the generic event, so the runtime's own before-send check (the deadline) runs first,
    as it does in front of the network.
    """

    def for_operation(event_name: str, **kwargs):
        return hook(**kwargs) if event_name.endswith(f".{operation}") else None

    clients.client(service).meta.events.register_last("before-send", for_operation)


def fail_operation(operation: str, responses: list[AWSResponse | None]):
    """Answer the next attempts of ``operation`` with ``responses`` (None: the real engine answers)."""
    attempts = []

    def before_send(request, **_):
        attempts.append(request)
        return responses.pop(0) if responses else None

    on_attempt(operation, before_send)
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


def time_out_transactions(patch, *, commit: bool, before_timeout=None) -> None:
    """Every TransactWriteItems times out; with ``commit`` it really commits first, so only its reply is lost."""
    from botocore.exceptions import ReadTimeoutError

    client = store.dynamodb()
    real_transact = client.transact_write_items

    def transact(**request):
        if commit:
            real_transact(**request)
        if before_timeout is not None:
            before_timeout()
        raise ReadTimeoutError(endpoint_url="http://dynamodb")

    patch.setattr(client, "transact_write_items", transact)


def test_a_write_that_committed_but_whose_reply_was_lost_is_a_201_and_is_stored_once(reviews_table, monkeypatch):
    with monkeypatch.context() as patch:
        time_out_transactions(patch, commit=True)
        answer = call("POST", review("p-lost"))
    assert answer.status == 201
    assert call("GET", query={"product_id": "p-lost"}).body["summary"]["review_count"] == 1
    assert call("GET", query={"product_id": "p-lost"}).body["reviews"] == [answer.body["review"]]


def test_a_write_that_timed_out_before_committing_is_a_503(reviews_table, monkeypatch):
    time_out_transactions(monkeypatch, commit=False)
    assert_503(call("POST", review()))
    assert reviews_table.scan(ConsistentRead=True)["Items"] == []


def test_a_summary_the_engine_cannot_update_leaves_no_review_behind(reviews_table):
    # A summary whose count is not a number makes the engine fail the UpdateItem half of the transaction.
    reviews_table.put_item(Item={"product_id": "p-bad", "review_id": contract.SUMMARY_SORT_KEY, "review_count": "many"})
    answer = call("POST", review("p-bad"))
    assert answer.status == 500 and answer.body["request_id"] == "lambda-request-1"
    assert [item["review_id"] for item in reviews_table.scan(ConsistentRead=True)["Items"]] == [SUMMARY_SORT_KEY]


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


class FakeClock:
    """time.monotonic for the deadline module: a slow attempt moves it on without the test waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ContextWithTimeLeft:
    """Lambda's context: the function's time left, read by the deadline as the request starts."""

    aws_request_id = "lambda-request-1"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(deadline, "time", fake)
    return fake


#: The longest one attempt can take: botocore's connect timeout, then its read timeout.
WORST_ATTEMPT = deadline.CONNECT_TIMEOUT_SECONDS + deadline.READ_TIMEOUT_SECONDS


def slow(clock: FakeClock, seconds: float, answer: AWSResponse | None):
    """A before-send hook: the attempt takes ``seconds``, then ``answer`` (None: the real engine answers)."""

    def attempt(**_):
        clock.advance(seconds)
        return answer

    return attempt


def test_slow_attempts_spend_the_budget_and_the_retry_that_would_not_fit_is_not_sent(reviews_table, clock):
    on_attempt("TransactWriteItems", slow(clock, WORST_ATTEMPT, dynamodb_error(THROTTLED)))
    attempts = fail_operation("TransactWriteItems", [])
    # 12 s: the first attempt ends with 8 s left (enough for up to 1 s of backoff, then 4.5 s); the second
    # ends with 4 s left, less than its backoff of up to 2 s and another attempt.
    assert_503(call("POST", review("p-slow"), context=ContextWithTimeLeft(12)))
    assert len(attempts) == 2
    assert reviews_table.scan(ConsistentRead=True)["Items"] == []


def test_a_retry_whose_backoff_sleep_could_eat_its_time_is_not_made(reviews_table, clock):
    on_attempt("TransactWriteItems", slow(clock, 7, dynamodb_error(THROTTLED)))
    attempts = fail_operation("TransactWriteItems", [])
    # 5 s left: enough for an attempt now (4.5 s), not after botocore's backoff of up to 1 s.
    assert_503(call("POST", review("p-backoff"), context=ContextWithTimeLeft(12)))
    assert len(attempts) == 1


def test_a_retry_after_header_counts_its_extra_sleep(reviews_table, clock):
    throttled_with_retry_after = dynamodb_error(THROTTLED)
    throttled_with_retry_after.headers["x-amz-retry-after"] = "3000"
    on_attempt("TransactWriteItems", slow(clock, 2.5, throttled_with_retry_after))
    attempts = fail_operation("TransactWriteItems", [])
    # 9.5 s left would allow the usual 1 s of backoff and an attempt, but not the 5 s a retry-after may add.
    assert_503(call("POST", review("p-retry-after"), context=ContextWithTimeLeft(12)))
    assert len(attempts) == 1


def test_a_context_whose_time_left_is_not_a_number_means_no_budget(reviews_table):
    from unittest.mock import MagicMock

    mock_context = MagicMock(aws_request_id="mock-request")  # what a user's unit test might pass
    assert call("POST", review("p-mock"), context=mock_context).status == 201


def test_the_stores_own_race_retries_respect_the_budget(reviews_table, clock):
    on_attempt("TransactWriteItems", slow(clock, 8, dynamodb_error(cancelled("None", "TransactionConflict"))))
    attempts = fail_operation("TransactWriteItems", [])
    assert_503(call("POST", review("p-race-late"), context=ContextWithTimeLeft(12)))
    assert len(attempts) == 1  # the race retry would have started with 4 s left


def test_a_slow_token_read_leaves_no_time_for_the_write_so_nothing_is_sent(reviews_table, clock, monkeypatch):
    monkeypatch.setenv(contract.ENV_WRITE_TOKEN_PARAMETER, "/tap/test/write-token")
    token = {"Parameter": {"Name": "/tap/test/write-token", "Type": "SecureString", "Value": "right-token"}}
    ssm_answer = AWSResponse("http://ssm", 200, {"Content-Type": "application/x-amz-json-1.1"}, _Body(token))
    on_attempt("GetParameter", slow(clock, 8, ssm_answer), service="ssm")
    writes = fail_operation("TransactWriteItems", [])
    answer = call(
        "POST", review("p-token"), headers={"Authorization": "Bearer right-token"}, context=ContextWithTimeLeft(12)
    )
    assert_503(answer)
    assert writes == [] and auth._cached_token == "right-token"
    assert reviews_table.scan(ConsistentRead=True)["Items"] == []


def test_a_lost_reply_with_no_time_to_read_it_back_is_a_503_and_the_idempotent_retry_gets_the_review(
    reviews_table, clock, monkeypatch
):
    key = {"Idempotency-Key": "0b9e3a52-lost-reply-key"}
    with monkeypatch.context() as patch:
        time_out_transactions(patch, commit=True, before_timeout=lambda: clock.advance(8))  # a slow commit
        reads = fail_operation("GetItem", [])
        assert_503(call("POST", review("p-unknown"), headers=key, context=ContextWithTimeLeft(12)))
    assert reads == []  # the read-back could have outlasted the function: "retry" rather than silence
    retried = call("POST", review("p-unknown"), headers=key, context=ContextWithTimeLeft(28))
    assert retried.status == 201 and retried.headers["Idempotent-Replayed"] == "true"
    assert call("GET", query={"product_id": "p-unknown"}).body["reviews"] == [retried.body["review"]]


def test_a_short_function_keeps_half_its_time_back(reviews_table, clock):
    assert call("POST", review("p-short"), context=ContextWithTimeLeft(3)).status == 201  # the first call runs
    on_attempt("TransactWriteItems", slow(clock, 2, None))
    attempts = fail_operation("TransactWriteItems", [dynamodb_error(THROTTLED)])
    assert_503(call("POST", review("p-short"), context=ContextWithTimeLeft(3)))
    assert len(attempts) == 1  # a retry with 1 s of 3 left would not start


def test_the_budget_ends_with_its_request(reviews_table, clock):
    on_attempt("Query", slow(clock, 20, dynamodb_error(THROTTLED)))
    assert_503(call("GET", query={"product_id": "p-next"}, context=ContextWithTimeLeft(28)))
    # Outside any request there is no budget, so the spent one is not carried into the warm process's next call.
    assert store.dynamodb().describe_table(TableName=reviews_table.name)["Table"]["TableName"] == reviews_table.name


CONFLICT = {
    "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
    "message": "Transaction is ongoing for the item",
}


def test_a_verified_purchase_mark_that_meets_a_vote_in_flight_reads_again_and_marks(reviews_table):
    from lifecycle_calls import post, verify

    review_id = post("p-tc", "alice", 5).body["review"]["review_id"]
    attempts = fail_operation("UpdateItem", [dynamodb_error(CONFLICT)])
    assert verify(review_id).status == 204
    assert len(attempts) == 2  # the conflict, then the mark after reading the review again
    stored = reviews_table.get_item(Key={"product_id": "p-tc", "review_id": review_id})["Item"]
    assert stored["verified_purchase"] is True and stored["listed_verified"] == "1#" + review_id


def test_a_report_that_keeps_meeting_transactions_is_a_503_not_a_500(reviews_table):
    from lifecycle_calls import post, report

    review_id = post("p-tc2", "alice", 5).body["review"]["review_id"]
    fail_operation("UpdateItem", [dynamodb_error(CONFLICT)] * 20)
    assert_503(report(review_id, "bob"))
