"""The API's OpenAPI 3.1 document, made from what the runtime defines: the request JSON Schemas, the query and
header rules (``schema.py``, ``contract.py``) and the error catalogue (``errors.py``).

``openapi.json`` beside this module is this document for the default schemas and every route (``uv run
projen docgen`` writes it); ``tap-reviews local`` serves it at ``/openapi.json``, built from the routes and
models in the template.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from .function_code.reviews_runtime import contract
from .function_code.reviews_runtime.errors import (
    DELETE_MODERATED,
    DELETE_REVIEW,
    EVERY_ROUTE,
    GET_MODERATED,
    GET_QUEUE,
    GET_REVIEW,
    GET_REVIEWS,
    GET_SUMMARIES,
    PATCH_REVIEW,
    POST_DECISION,
    POST_ERASURE,
    POST_REPORT,
    POST_REVIEWS,
    POST_VOTE,
    PUT_VERIFIED_PURCHASE,
    Error,
)
from .function_code.reviews_runtime.schema import (
    IDEMPOTENCY_KEY_SCHEMA,
    LIMIT_SCHEMA,
    REVIEW_ID_PATTERN,
    decision_schema,
    erasure_schema,
    report_schema,
    review_patch_schema,
    review_schema,
    vote_schema,
)
from .function_code.reviews_runtime.views import MODERATION_FIELDS, REVIEW_FIELDS

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


def _parameter(
    name: str, where: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


REVIEW_ID_PARAMETER = _parameter(
    contract.REVIEW_ID_PARAMETER, "path", REVIEW_ID, "The review's id, as the API issued it.", required=True
)
IDEMPOTENCY_KEY = _parameter(
    "Idempotency-Key",
    "header",
    IDEMPOTENCY_KEY_SCHEMA,
    "Retries with the same key and request within 24 hours return the first answer (Idempotent-Replayed: true).",
)
ETAG_SCHEMA = {"type": "string", "description": "A strong ETag (RFC 9110, section 8.8.3), opaque."}


def _if_match(required: bool) -> dict[str, Any]:
    return _parameter(
        "If-Match",
        "header",
        ETAG_SCHEMA,
        "The review's ETag as last read: the write happens only if it is still current (412 otherwise).",
        required=required,
    )


def _paging(id_schema: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    described = {
        "product_id": "List this product's reviews (the first page in the default order with its summary). "
        "Exactly one of product_id, reviewer_id.",
        "reviewer_id": "List this reviewer's reviews, newest first. Exactly one of product_id, reviewer_id.",
        "limit": "Reviews per page.",
        "next_token": "The previous page's next_token (with the same sort and filters).",
        "sort": "A product's reviews in this order: newest (the default), oldest, highest or lowest rating (ties: "
        "newest first when highest, oldest first when lowest), most_helpful (ties: newest first).",
        "rating": "Only a product's reviews with this many stars (4) or in this range (3-5).",
        "verified": "true: only a product's verified purchases (with sort newest or oldest, and no rating).",
    }
    schemas = {
        "product_id": id_schema,
        "reviewer_id": id_schema,
        "limit": LIMIT_SCHEMA,
        "next_token": {"type": "string"},
        "sort": {"type": "string", "enum": list(contract.SORT_ORDERS), "default": contract.SORT_NEWEST},
        "rating": {"type": "string", "pattern": "^[1-5](-[1-5])?$"},
        "verified": {"type": "string", "enum": ["true", "false"], "default": "false"},
    }
    return [_parameter(name, "query", schemas[name], described[name]) for name in names]


def _body(schema_ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _plain_schema(schema: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(schema)
    body.pop("$schema", None)
    return body


def _with_headers(answer: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer["headers"] = {
        name.replace("_", "-"): {"schema": {"type": "string"}, "description": text} for name, text in headers.items()
    }
    return answer


def openapi_document(
    models: Mapping[str, dict[str, Any]] | None = None,
    *,
    routes: Collection[str] | None = None,
    server_url: str | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API.

    Args:
        models: Request body schemas by route (``"POST /reviews"``), as a template's models define them.
            Default: the runtime's, for an API without authenticated callers.
        routes: The routes the API serves (``"GET /reviews"``, ...). Default: every route
            (``errors.EVERY_ROUTE``); a template without authenticated authors lacks PATCH and DELETE.
        server_url: The stage's URL, as ``servers[0]``. Default: none.
    """
    bodies = {
        POST_REVIEWS: review_schema(),
        PATCH_REVIEW: review_patch_schema(),
        POST_REPORT: report_schema(),
        POST_VOTE: vote_schema(),
        POST_DECISION: decision_schema(),
        POST_ERASURE: erasure_schema(),
        **(models or {}),
    }
    served = set(EVERY_ROUTE if routes is None else routes)
    review_body = _plain_schema(bodies[POST_REVIEWS])
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
            "updated_at": {"type": ["string", "null"], "description": "The last edit (ISO 8601), or null."},
            "status": {"type": "string", "enum": list(contract.STATUSES)},
            contract.HELPFUL_VOTES: {"type": "integer", "minimum": 0, "description": "Voters it helped."},
            contract.UNHELPFUL_VOTES: {"type": "integer", "minimum": 0, "description": "Voters it did not help."},
            contract.VERIFIED_PURCHASE: {
                "type": "boolean",
                "description": "The shop's order system marked it a verified purchase.",
            },
        },
        "required": list(REVIEW_FIELDS),
        "additionalProperties": False,
    }
    moderated: dict[str, Any] = copy.deepcopy(review)
    moderated["properties"].update(
        {
            "reports": {"type": "integer", "minimum": 0, "description": "Reports since a moderator last published it."},
            "queued_at": {"type": ["string", "null"]},
            "queued_because": {"type": ["string", "null"], "enum": ["created", "edited", "reported", None]},
            "decision": {"type": ["string", "null"], "enum": ["publish", "reject", None]},
            "reason": {"type": ["string", "null"], "description": "Why the review was rejected."},
            "decided_at": {"type": ["string", "null"]},
            "decided_by": {"type": ["string", "null"], "description": "The moderator (the authenticated caller)."},
            "etag": ETAG_SCHEMA,
        }
    )
    moderated["required"] = [*REVIEW_FIELDS, *MODERATION_FIELDS, "etag"]
    summary = {
        "type": "object",
        "properties": {
            "review_count": {"type": "integer", "minimum": 0},
            "average_rating": {"type": ["number", "null"]},
            "histogram": {
                "type": "object",
                "description": "Published reviews per star, 1 to 5.",
                "properties": {str(stars): {"type": "integer", "minimum": 0} for stars in range(1, 6)},
                "required": [str(stars) for stars in range(1, 6)],
            },
        },
        "required": ["review_count", "average_rating", "histogram"],
    }

    def page(items: str, with_summary: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {
                "reviews": {"type": "array", "items": {"$ref": f"#/components/schemas/{items}"}},
                "count": {"type": "integer", "minimum": 0},
                "next_token": {"type": ["string", "null"]},
            },
            "required": ["reviews", "count", "next_token"],
        }
        if with_summary:
            schema["properties"]["summary"] = {
                "description": "A product listing's first page in the default order (newest, no filter): the "
                "product's summary, from the same read; null on any other page, and absent for a reviewer.",
                "oneOf": [{"$ref": "#/components/schemas/Summary"}, {"type": "null"}],
            }
        return schema

    id_schema = {key: properties["product_id"][key] for key in ("type", "minLength", "maxLength", "pattern")}
    created = _with_headers(
        _json("#/components/schemas/Created", "Stored (or replayed, with Idempotent-Replayed: true)."),
        Location="The review's URL.",
        ETag="The review's ETag.",
    )
    written = _with_headers(
        _json("#/components/schemas/Written", "Changed: the review's status and new ETag."),
        Location="The review's URL.",
        ETag="The review's new ETag.",
    )
    gone = {"description": "Deleted (or replayed, with Idempotent-Replayed: true)."}
    operations: dict[str, dict[str, Any]] = {
        GET_REVIEWS: {
            "operationId": "listReviews",
            "summary": "One page of a product's published reviews (in an order, filtered by rating or verified "
            "purchase), or of a reviewer's, newest first.",
            "parameters": _paging(id_schema, contract.LIST_QUERY_PARAMETERS),
            "responses": {"200": _json("#/components/schemas/ReviewPage", "A page of reviews.")},
        },
        POST_REVIEWS: {
            "operationId": "createReview",
            "summary": "Store a review (published at once, or pending under pre-moderation).",
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": _body("#/components/schemas/ReviewBody"),
            "responses": {"201": created},
        },
        GET_REVIEW: {
            "operationId": "getReview",
            "summary": "A published review, with its ETag.",
            "parameters": [
                REVIEW_ID_PARAMETER,
                _parameter("If-None-Match", "header", ETAG_SCHEMA, "304 when the review still has this ETag."),
            ],
            "responses": {
                "200": _with_headers(_json("#/components/schemas/ReviewAnswer", "The review."), ETag="Its ETag."),
                "304": _with_headers({"description": "Not modified."}, ETag="Its ETag."),
            },
        },
        PATCH_REVIEW: {
            "operationId": "editReview",
            "summary": "The author changes the rating and/or comment (a JSON merge patch, RFC 7396).",
            "parameters": [REVIEW_ID_PARAMETER, _if_match(True), IDEMPOTENCY_KEY],
            "requestBody": _body("#/components/schemas/ReviewPatch"),
            "responses": {"200": written},
        },
        DELETE_REVIEW: {
            "operationId": "deleteReview",
            "summary": "The author deletes the review.",
            "parameters": [REVIEW_ID_PARAMETER, _if_match(False), IDEMPOTENCY_KEY],
            "responses": {"204": gone},
        },
        POST_REPORT: {
            "operationId": "reportReview",
            "summary": "Report a published review; each reporter counts once.",
            "parameters": [REVIEW_ID_PARAMETER],
            "requestBody": _body("#/components/schemas/Report"),
            "responses": {"204": {"description": "Counted (a repeated report by the same reporter counts once)."}},
        },
        POST_VOTE: {
            "operationId": "voteReview",
            "summary": "Say whether a published review helped; one vote per voter per review (a later vote "
            "replaces it).",
            "parameters": [REVIEW_ID_PARAMETER],
            "requestBody": _body("#/components/schemas/Vote"),
            "responses": {"204": {"description": "Counted (the same vote again changes nothing)."}},
        },
        PUT_VERIFIED_PURCHASE: {
            "operationId": "verifyPurchase",
            "summary": "Mark a review a verified purchase (IAM principals granted grant_verify_purchase).",
            "parameters": [REVIEW_ID_PARAMETER],
            "responses": {"204": {"description": "Marked (or marked already)."}},
        },
        GET_QUEUE: {
            "operationId": "listModerationQueue",
            "summary": "Pending reviews, longest waiting first (moderators).",
            "parameters": _paging(id_schema, contract.QUEUE_QUERY_PARAMETERS),
            "responses": {"200": _json("#/components/schemas/ModerationPage", "A page of the queue.")},
        },
        GET_MODERATED: {
            "operationId": "getModeratedReview",
            "summary": "A review in any status, with its moderation state (moderators).",
            "parameters": [REVIEW_ID_PARAMETER],
            "responses": {
                "200": _with_headers(_json("#/components/schemas/ModeratedAnswer", "The review."), ETag="Its ETag.")
            },
        },
        DELETE_MODERATED: {
            "operationId": "removeReview",
            "summary": "Remove any review (moderators).",
            "parameters": [REVIEW_ID_PARAMETER, _if_match(False), IDEMPOTENCY_KEY],
            "responses": {"204": gone},
        },
        POST_DECISION: {
            "operationId": "decideReview",
            "summary": "Publish or reject a review at its ETag (moderators).",
            "parameters": [REVIEW_ID_PARAMETER, _if_match(True), IDEMPOTENCY_KEY],
            "requestBody": _body("#/components/schemas/Decision"),
            "responses": {"200": written},
        },
        POST_ERASURE: {
            "operationId": "eraseReviewer",
            "summary": "Erase every review of one reviewer (moderators); repeat while the answer is 202.",
            "requestBody": _body("#/components/schemas/Erasure"),
            "responses": {
                "200": _json("#/components/schemas/ErasureProgress", "Done: nothing of the reviewer is left."),
                "202": _json("#/components/schemas/ErasureProgress", "Progress: call again to continue."),
            },
        },
        GET_SUMMARIES: {
            "operationId": "listSummaries",
            "summary": "The summaries of many products at once (a category page), in the order asked.",
            "parameters": [
                _parameter(
                    "product_ids",
                    "query",
                    {"type": "string", "minLength": 1},
                    f"Up to {contract.MAX_SUMMARY_PRODUCTS} product ids, separated by commas (a repeated id "
                    "is answered once).",
                    required=True,
                )
            ],
            "responses": {"200": _json("#/components/schemas/Summaries", "Each product's summary (zeros: none).")},
        },
    }
    paths: dict[str, dict[str, Any]] = {}
    for route, operation in operations.items():
        if route not in served:
            continue
        verb, resource = route.split(" ", 1)
        operation["responses"].update(_errors(route))
        paths.setdefault(resource, {})[verb.lower()] = operation
    written_schema = {
        "type": "object",
        "properties": {
            "review_id": REVIEW_ID,
            "product_id": properties["product_id"],
            "status": {"type": "string", "enum": list(contract.STATUSES)},
            "location": {"type": "string"},
        },
        "required": ["review_id", "product_id", "status", "location"],
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Product reviews API (tap-reviews)",
            "version": "1",
            "description": "Post, read, edit and delete reviews; list a product's reviews in five orders, "
            "filtered by rating or verified purchase, or a reviewer's, newest first; vote on helpfulness; mark "
            "verified purchases; report abuse; moderate.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                "ReviewBody": review_body,
                "ReviewPatch": _plain_schema(bodies[PATCH_REVIEW]),
                "Report": _plain_schema(bodies[POST_REPORT]),
                "Vote": _plain_schema(bodies[POST_VOTE]),
                "Decision": _plain_schema(bodies[POST_DECISION]),
                "Erasure": _plain_schema(bodies[POST_ERASURE]),
                "Review": review,
                "ModeratedReview": moderated,
                "Summary": summary,
                "Created": {
                    "type": "object",
                    "properties": {"review": {"$ref": "#/components/schemas/Review"}, "location": {"type": "string"}},
                    "required": ["review", "location"],
                },
                "Written": written_schema,
                "ReviewAnswer": {
                    "type": "object",
                    "properties": {"review": {"$ref": "#/components/schemas/Review"}},
                    "required": ["review"],
                },
                "ModeratedAnswer": {
                    "type": "object",
                    "properties": {"review": {"$ref": "#/components/schemas/ModeratedReview"}},
                    "required": ["review"],
                },
                "Summaries": {
                    "type": "object",
                    "properties": {
                        "summaries": {
                            "type": "array",
                            "items": {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Summary"},
                                    {
                                        "type": "object",
                                        "properties": {"product_id": properties["product_id"]},
                                        "required": ["product_id"],
                                    },
                                ]
                            },
                        }
                    },
                    "required": ["summaries"],
                },
                "ReviewPage": page("Review", with_summary=True),
                "ModerationPage": page("ModeratedReview", with_summary=False),
                "ErasureProgress": {
                    "type": "object",
                    "properties": {
                        "reviewer_id": properties["reviewer_id"],
                        "erased_reviews": {"type": "integer", "minimum": 0},
                        "done": {"type": "boolean"},
                    },
                    "required": ["reviewer_id", "erased_reviews", "done"],
                },
                "Error": ERROR,
            }
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
