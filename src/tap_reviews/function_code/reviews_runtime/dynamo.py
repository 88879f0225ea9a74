"""The DynamoDB client, the table's name, and items to and from DynamoDB's JSON."""

from __future__ import annotations

import functools
import os
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

from . import clients, contract

#: The decimal context of boto3's ``boto3.dynamodb.types.DYNAMODB_CONTEXT`` (DynamoDB numbers: 38 digits,
#: exponents -130 to +125), spelled here so that reading a number does not import the ``boto3`` package.
DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


@functools.cache
def _types() -> Any:
    """boto3's TypeSerializer and TypeDeserializer, imported on first need (types the runtime never stores)."""
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

    Every type the runtime stores is built here (strings, numbers, booleans, null, maps, lists and string
    sets): boto3's generic type checks were a third of an edit's own time in the handler, and importing
    boto3 costs ~30 ms of the request that first needs it. Anything else (binary values, tuples, other
    sets, and floats, which boto3 refuses) goes to ``TypeSerializer``, imported then.
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
    if value is None:
        return {"NULL": True}
    if kind is list:
        return {"L": [to_attribute(item) for item in value]}
    if kind is int or kind is Decimal:
        number = str(DYNAMODB_CONTEXT.create_decimal(value))  # raises past 38 digits, as boto3's does
        if number in ("Infinity", "NaN"):
            raise TypeError("Infinity and NaN not supported")
        return {"N": number}
    if kind is set and value and all(type(item) is str for item in value):
        return {"SS": list(value)}
    return _types()[0].serialize(value)  # type: ignore[no-any-return]


def from_attribute(value: dict[str, Any]) -> Any:
    """One DynamoDB attribute value as a plain value, exactly as boto3's ``TypeDeserializer`` reads it
    (binary values go to it, imported then)."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        return DYNAMODB_CONTEXT.create_decimal(value["N"])
    if "BOOL" in value:
        return value["BOOL"]
    if "M" in value:
        return {name: from_attribute(item) for name, item in value["M"].items()}
    if "NULL" in value:
        return None
    if "L" in value:
        return [from_attribute(item) for item in value["L"]]
    if "SS" in value:
        return set(value["SS"])
    if "NS" in value:
        return {DYNAMODB_CONTEXT.create_decimal(number) for number in value["NS"]}
    return _types()[1].deserialize(value)


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` in DynamoDB's JSON (``{"S": ...}``, ``{"N": ...}``, ...)."""
    return {name: to_attribute(value) for name, value in values.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's JSON as plain values (numbers as Decimal)."""
    return {name: from_attribute(value) for name, value in item.items()}
