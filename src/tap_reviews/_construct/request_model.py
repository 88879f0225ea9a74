"""The runtime's JSON Schema as an API Gateway model, so bodies are checked at the edge by the same rules."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_apigateway as apigateway

_SCHEMA_TYPES = {
    "object": apigateway.JsonSchemaType.OBJECT,
    "string": apigateway.JsonSchemaType.STRING,
    "integer": apigateway.JsonSchemaType.INTEGER,
    "null": apigateway.JsonSchemaType.NULL,
    "boolean": apigateway.JsonSchemaType.BOOLEAN,
}
_SCHEMA_VERSIONS = {"http://json-schema.org/draft-04/schema#": apigateway.JsonSchemaVersion.DRAFT4}


def json_schema(schema: dict[str, Any]) -> apigateway.JsonSchema:
    """The runtime's JSON Schema (a dict) as an API Gateway model schema; unknown keywords are an error."""
    converters: dict[str, tuple[str, Any]] = {
        "$schema": ("schema", _SCHEMA_VERSIONS.__getitem__),
        "title": ("title", str),
        "description": ("description", str),
        "type": ("type", lambda t: _SCHEMA_TYPES[t] if isinstance(t, str) else [_SCHEMA_TYPES[n] for n in t]),
        "properties": ("properties", lambda props: {name: json_schema(sub) for name, sub in props.items()}),
        "required": ("required", list),
        "additionalProperties": ("additional_properties", bool),
        "minLength": ("min_length", int),
        "maxLength": ("max_length", int),
        "pattern": ("pattern", str),
        "minimum": ("minimum", int),
        "maximum": ("maximum", int),
        "enum": ("enum", list),
        "minProperties": ("min_properties", int),
    }
    unknown = set(schema) - set(converters)
    if unknown:
        raise ValueError(f"JSON Schema keywords with no API Gateway mapping here: {sorted(unknown)}")
    return apigateway.JsonSchema(**{converters[key][0]: converters[key][1](value) for key, value in schema.items()})
