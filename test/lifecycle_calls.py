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
