"""The public use cases: create a review, read one, list a product's or a reviewer's published reviews.

Each takes a checked ``Request`` and answers a proxy response; failures are ``ApiError``s from the
catalogue (``errors.py``), which the handler turns into answers.
"""

from __future__ import annotations

from typing import Any

from . import auth, changes, contract, idempotency, ids, listings, policy, store, validation
from .errors import ApiError, Error
from .etag import Version, none_match
from .protocol import Request, respond
from .schema import ID_SCHEMAS, LIMIT_SCHEMA, review_schema
from .views import REVIEW_FIELDS, not_found, public, public_attributes, review_id_from, review_location

#: ``limit``: ASCII digits only (str.isdigit also accepts "²", which int() rejects).
LIMIT_DIGITS = validation.compiled_pattern("^[0-9]{1,3}$")
#: The body schema without and with an authenticated principal, built once rather than per request.
BODY_SCHEMAS = {principal: review_schema(reviewer_from_principal=principal) for principal in (False, True)}


def caller_as(field: str, payload: dict[str, Any], principal: str | None) -> str:
    """The id in ``payload[field]`` (a reviewer or reporter), which must be the authenticated caller when there
    is one (who may then leave it out); ApiError 403 otherwise."""
    if principal is None:
        return str(payload[field])
    if payload.setdefault(field, principal) != principal:
        raise ApiError(Error.FORBIDDEN, f"{field} must be the authenticated caller (or left out).")
    if validation.problems(ID_SCHEMAS[contract.REVIEWER_INDEX_KEY], principal):
        raise ApiError(
            Error.FORBIDDEN,
            f"The authenticated caller's id cannot be a {field}.",
            ["principal: must be 1-256 visible ASCII characters"],
        )
    return principal


def _review_from(payload: Any, principal: str | None) -> dict[str, Any]:
    """The review fields of a POST body, or ApiError 400 listing every problem (403 for another reviewer)."""
    problems = validation.problems(BODY_SCHEMAS[principal is not None], payload)
    if problems:
        raise ApiError(Error.VALIDATION_FAILED, "The review is not valid.", problems)
    review = {name: value for name, value in payload.items() if value is not None}
    caller_as(contract.REVIEWER_INDEX_KEY, review, principal)
    return review


def write_token(request: Request) -> None:
    parameter_name = auth.write_token_parameter()
    if parameter_name:
        auth.require_write_token(request.headers, parameter_name)


def create_review(request: Request) -> dict[str, Any]:
    """Store the review in the body and answer 201 with it (or with the first answer, on a retry)."""
    write_token(request)
    principal = auth.principal(request.context)
    review = _review_from(request.json_body(), principal)
    claim = idempotency.claim(request.headers, principal, review, owner=review[contract.REVIEWER_INDEX_KEY])
    created_at = store.now_iso()
    status = policy.status_of_new_review()
    review.update(
        {
            contract.SORT_KEY: ids.new_review_id(),
            "created_at": created_at,
            "status": status,
            "version": 1,
            **policy.queue_attributes(status, "created", created_at),
        }
    )
    product_id, review_id = review[contract.PARTITION_KEY], review[contract.SORT_KEY]
    review.update(store.new_review_attributes(product_id, review_id, review["rating"], status))
    items = [store.put_new(review), store.put_new(store.locator(review))]
    one_each = policy.one_review_per_reviewer()
    if one_each:
        items.append(store.put_new(store.marker(review)))
    items.append(
        store.summary_update(
            product_id,
            None,
            (status, review["rating"]),
            store.change_record("created", review_id, at=created_at, status=status, version=1),
        )
    )
    location = review_location(request, review_id)
    result = changes.answer(
        201,
        {"review": public(review), "location": location},
        {"Location": location, "ETag": Version.of(review).etag},
    )
    try:
        return changes.commit(
            request,
            items,
            result,
            claim=claim,
            committed=lambda: store.get(store.review_key(product_id, review_id)) is not None,
        )
    except store.Cancelled as cancelled:
        if one_each and cancelled.codes[2] == "ConditionalCheckFailed":
            raise _review_exists(request, review) from cancelled
        raise


def _review_exists(request: Request, review: dict[str, Any]) -> ApiError:
    first = store.get(store.marker_key(review[contract.PARTITION_KEY], review[contract.REVIEWER_INDEX_KEY])) or {}
    location = review_location(request, str(first.get("marks", "")))
    return ApiError(
        Error.REVIEW_EXISTS,
        "This reviewer has reviewed this product already; edit that review instead.",
        [f"Location: {location}"],
        headers={"Location": location},
    )


def get_review(request: Request) -> dict[str, Any]:
    """Answer the published review the path names, with its ``ETag`` (304 when ``If-None-Match`` has it)."""
    review_id = review_id_from(request)
    review = store.find_review(review_id)
    if review is None or review["status"] != contract.STATUS_PUBLISHED:
        raise not_found(review_id)
    version = Version.of(review)
    if none_match(request.headers, version):
        return respond(request, 304, None, {"ETag": version.etag})
    return respond(request, 200, {"review": public(review)}, {"ETag": version.etag})


