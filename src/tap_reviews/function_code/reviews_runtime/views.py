"""What the API shows of a review, to anyone and to moderators, and the id a route names in its path."""

from __future__ import annotations

from typing import Any

from . import contract, ids
from .errors import ApiError, Error
from .etag import Version
from .protocol import Request

#: The fields of a review as anyone sees it, in order; absent ones show as null.
REVIEW_FIELDS = (
    "review_id",
    "product_id",
    "reviewer_id",
    "rating",
    "comment",
    "created_at",
    "updated_at",
    "status",
    contract.HELPFUL_VOTES,
    contract.UNHELPFUL_VOTES,
    contract.VERIFIED_PURCHASE,
)
#: What moderators see besides: reports since the last decision, why and since when it waits, the decision.
MODERATION_FIELDS = ("reports", "queued_at", "queued_because", "decision", "reason", "decided_at", "decided_by")


#: The whole-number fields, stored as DynamoDB numbers (Decimal): shown as ints, which the JSON encoder writes
#: itself instead of calling back into Python for each one.
_COUNTS = ("rating", contract.HELPFUL_VOTES, contract.UNHELPFUL_VOTES)


def public(review: dict[str, Any]) -> dict[str, Any]:
    """The review as the API shows it to anyone."""
    view = {name: review.get(name) for name in REVIEW_FIELDS}
    for name in _COUNTS:
        value = view[name]
        if value is not None:
            view[name] = int(value)
    return view


def public_attributes(item: dict[str, Any]) -> dict[str, Any]:
    """``public`` of a review still in DynamoDB's JSON, as a listing's Query returns it: its fields are
    strings, whole numbers and booleans, so they are read directly (no Decimal on the way to JSON)."""
    view: dict[str, Any] = {}
    for name in REVIEW_FIELDS:
        value = item.get(name)
        if value is None:
            view[name] = None
        elif "S" in value:
            view[name] = value["S"]
        elif "N" in value:
            view[name] = int(value["N"])
        else:
            view[name] = value.get("BOOL")  # None for DynamoDB's NULL
    return view


def moderated(review: dict[str, Any]) -> dict[str, Any]:
    """The review as moderators see it: everything public, its moderation state, and its ``etag``."""
    view = public(review)
    view.update({name: review.get(name) for name in MODERATION_FIELDS})
    view["reports"] = int(review.get("reports", 0))
    view["etag"] = Version.of(review).etag
    return view


def review_id_from(request: Request) -> str:
    """The review id in the request's path; ApiError 400 when it is not shaped like one this API issues."""
    review_id = request.path_parameters.get(contract.REVIEW_ID_PARAMETER, "")
    if not ids.is_review_id(review_id):
        raise ApiError(
            Error.INVALID_REVIEW_ID,
            "The path must name a review by its review_id.",
            [f"{contract.REVIEW_ID_PARAMETER}: must be 26 characters of Crockford base32, as the API issues them"],
        )
    return review_id


def review_location(request: Request, review_id: str) -> str:
    """The URL path of review ``review_id``, as the client reaches it (``/prod/reviews/01J...``)."""
    return request.link(f"/{contract.RESOURCE_PATH}/{review_id}")


def not_found(review_id: str) -> ApiError:
    return ApiError(Error.REVIEW_NOT_FOUND, f"There is no review {review_id}.")
