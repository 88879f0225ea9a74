"""The API's OpenAPI 3.1 document, built from the same review JSON Schema the request model uses.

``openapi.json`` beside this module is this document for the default schema (``npx projen docgen``
writes it); ``tap-reviews local`` serves it at ``/openapi.json``, built from the model in the template.
"""

from __future__ import annotations

import copy
from typing import Any

from .function_code.reviews_runtime import contract
from .function_code.reviews_runtime.schema import MAX_BODY_BYTES, REVIEW_ID_PATTERN, review_schema

REVIEW_ID = {"type": "string", "pattern": REVIEW_ID_PATTERN, "description": "Time-ordered, unguessable."}
ERROR = {
    "type": "object",
    "description": "An error the function answered.",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "string"}},
        "request_id": {"type": ["string", "null"]},
    },
    "required": ["error", "message", "details"],
}
GATEWAY_ERROR = {
    "type": "object",
    "description": "An answer API Gateway gave itself (throttling, unknown route, authorization).",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _errors(*statuses: int) -> dict[str, Any]:
    descriptions = {
        400: "Invalid request: the body, a query parameter or a header (each problem in details).",
        401: "The write token is missing or wrong.",
        403: "reviewer_id is not the authenticated caller.",
        409: "The Idempotency-Key was used with a different body.",
        413: f"The body is over {MAX_BODY_BYTES} bytes.",
        500: "Unexpected; the body carries the request id.",
        503: "The store is busy or unreachable; retry after Retry-After seconds.",
    }
    answers = {str(status): _json("#/components/schemas/Error", descriptions[status]) for status in statuses}
    answers["429"] = _json("#/components/schemas/GatewayError", "Over the stage's rate or burst limit.")
    return answers


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
    id_parameter = {key: properties["product_id"][key] for key in ("type", "minLength", "maxLength", "pattern")}
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
                    "parameters": [
                        {
                            "name": "product_id",
                            "in": "query",
                            "schema": id_parameter,
                            "description": "List this product's reviews (with its summary). "
                            "Exactly one of product_id, reviewer_id.",
                        },
                        {
                            "name": "reviewer_id",
                            "in": "query",
                            "schema": id_parameter,
                            "description": "List this reviewer's reviews. Exactly one of product_id, reviewer_id.",
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                        },
                        {
                            "name": "next_token",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "The previous page's next_token.",
                        },
                    ],
                    "responses": {
                        "200": _json("#/components/schemas/ReviewPage", "A page of reviews."),
                        **_errors(400, 500, 503),
                    },
                },
                "post": {
                    "operationId": "createReview",
                    "summary": "Store a review.",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "minLength": 16, "maxLength": 255, "pattern": "^[!-~]+$"},
                            "description": "Retries with the same key and body return the first answer.",
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReviewBody"}}},
                    },
                    "responses": {
                        "201": {
                            **_json(
                                "#/components/schemas/Created", "Stored (or replayed, with Idempotent-Replayed: true)."
                            ),
                            "headers": {
                                "Location": {"schema": {"type": "string"}, "description": "The product's listing."}
                            },
                        },
                        **_errors(400, 401, 403, 409, 413, 500, 503),
                    },
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
                "GatewayError": GATEWAY_ERROR,
            }
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
