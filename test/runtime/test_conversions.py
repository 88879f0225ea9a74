"""The runtime's fast conversions give exactly what the generic ones give.

``dynamo.to_attribute`` and ``from_attribute`` build the common types directly (boto3's TypeSerializer was a
third of an edit's time in the handler) and leave everything else to boto3; ``protocol.plain`` skips its
JSON round trip for flat answers. These properties hold them to the generic answers, errors included.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import DYNAMODB_CONTEXT, Binary, TypeDeserializer, TypeSerializer
from hypothesis import example, given
from hypothesis import strategies as st

from tap_reviews.function_code.reviews_runtime import dynamo
from tap_reviews.function_code.reviews_runtime.dynamo import from_attribute, from_item, to_attribute, to_item
from tap_reviews.function_code.reviews_runtime.protocol import _json_default, plain

numbers = st.one_of(
    st.integers(),  # beyond 38 digits too: boto3 refuses those, and so must we
    st.integers(min_value=-(10**38), max_value=10**38),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
scalars = st.one_of(st.text(), numbers, st.booleans(), st.none(), st.binary(min_size=1).map(Binary))
values = st.recursive(
    st.one_of(
        scalars,
        st.frozensets(st.text(), min_size=1).map(set),
        st.frozensets(st.integers(min_value=-1000, max_value=1000), min_size=1).map(set),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12,
)


def typed(value: Any) -> Any:
    """``value`` with the type of every part spelled out (``True == Decimal(1)``, yet one is not the other)."""
    if isinstance(value, dict):
        return "dict", sorted(((typed(key), typed(item)) for key, item in value.items()), key=repr)
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [typed(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return type(value).__name__, sorted((typed(item) for item in value), key=repr)
    return type(value).__name__, value


def outcome(convert: Any, value: Any) -> Any:
    try:
        return ("value", typed(convert(value)))
    except Exception as error:  # noqa: BLE001 - the same error type is part of "exactly as boto3"
        return ("error", type(error))


@given(values)
@example(10**38 - 1)  # the largest integer DynamoDB keeps exactly
@example(10**38)  # one digit too many: boto3 refuses it (decimal.Rounded)
@example(-(10**38))
@example(123456789012345678901234567890123456789)  # boto3 refuses it (decimal.Inexact)
@example({"nested": {"deeper": [10**40]}})
def test_to_attribute_is_boto3s_serializer(value):
    assert outcome(to_attribute, value) == outcome(TypeSerializer().serialize, value)


@given(values)
def test_from_attribute_is_boto3s_deserializer(value):
    try:
        attribute = TypeSerializer().serialize(value)
    except Exception:  # noqa: BLE001 - nothing DynamoDB could send back
        return
    assert outcome(from_attribute, attribute) == outcome(TypeDeserializer().deserialize, attribute)


@given(st.dictionaries(st.text(max_size=8), values, max_size=5))
def test_items_round_trip_as_boto3s(item):
    try:
        expected = {name: TypeSerializer().serialize(value) for name, value in item.items()}
    except Exception:  # noqa: BLE001
        with pytest.raises(Exception):  # noqa: B017 - the same refusal, asserted above per value
            to_item(item)
        return
    assert typed(to_item(item)) == typed(expected)
    assert typed(from_item(expected)) == typed(
        {name: TypeDeserializer().deserialize(v) for name, v in expected.items()}
    )


def test_numbers_are_read_in_boto3s_decimal_context():
    """The runtime spells boto3's context so that reading a number does not import the boto3 package."""
    ours, boto3s = dynamo.DYNAMODB_CONTEXT, DYNAMODB_CONTEXT
    assert (ours.prec, ours.Emin, ours.Emax, ours.rounding, ours.capitals, ours.clamp) == (
        boto3s.prec,
        boto3s.Emin,
        boto3s.Emax,
        boto3s.rounding,
        boto3s.capitals,
        boto3s.clamp,
    )
    assert {trap for trap, on in ours.traps.items() if on} == {trap for trap, on in boto3s.traps.items() if on}


def test_the_written_types_keep_their_dynamodb_type():
    assert to_attribute(True) == {"BOOL": True} and to_attribute(1) == {"N": "1"}
    assert to_attribute(-(10**37)) == {"N": "-1" + "0" * 37}
    assert from_attribute({"N": "4.50"}) == Decimal("4.50") and from_attribute({"S": ""}) == ""


json_values = st.recursive(
    st.one_of(
        st.text(), st.integers(), st.booleans(), st.none(),
        st.decimals(allow_nan=False, allow_infinity=False, places=2),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), inner, max_size=4)
    ),
    max_leaves=10,
)  # fmt: skip


@given(json_values)
@example({"review_id": "01J", "status": "published", "version": 2, "hidden": None, "spam": False})
@example({1: "a number as a key becomes a string"})
def test_plain_is_a_json_round_trip(value):
    import json

    assert plain(value) == json.loads(json.dumps(value, default=_json_default))


