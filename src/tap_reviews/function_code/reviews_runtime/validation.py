"""A small JSON Schema validator for the keywords ``schema.py`` uses, listing every problem it finds.

The Lambda runtime has no ``jsonschema`` package, and the review schema needs only a handful of
draft-04 keywords. Any other keyword raises ``UnsupportedSchemaError`` instead of being ignored, so the
schema cannot grow a rule the function silently skips.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

SUPPORTED_KEYWORDS = frozenset(
    {
        "$schema",
        "title",
        "description",
        "default",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "enum",
        "minProperties",
    }
)


class UnsupportedSchemaError(ValueError):
    """The schema uses a keyword this validator does not implement."""


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        # JSON has no booleans-as-numbers and no 4.0-as-integer here: a rating is a whole number.
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    raise UnsupportedSchemaError(f"type {name!r} is not supported")


@lru_cache(maxsize=32)
def compiled_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled with the meaning JSON Schema (ECMAScript) gives it."""
    # ECMAScript's `$` (what API Gateway uses) ends the string; Python's also matches before a final
    # newline, which would let "p-1\n" through. `\Z` is ECMAScript's meaning in Python.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def json_text(value: Any) -> str:
    """``value`` as JSON writes it (``"publish"``, ``null``)."""
    return json.dumps(value)


def _is_unicode(text: str) -> bool:
    # JSON's \ud800 escapes decode to lone surrogates, which no store or response can encode.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def problems(schema: dict[str, Any], value: Any, path: str = "") -> list[str]:
    """Every way ``value`` breaks ``schema``, as ``"<field>: <rule>"`` strings (empty when valid)."""
    unsupported = set(schema) - SUPPORTED_KEYWORDS
    if unsupported:
        raise UnsupportedSchemaError(f"keywords not supported: {sorted(unsupported)}")
    where = path or "body"
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, name) for name in allowed):
            return [f"{where}: must be {' or '.join(allowed)}"]
    found: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: must be one of {', '.join(json_text(option) for option in schema['enum'])}"]
    if isinstance(value, dict):
        if len(value) < schema.get("minProperties", 0):
            found.append(f"{where}: at least {schema['minProperties']} field(s)")
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{name}: required")
        if schema.get("additionalProperties", True) is False:
            found += [f"{name}: unknown field" for name in sorted(set(value) - set(properties))]
        for name, subschema in properties.items():
            if name in value:
                found += problems(subschema, value[name], name)
    if isinstance(value, str):
        if not _is_unicode(value):
            return [f"{where}: must be valid Unicode (no unpaired surrogates)"]
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{where}: at most {schema['maxLength']} characters")
        if "pattern" in schema and not compiled_pattern(schema["pattern"]).search(value):
            found.append(f"{where}: must match {schema['pattern']}")
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: at most {schema['maximum']}")
    return found
