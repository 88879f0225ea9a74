"""Calls of the lifecycle routes, as an author, a reporter or a moderator would make them."""

from __future__ import annotations

from typing import Any

from api_events import Answer, call, review

#: A moderator as API Gateway describes an IAM-signed caller (an operator's role session).
MODERATOR = {"caller": "AROAEXAMPLEMODERATOR:ops", "userArn": "arn:aws:sts::123456789012:assumed-role/Ops/ops"}


def as_author(who: str) -> dict[str, Any]:
    """The event parts for a caller a Lambda authorizer authenticated as ``who``."""
    return {"authorizer": {"principalId": who}}


def at(review_id: str) -> dict[str, Any]:
    return {"path_parameters": {"review_id": review_id}}


def post(
    product_id: str = "p-1", author: str = "alice", rating: int = 4, headers: dict[str, str] | None = None, **extra: Any
) -> Answer:
    """POST a review by ``author`` (authenticated as such); ``extra`` fields go in the body."""
    body = review(product_id, author, rating, **extra)
    return call("POST", body, headers=headers, **as_author(author))


def get(review_id: str, **kwargs: Any) -> Answer:
    return call("GET", path="/reviews/{review_id}", **at(review_id), **kwargs)


def edit(review_id: str, patch: Any, etag: str | None, author: str = "alice", **kwargs: Any) -> Answer:
    headers = {"If-Match": etag} if etag is not None else {}
    headers.update(kwargs.pop("headers", {}))
    return call(
        "PATCH", patch, path="/reviews/{review_id}", headers=headers, **at(review_id), **as_author(author), **kwargs
    )


def delete(review_id: str, etag: str | None = None, author: str = "alice", **kwargs: Any) -> Answer:
    headers = {"If-Match": etag} if etag is not None else {}
    headers.update(kwargs.pop("headers", {}))
    return call("DELETE", path="/reviews/{review_id}", headers=headers, **at(review_id), **as_author(author), **kwargs)


def report(review_id: str, reporter: str, reason: str | None = None) -> Answer:
    body = {"reason": reason} if reason else {}
    return call("POST", body, path="/reviews/{review_id}/reports", **at(review_id), **as_author(reporter))


def queue(**query: str) -> Answer:
    return call("GET", query=query or None, path="/moderation/queue", identity=MODERATOR)


def moderated(review_id: str) -> Answer:
    return call("GET", path="/moderation/reviews/{review_id}", **at(review_id), identity=MODERATOR)


def decide(review_id: str, etag: str, decision: str, reason: str | None = None, **kwargs: Any) -> Answer:
    body = {"decision": decision, **({"reason": reason} if reason else {})}
    headers = {"If-Match": etag, **kwargs.pop("headers", {})}
    return call(
        "POST",
        body,
        path="/moderation/reviews/{review_id}/decision",
        headers=headers,
        **at(review_id),
        identity=MODERATOR,
        **kwargs,
    )


def remove(review_id: str, etag: str | None = None) -> Answer:
    headers = {"If-Match": etag} if etag else {}
    return call("DELETE", path="/moderation/reviews/{review_id}", headers=headers, **at(review_id), identity=MODERATOR)


def erase(reviewer_id: str, **kwargs: Any) -> Answer:
    return call("POST", {"reviewer_id": reviewer_id}, path="/moderation/erasures", identity=MODERATOR, **kwargs)


def listing(product_id: str) -> dict[str, Any]:
    answer = call("GET", query={"product_id": product_id, "limit": "100"})
    assert answer.status == 200
    return answer.body


#: The shop's order system as API Gateway describes an IAM-signed caller.
ORDER_SYSTEM = {"caller": "AROAEXAMPLEORDERS:orders", "userArn": "arn:aws:sts::123456789012:assumed-role/Orders/o"}


def vote(review_id: str, voter: str, helpful: bool) -> Answer:
    """``voter`` (authenticated as such) says whether the review helped."""
    return call("POST", {"helpful": helpful}, path="/reviews/{review_id}/votes", **at(review_id), **as_author(voter))


def verify(review_id: str) -> Answer:
    """The order system marks the review a verified purchase."""
    return call("PUT", path="/reviews/{review_id}/verified-purchase", **at(review_id), identity=ORDER_SYSTEM)


def every_page(product_id: str, limit: int = 100, **query: str) -> list[dict[str, Any]]:
    """Every review of a product listing, page after page."""
    shown: list[dict[str, Any]] = []
    token = None
    while True:
        answer = call(
            "GET",
            query={"product_id": product_id, "limit": str(limit), **query, **({"next_token": token} if token else {})},
        )
        assert answer.status == 200, answer.body
        shown += answer.body["reviews"]
        assert answer.body["reviews"] or not answer.body["next_token"], "an empty page with a next_token"
        token = answer.body["next_token"]
        if token is None:
            return shown


#: Listings as (sort, rating filter, verified), covering every index and every way of reading it.
LISTINGS = [
    *((order, None, None) for order in ("newest", "oldest", "highest", "lowest", "most_helpful")),
    ("newest", "4", None),
    ("newest", "1-5", None),
    ("highest", "3-5", None),
    ("lowest", "2", None),
    ("most_helpful", "5", None),
    ("newest", None, "true"),
    ("oldest", None, "true"),
    # Every range of two to four stars in date order (each its own partition of a range index), and one
    # range of each slot in helpfulness order: every one of the 14 range indexes.
    *(
        (("newest", "oldest")[n % 2], f"{low}-{high}", None)
        for n, (low, high) in enumerate([(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5)])
    ),
    *(("most_helpful", stars, None) for stars in ("3-5", "1-3", "1-4", "2-3", "2-4", "2-5", "3-4")),
]


def expected_listing(reviews: list[dict[str, Any]], order: str, rating: str | None, verified: str | None) -> list[str]:
    """The ids a listing shows, in order, from reviews given as ``{"review_id", "rating", "status",
    "helpful_votes", "verified_purchase"}``: the model the indexes must agree with."""
    from tap_reviews.function_code.reviews_runtime.store import helpful_rank

    low, high = (1, 5) if rating is None else (int(rating[0]), int(rating[-1]))
    shown = [
        r
        for r in reviews
        if r["status"] == "published" and low <= r["rating"] <= high and (verified != "true" or r["verified_purchase"])
    ]
    keys = {
        "newest": (lambda r: r["review_id"], True),
        "oldest": (lambda r: r["review_id"], False),
        "highest": (lambda r: (r["rating"], r["review_id"]), True),
        "lowest": (lambda r: (r["rating"], r["review_id"]), False),
        "most_helpful": (lambda r: helpful_rank(r["review_id"], r["helpful_votes"]), True),
    }
    key, descending = keys[order]
    return [r["review_id"] for r in sorted(shown, key=key, reverse=descending)]


def listing_query(order: str, rating: str | None, verified: str | None) -> dict[str, str]:
    query = {"sort": order}
    if rating is not None:
        query["rating"] = rating
    if verified is not None:
        query["verified"] = verified
    return query
