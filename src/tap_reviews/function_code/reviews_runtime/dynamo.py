"""The DynamoDB client, the table's name, and items to and from DynamoDB's JSON."""

from __future__ import annotations

import functools
import os
from decimal import Clamped, Context, Inexact, Overflow, Rounded, Underflow
from typing import Any

from . import clients, contract

#: The decimal context of boto3's ``boto3.dynamodb.types.DYNAMODB_CONTEXT`` (DynamoDB numbers: 38 digits,
#: exponents -130 to +125), spelled here so that reading a number does not import the ``boto3`` package.
DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


@functools.cache
def _types() -> Any:
    """boto3's TypeSerializer and TypeDeserializer, imported on first need (types the paths below do not build)."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: PLC0415 - only for rare types

    return TypeSerializer(), TypeDeserializer()


def dynamodb() -> Any:
    """The DynamoDB client."""
    return clients.client("dynamodb")


def table_name() -> str:
    """The reviews table's name (the function's environment)."""
    return os.environ[contract.ENV_TABLE_NAME]


#: Integers DynamoDB stores exactly (38 significant digits); boto3 refuses larger ones, and so do we.
_EXACT_INTEGER = 10**38


def to_attribute(value: Any) -> dict[str, Any]:
    """``value`` as one DynamoDB attribute value, exactly as boto3's ``TypeSerializer`` makes it.

    Strings, small integers, booleans and maps (what every write path sends) are built directly; anything else
    goes to ``TypeSerializer``. Its generic type checks were a third of an edit's own time in the handler.
    """
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is int and -_EXACT_INTEGER < value < _EXACT_INTEGER:
        return {"N": str(value)}
    if kind is bool:
        return {"BOOL": value}
    if kind is dict:
        return {"M": {name: to_attribute(item) for name, item in value.items()}}
    return _types()[0].serialize(value)  # type: ignore[no-any-return]


def from_attribute(value: dict[str, Any]) -> Any:
    """One DynamoDB attribute value as a plain value, exactly as boto3's ``TypeDeserializer`` reads it."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        return DYNAMODB_CONTEXT.create_decimal(value["N"])
    if "BOOL" in value:
        return value["BOOL"]
    if "M" in value:
        return {name: from_attribute(item) for name, item in value["M"].items()}
    return _types()[1].deserialize(value)


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` in DynamoDB's JSON (``{"S": ...}``, ``{"N": ...}``, ...)."""
    return {name: to_attribute(value) for name, value in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's JSON as plain values (numbers as Decimal)."""
    return {name: from_attribute(value) for name, value in item.items()}
