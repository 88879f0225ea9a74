"""The DynamoDB client, the table's name, and items to and from DynamoDB's JSON."""

from __future__ import annotations

import os
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from . import clients, contract

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def dynamodb() -> Any:
    """The DynamoDB client."""
    return clients.client("dynamodb")


def table_name() -> str:
    """The reviews table's name (the function's environment)."""
    return os.environ[contract.ENV_TABLE_NAME]


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` in DynamoDB's JSON (``{"S": ...}``, ``{"N": ...}``, ...)."""
    return {name: _serializer.serialize(value) for name, value in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's JSON as plain values (numbers as Decimal)."""
    return {name: _deserializer.deserialize(value) for name, value in item.items()}