def page_size(request: Request) -> int:
    """The ``limit`` query parameter (default 20); ApiError 400 unless it is 1-100."""
    limit_text = request.single("limit") or str(LIMIT_SCHEMA["default"])
    if not LIMIT_DIGITS.search(limit_text) or validation.problems(LIMIT_SCHEMA, int(limit_text)):
        raise ApiError(
            Error.INVALID_QUERY,
            f"limit must be an integer from {LIMIT_SCHEMA['minimum']} to {LIMIT_SCHEMA['maximum']}.",
        )
    return int(limit_text)


def refuse_unknown_query(request: Request, known: tuple[str, ...]) -> None:
    unknown = sorted(set(request.query) - set(known))
    if unknown:
        raise ApiError(
            Error.INVALID_QUERY, "Unknown query parameters.", [f"{name}: unknown parameter" for name in unknown]
        )


#: ``rating``: one star (``4``) or a range (``3-5``).
RATING_FILTER = validation.compiled_pattern("^([1-5])(?:-([1-5]))?$")


def _listing_request(request: Request) -> tuple[str, str, int, str | None]:
    """The listing asked for: (id name, id, page size, next_token); ApiError 400 for anything off."""
    refuse_unknown_query(request, contract.LIST_QUERY_PARAMETERS)
    values = {name: request.single(name) for name in contract.LIST_QUERY_PARAMETERS}
    given = [name for name in (contract.PARTITION_KEY, contract.REVIEWER_INDEX_KEY) if values[name] is not None]
    if len(given) != 1:
        raise ApiError(Error.INVALID_QUERY, "Give exactly one of product_id or reviewer_id.")
    (partition_name,) = given
    partition_value = values[partition_name] or ""
    problems = validation.problems(ID_SCHEMAS[partition_name], partition_value, partition_name)
    if problems:
        raise ApiError(Error.INVALID_QUERY, f"{partition_name} is not valid.", problems)
    return partition_name, partition_value, page_size(request), values["next_token"]


def product_listing(request: Request, product_id: str) -> listings.Listing:
    """The order and filters of a product listing (``sort``, ``rating``, ``verified``); ApiError 400 for values
    out of range or combinations no index serves."""
    order = request.single("sort")
    order = contract.SORT_NEWEST if order is None else order
    rating = request.single("rating")
    verified = request.single("verified")
    problems = []
    if order not in contract.SORT_ORDERS:
        problems.append(f"sort: must be one of {', '.join(contract.SORT_ORDERS)}")
    low, high = 1, 5
    if rating is not None:
        match = RATING_FILTER.search(rating)
        if match is None or int(match[2] or match[1]) < int(match[1]):
            problems.append("rating: must be one star from 1 to 5 (4) or a range (3-5)")
        else:
            low, high = int(match[1]), int(match[2] or match[1])
    if verified not in (None, "true", "false"):
        problems.append("verified: must be true or false")
    only_verified = verified == "true"
    if only_verified and (order not in (contract.SORT_NEWEST, contract.SORT_OLDEST) or rating is not None):
        problems.append("verified: combines with sort=newest or sort=oldest and no rating filter only")
    if problems:
        raise ApiError(Error.INVALID_QUERY, "The listing's order or filter is not valid.", problems)
    return listings.Listing(product_id, order, low, high, only_verified)


def list_reviews(request: Request) -> dict[str, Any]:
    """Answer one page of a product's or a reviewer's published reviews.

    A product's reviews come in the order and with the filters asked for (``listings.py``), each page from
    one index; its first page in the default order (newest first, no filter) holds the product's summary,
    from the same Query. A reviewer's come newest first.

    ``next_token`` comes back exactly when more reviews follow: the page reads one review more than it
    shows, and only that one's existence makes a token.
    """
    partition_name, value, limit, token = _listing_request(request)
    if partition_name == contract.PARTITION_KEY:
        listing = product_listing(request, value)
        cursor = listings.decode(token, listing) if token else None
        reviews, summary = listings.page(listing, limit + 1, cursor, REVIEW_FIELDS)
        page = reviews[:limit]
        return respond(
            request,
            200,
            {
                "reviews": [public_attributes(review) for review in page],
                "count": len(page),
                "next_token": listings.encode(listing, page[-1]) if len(reviews) > limit else None,
                "summary": summary,
            },
        )
    if any(request.single(name) is not None for name in ("sort", "rating", "verified")):
        raise ApiError(Error.INVALID_QUERY, "sort, rating and verified apply to a product's reviews only.")
    from . import paging  # only reviewer listings (and the moderators' queue) page by table keys

    key_names = paging.REVIEWER_KEY
    start_key = paging.decode(token, key_names, value) if token else None
    reviews = store.reviews_page(reviewer_id=value, limit=limit + 1, start_key=start_key, fields=REVIEW_FIELDS)
    page = reviews[:limit]
    more = len(reviews) > limit
    body: dict[str, Any] = {
        "reviews": [public(review) for review in page],
        "count": len(page),
        "next_token": paging.encode({name: page[-1][name] for name in key_names}) if more else None,
    }
    return respond(request, 200, body)
