"""The API's OpenAPI 3.1 document, made from what the runtime defines: the review JSON Schema, the query and
header rules (``schema.py``, ``contract.py``) and the error catalogue (``errors.py``).

``openapi.json`` beside this module is this document for the default schema (``uv run projen docgen``
writes it); ``tap-reviews local`` serves it at ``/openapi.json``, built from the model in the template.
"""

from __future__ import annotations

import copy
from typing import Any

from .function_code.reviews_runtime import contract
from .function_code.reviews_runtime.errors import GET_REVIEWS, POST_REVIEWS, Error
from .function_code.reviews_runtime.schema import (
    IDEMPOTENCY_KEY_SCHEMA,
    LIMIT_SCHEMA,
    REVIEW_ID_PATTERN,
    review_schema,
)

REVIEW_ID = {"type": "string", "pattern": REVIEW_ID_PATTERN, "description": "Time-ordered, unguessable."}
ERROR = {
    "type": "object",
    "description": "Every error, from the function or from API Gateway itself: `error` is a code from the error "
    "catalogue, `details` lists each problem (API Gateway's own answers: its response type).",
    "properties": {
        "error": {"type": "string", "enum": [error.code for error in Error]},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "string"}},
        "request_id": {"type": ["string", "null"]},
    },
    "required": ["error", "message", "details"],
}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _errors(route: str) -> dict[str, Any]:
    """The error answers of ``route``: per status, every catalogue code it can carry there."""
    by_status: dict[int, list[Error]] = {}
    for error in Error:
        if route in error.routes:
            by_status.setdefault(error.status, []).append(error)
    answers = {}
    for status, errors in sorted(by_status.items()):
        answer = _json("#/components/schemas/Error", " ".join(f"`{e.code}`: {e.when}" for e in errors))
        answer["content"]["application/json"]["schema"] = {
            "allOf": [
                {"$ref": "#/components/schemas/Error"},
                {"properties": {"error": {"enum": [e.code for e in errors]}}},
            ]
        }
        answers[str(status)] = answer
    return answers


def _query_parameters(id_schema: dict[str, Any]) -> list[dict[str, Any]]:
    described = {
        "product_id": "List this product's reviews (with its summary). Exactly one of product_id, reviewer_id.",
        "reviewer_id": "List this reviewer's reviews. Exactly one of product_id, reviewer_id.",
        "limit": "Reviews per page.",
        "next_token": "The previous page's next_token.",
    }
    schemas = {
        "product_id": id_schema,
        "reviewer_id": id_schema,
        "limit": LIMIT_SCHEMA,
        "next_token": {"type": "string"},
    }
    return [
        {"name": name, "in": "query", "schema": schemas[name], "description": described[name]}
        for name in contract.LIST_QUERY_PARAMETERS
    ]


def openapi_document(body_schema: dict[str, Any] | None = None, *, server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/reviews`` whose POST body is ``body_schema`` (default: the runtime's)."""
    review_body = copy.deepcopy(body_schema or review_schema())
    review_body.pop("$schema", None)
    properties = review_body["properties"]
    review = {
        "type": "object",
        "properties": {
            "review_id": REVIEW_ID,
            "product_id": properties["product_id"],
            "reviewer_id": properties["reviewer_id"],
            "rating": properties["rating"],
            "comment": {**properties["comment"], "type": ["string", "null"]},
            "created_at": {"type": "string", "description": "ISO 8601, UTC, milliseconds."},
        },
        "required": ["review_id", "product_id", "reviewer_id", "rating", "comment", "created_at"],
        "additionalProperties": False,
    }
    page = {
        "type": "object",
        "properties": {
            "reviews": {"type": "array", "items": {"$ref": "#/components/schemas/Review"}},
            "count": {"type": "integer", "minimum": 0},
            "next_token": {"type": ["string", "null"]},
            "summary": {
                "type": "object",
                "properties": {
                    "review_count": {"type": "integer", "minimum": 0},
                    "average_rating": {"type": ["number", "null"]},
                },
                "required": ["review_count", "average_rating"],
            },
        },
        "required": ["reviews", "count", "next_token"],
    }
    id_schema = {key: properties["product_id"][key] for key in ("type", "minLength", "maxLength", "pattern")}
    idempotency_key = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": IDEMPOTENCY_KEY_SCHEMA,
        "description": "Retries with the same key and body return the first answer.",
    }
    created = _json("#/components/schemas/Created", "Stored (or replayed, with Idempotent-Replayed: true).")
    created["headers"] = {"Location": {"schema": {"type": "string"}, "description": "The product's listing."}}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Product reviews API (tap-reviews)",
            "version": "1",
            "description": "POST a review; list a product's or a reviewer's reviews, newest first.",
        },
        "paths": {
            f"/{contract.RESOURCE_PATH}": {
                "get": {
                    "operationId": "listReviews",
                    "summary": "One page of a product's or a reviewer's reviews, newest first.",
                    "parameters": _query_parameters(id_schema),
                    "responses": {
                        "200": _json("#/components/schemas/ReviewPage", "A page of reviews."),
                        **_errors(GET_REVIEWS),
                    },
                },
                "post": {
                    "operationId": "createReview",
                    "summary": "Store a review.",
                    "parameters": [idempotency_key],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReviewBody"}}},
                    },
                    "responses": {"201": created, **_errors(POST_REVIEWS)},
                },
            }
        },
        "components": {
            "schemas": {
                "ReviewBody": review_body,
                "Review": review,
                "Created": {
                    "type": "object",
                    "properties": {"review": {"$ref": "#/components/schemas/Review"}, "location": {"type": "string"}},
                    "required": ["review", "location"],
                },
                "ReviewPage": page,
                "Error": ERROR,
            }
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
