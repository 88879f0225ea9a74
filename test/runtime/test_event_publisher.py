"""Events from the table's stream (DynamoDB Local's real stream): one per committed change, with the summary
right after it, none for a refused request, and a failed PutEvents retried from where it failed."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from lifecycle_calls import decide, delete, edit, erase, moderated, post, report
from test_handler_faults import on_attempt

from tap_reviews.function_code.reviews_runtime import contract, publisher
from tap_reviews.function_code.reviews_runtime.contract import SUMMARY_SORT_KEY


class _Body:
    def __init__(self, payload: dict):
        self._data = json.dumps(payload).encode()

    def stream(self, **_):
        yield self._data


@pytest.fixture
def stream(reviews_table, monkeypatch):
    """The table's stream (new images), and a function that reads every record written since."""
    client = boto3.client("dynamodb")
    client.update_table(
        TableName=reviews_table.name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )
    arn = client.describe_table(TableName=reviews_table.name)["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
    monkeypatch.setenv(contract.ENV_EVENT_BUS_NAME, "shop-events")
    seen: set[str] = set()

    def read_new():
        records = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator)
                records += page["Records"]
                if not page["Records"]:
                    break
                iterator = page.get("NextShardIterator")
        fresh = [r for r in records if r["dynamodb"]["SequenceNumber"] not in seen]
        seen.update(r["dynamodb"]["SequenceNumber"] for r in fresh)
        return fresh

    return read_new


@pytest.fixture
def bus():
    """PutEvents as EventBridge answers it, keeping what was put; ``fail_at`` makes one entry fail."""
    put: list[dict] = []
    control = {"fail_at": None}

    def answer(request, **_):
        entries = json.loads(request.body)["Entries"]
        results = []
        for entry in entries:
            if control["fail_at"] is not None and len(put) == control["fail_at"]:
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
                control["fail_at"] = None
                continue
            put.append(entry)
            results.append({"EventId": f"event-{len(put)}"})
        failed = sum(1 for r in results if "ErrorCode" in r)
        return AWSResponse("https://events", 200, {}, _Body({"FailedEntryCount": failed, "Entries": results}))

    on_attempt("PutEvents", answer, service="events")
    return put, control


def publish(records):
    return publisher.handler({"Records": records}, None)


def test_each_committed_change_is_one_event_with_the_summary_after_it(reviews_table, stream, bus, monkeypatch):
    put, _ = bus
    monkeypatch.setenv(contract.ENV_MODERATION, "post")
    monkeypatch.setenv(contract.ENV_REPORT_THRESHOLD, "1")
    first = post(rating=4)
    review_id, etag = first.body["review"]["review_id"], first.headers["ETag"]
    edited = edit(review_id, {"rating": 2}, etag)
    assert edit(review_id, {"rating": 5}, etag).status == 412  # refused: no event
    assert report(review_id, "bob").status == 204  # held at the threshold of 1
    published = decide(review_id, moderated(review_id).headers["ETag"], "publish")
    decide(review_id, published.headers["ETag"], "reject", "off-topic")
    second = post("p-1", "bob", rating=5)
    assert delete(second.body["review"]["review_id"], author="bob").status == 204
    post("p-2", rating=3)
    assert erase("alice").body["erased_reviews"] == 2
    records = stream()
    assert publish(records) == {"batchItemFailures": []}
    details = [json.loads(entry["Detail"]) for entry in put]
    assert len(put) == 10  # ten committed changes; the refused edit and the repeated report made none
    assert [entry["DetailType"] for entry in put] == [
        "Review Created",
        "Review Updated",
        "Review Held",
        "Review Published",
        "Review Rejected",
        "Review Created",
        "Review Deleted",
        "Review Created",
        "Review Erased",
        "Review Erased",
    ]
    assert {entry["Source"] for entry in put} == {"tap-reviews"}
    assert {entry["EventBusName"] for entry in put} == {"shop-events"}
    assert len({d["change_id"] for d in details}) == len(details)
    counts = [(d["product_id"], d["summary"]["review_count"]) for d in details]
    assert counts == [
        ("p-1", 1),
        ("p-1", 1),
        ("p-1", 0),
        ("p-1", 1),
        ("p-1", 0),
        ("p-1", 1),
        ("p-1", 0),
        ("p-2", 1),
        ("p-1", 0),
        ("p-2", 0),
    ]
    assert details[1]["summary"]["histogram"]["2"] == 1 and details[1]["version"] == 2
    assert details[4]["reason"] == "off-topic" and details[4]["status"] == "rejected"
    assert edited.headers["ETag"] != etag
    assert not [d for d in details if "alice" in json.dumps(d) or "bob" in json.dumps(d)]


def test_a_failed_put_is_reported_so_lambda_retries_from_that_record(reviews_table, stream, bus):
    put, control = bus
    for rating in (1, 2, 3):
        post(rating=rating)
    records = stream()
    control["fail_at"] = 1
    answer = publish(records)
    summary_records = [r for r in records if r["dynamodb"]["Keys"]["review_id"]["S"] == SUMMARY_SORT_KEY]
    assert answer == {"batchItemFailures": [{"itemIdentifier": summary_records[1]["dynamodb"]["SequenceNumber"]}]}
    failed_at = summary_records[1]["dynamodb"]["SequenceNumber"]
    retried = [r for r in records if r["dynamodb"]["SequenceNumber"] >= failed_at]
    assert publish(retried) == {"batchItemFailures": []}
    # At least once: the entry after the failed one went out twice; de-duplicated on change_id, each once.
    details = [json.loads(e["Detail"]) for e in put]
    assert [d["summary"]["review_count"] for d in details] == [1, 3, 2, 3]
    assert len({d["change_id"] for d in details}) == 3


def test_records_of_other_items_make_no_event(reviews_table, stream, bus):
    put, _ = bus
    post()
    records = [r for r in stream() if r["dynamodb"]["Keys"]["review_id"]["S"] != SUMMARY_SORT_KEY]
    assert records and publish(records) == {"batchItemFailures": []} and put == []
