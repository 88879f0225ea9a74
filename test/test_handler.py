"""The handler against the real DynamoDB engine (DynamoDB Local), with events as API Gateway sends them."""

import json
import uuid

import boto3
import pytest

from tap_reviews.function_code.reviews_runtime import contract, handler
from conftest import table_definition_from_template


@pytest.fixture
def table(dynamodb_endpoint, defaults, monkeypatch):
    """A fresh table created from the synthesized template's definition, and the handler pointed at it."""
    name = f"reviews-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb")
    client.create_table(TableName=name, **table_definition_from_template(defaults))
    monkeypatch.setenv(contract.ENV_TABLE_NAME, name)
    monkeypatch.setenv(contract.ENV_ALLOWED_ORIGINS, "*")
    monkeypatch.setattr(handler, "_table", None)
    yield boto3.resource("dynamodb").Table(name)
    client.delete_table(TableName=name)


def event(method, body=None, query=None):
    return {
        "resource": "/reviews",
        "path": "/reviews",
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": "prod", "resourcePath": "/reviews"},
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }


def call(method, body=None, query=None):
    response = handler.handler(event(method, body, query), None)
    return response["statusCode"], json.loads(response["body"])


def all_items(table):
    return table.scan()["Items"]


def test_posted_review_reads_back_unchanged_with_an_integer_rating(table):
    status, created = call("POST", {"product_id": "p-1", "reviewer_id": "r-1", "rating": 4, "comment": "Solid"})
    assert status == 201
    review = created["review"]
    assert review["rating"] == 4 and review["comment"] == "Solid" and len(review["review_id"]) == 26
    status, page = call("GET", query={"product_id": "p-1"})
    assert status == 200
    assert page["reviews"] == [review]
    assert page["count"] == 1 and page["next_token"] is None


def test_reviews_come_back_newest_first_by_product_and_by_reviewer(table):
    ids = [
        call("POST", {"product_id": "p-2", "reviewer_id": "r-2", "rating": r})[1]["review"]["review_id"]
        for r in (1, 2, 3)
    ]
    by_product = call("GET", query={"product_id": "p-2"})[1]
    by_reviewer = call("GET", query={"reviewer_id": "r-2"})[1]
    assert [r["review_id"] for r in by_product["reviews"]] == ids[::-1]
    assert [r["review_id"] for r in by_reviewer["reviews"]] == ids[::-1]


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "{not json",
        {"product_id": "p-3", "reviewer_id": "r-3", "rating": 4.5},
        {"product_id": "p-3", "reviewer_id": "r-3", "rating": "abc"},
        {"product_id": "p-3", "reviewer_id": "r-3", "rating": -7},
        {"product_id": "p-3", "reviewer_id": "r-3", "rating": True},
        {"product_id": "p-3", "reviewer_id": "r-3", "rating": 5, "admin": True},
        {"product_id": "", "reviewer_id": "r-3", "rating": 5},
    ],
)
def test_rejected_post_answers_400_and_stores_nothing(table, body):
    status, error = call("POST", body)
    assert status == 400
    assert set(error) == {"error", "message", "details"}
    assert all_items(table) == []


def test_three_thousand_reviews_of_one_kilobyte_page_back_exactly_once(table):
    with table.batch_writer() as batch:
        for n in range(3000):
            batch.put_item(
                Item={
                    "product_id": "p-big",
                    "review_id": handler.new_review_id(now_ms=1_700_000_000_000 + n),
                    "reviewer_id": f"r-{n % 37}",
                    "rating": n % 5 + 1,
                    "comment": "x" * 1000,
                }
            )
    seen, token, pages = [], None, 0
    while True:
        query = {"product_id": "p-big", "limit": "100"}
        if token:
            query["next_token"] = token
        status, page = call("GET", query=query)
        assert status == 200
        seen += [r["review_id"] for r in page["reviews"]]
        pages += 1
        token = page["next_token"]
        if token is None:
            break
    assert len(seen) == 3000 and len(set(seen)) == 3000
    assert seen == sorted(seen, reverse=True)
    assert pages in (30, 31)  # the last full page may or may not know it is the last


@pytest.mark.parametrize("token", ["not-base64!", "eyJhIjogMX0", "W10"])
def test_forged_next_token_is_a_400(table, token):
    status, error = call("GET", query={"product_id": "p-1", "next_token": token})
    assert status == 400 and error["error"] == "invalid_next_token"


def test_unreachable_dynamodb_answers_503_with_retry_after_not_500(table, monkeypatch):
    import dynamodb_engine

    engine = dynamodb_engine.start()
    engine.stop()  # a port where DynamoDB was and is no more
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint)
    monkeypatch.setattr(handler, "_table", None)
    for method, body, query in (
        ("POST", {"product_id": "p-9", "reviewer_id": "r-9", "rating": 3}, None),
        ("GET", None, {"product_id": "p-9"}),
    ):
        response = handler.handler(event(method, body, query), None)
        assert response["statusCode"] == 503
        assert response["headers"]["Retry-After"] == "1"
        assert json.loads(response["body"])["error"] == "service_unavailable"


def test_throttled_write_answers_503_and_stores_nothing(table, monkeypatch):
    from botocore.exceptions import ClientError

    real_table = handler._reviews_table()

    class ThrottledTable:
        def put_item(self, **_):
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem"
            )

        def query(self, **kwargs):
            return real_table.query(**kwargs)

    monkeypatch.setattr(handler, "_table", ThrottledTable())
    status, error = call("POST", {"product_id": "p-10", "reviewer_id": "r-10", "rating": 2})
    assert status == 503 and error["error"] == "service_unavailable"
    assert all_items(table) == []