reviews = st.fixed_dictionaries(
    {
        "review_id": st.text(min_size=1),
        "product_id": st.text(min_size=1),
        "reviewer_id": st.text(min_size=1),
        "rating": st.integers(1, 5),
        "created_at": st.text(),
        "status": st.sampled_from(["published", "pending", "rejected"]),
        "helpful_votes": st.integers(0, 10**9),
        "unhelpful_votes": st.integers(0, 10**9),
        "verified_purchase": st.booleans(),
        "helpful_rank": st.integers(0, 10**37 - 1),
    },
    optional={"comment": st.one_of(st.text(), st.none()), "updated_at": st.text()},
)


@given(reviews)
def test_a_listings_view_of_a_stored_review_is_the_view_of_the_converted_one(review):
    # Listings read reviews as DynamoDB's JSON and build the view directly; it must equal the generic path's.
    from tap_reviews.function_code.reviews_runtime.views import public, public_attributes

    stored = to_item(review)
    assert public_attributes(stored) == public(from_item(stored))
    assert plain({"r": public_attributes(stored)}) == plain({"r": public(from_item(stored))})


# DynamoDB's item reads: the runtime's client takes the JSON body as it is, botocore walks it through the model.
plain_values = st.recursive(
    st.one_of(
        st.text(), numbers, st.booleans(), st.none(),
        st.frozensets(st.text(), min_size=1).map(set),
        st.frozensets(st.integers(min_value=-1000, max_value=1000), min_size=1).map(set),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12,
)  # fmt: skip
items = st.lists(st.dictionaries(st.text(max_size=8), plain_values, max_size=5), max_size=4)


def serialized(item: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return {name: TypeSerializer().serialize(value) for name, value in item.items()}
    except Exception:  # noqa: BLE001 - nothing DynamoDB could hold
        return None


@functools.cache
def output_shape(operation: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("dynamodb").operation_model(operation).output_shape


def both_parses(operation: str, body: dict[str, Any] | bytes, ascii_only: bool = True) -> tuple[Any, Any]:
    import botocore.parsers

    from tap_reviews.function_code.reviews_runtime import clients

    shape = output_shape(operation)
    response = {
        "status_code": 200,
        "headers": {"x-amzn-requestid": "R1", "content-type": "application/x-amz-json-1.0"},
        "body": body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=ascii_only).encode(),
    }
    ours, botocores = (
        clients._PlainItemsParser().parse(response, shape),
        botocore.parsers.JSONParser().parse(response, shape),
    )
    return typed(ours), typed(botocores)


@given(items, st.booleans(), st.booleans())
@example([{"comment": 'a review that quotes JSON: {"B": "aGk="}'}], False, True)
@example([{"comment": "ünïcødé, 漢字 and 🙂"}], True, False)
def test_item_reads_parse_as_botocore_parses_them(stored, more, ascii_only):
    found = [item for item in map(serialized, stored) if item is not None]
    last = {"LastEvaluatedKey": found[0]} if more and found else {}
    bodies = {
        "Query": {"Items": found, "Count": len(found), "ScannedCount": len(found), **last},
        "GetItem": {"Item": found[0]} if found else {},
        "BatchGetItem": {"Responses": {"reviews": found}, "UnprocessedKeys": {}},
    }
    for operation, body in bodies.items():
        ours, botocores = both_parses(operation, body, ascii_only)
        assert ours == botocores


def test_binary_values_and_other_outputs_are_left_to_botocore():
    binary = {"Items": [{"photo": {"B": "aGk="}, "tags": {"BS": ["aGk="]}}], "Count": 1, "ScannedCount": 1}
    ours, botocores = both_parses("Query", binary)
    assert ours == botocores and "('bytes', b'hi')" in repr(ours)  # decoded from base64, as botocore does
    ours, botocores = both_parses("DescribeTable", {"Table": {"CreationDateTime": 1.7e9, "TableName": "t"}})
    assert ours == botocores and "('datetime', datetime.datetime(" in repr(ours)  # a timestamp, not the float
    # A damaged body (its checksum then fails, and botocore retries): botocore's reading, not a JSONDecodeError.
    ours, botocores = both_parses("Query", b'{"Items": [{"id": {"S": "cut')
    assert ours == botocores


def test_the_runtimes_dynamodb_client_reads_items_as_plain_json(reviews_table, monkeypatch):
    from tap_reviews.function_code.reviews_runtime import clients

    bodies = []

    class Spy:
        @staticmethod
        def loads(body: bytes) -> Any:
            bodies.append(body)
            return json.loads(body)

    monkeypatch.setattr(clients, "json", Spy)
    reviews_table.put_item(Item={"product_id": "p-plain", "review_id": "r-1", "rating": 4})
    dynamodb = clients.client("dynamodb")
    query = {"KeyConditionExpression": "product_id = :p", "ExpressionAttributeValues": {":p": {"S": "p-plain"}}}
    page = dynamodb.query(TableName=reviews_table.name, **query)
    found = dynamodb.get_item(
        TableName=reviews_table.name, Key={"product_id": {"S": "p-plain"}, "review_id": {"S": "r-1"}}
    )
    assert (
        page["Items"]
        == [found["Item"]]
        == [{"product_id": {"S": "p-plain"}, "review_id": {"S": "r-1"}, "rating": {"N": "4"}}]
    )
    assert len(bodies) == 2  # both read without botocore's walk
    assert found["ResponseMetadata"]["HTTPStatusCode"] == 200 and found["ResponseMetadata"]["RequestId"]
