"""Entity tags (RFC 9110, section 8.8.3) of reviews: strong validators that also let a write skip a read.

A review's ETag is opaque to clients. Inside it is what a conditional write must know about the version it
replaces: the product, the version number, the rating, the status and the author. An edit, a deletion or a
moderator's decision with ``If-Match`` is then one DynamoDB transaction, no read first: its condition checks
every one of those values against the stored review, so a forged or stale tag only fails (412), and the
product's summary moves by exactly what the replaced version counted.

A tag made from a stored review also carries its helpful votes and verified mark, which change without a
new version: so a GET's tag changes whenever its body does (``If-None-Match`` never answers 304 for stale
counts), while ``If-Match`` still only checks the version (a vote does not make an author's tag stale).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import contract, ids
from .errors import ApiError, Error


@dataclass(frozen=True)
class Version:
    """What an ETag stands for: one version of one review."""

    product_id: str
    review_id: str
    version: int
    rating: int
    status: str
    reviewer_id: str
    #: ``"<helpful>.<unhelpful>.<verified 0/1>"`` of a stored review: part of the tag, never of a condition.
    feedback: str | None = None

    @classmethod
    def of(cls, review: dict[str, Any]) -> Version:
        """The version a stored review is at."""
        return cls(
            product_id=review[contract.PARTITION_KEY],
            review_id=review[contract.SORT_KEY],
            version=int(review["version"]),
            rating=int(review["rating"]),
            status=review["status"],
            reviewer_id=review[contract.REVIEWER_INDEX_KEY],
            feedback=(
                f"{int(review[contract.HELPFUL_VOTES])}.{int(review.get(contract.UNHELPFUL_VOTES, 0))}."
                f"{int(bool(review.get(contract.VERIFIED_PURCHASE)))}"
                if contract.HELPFUL_VOTES in review
                else None
            ),
        )

    @cached_property
    def etag(self) -> str:
        """The quoted strong ETag, as the ``ETag`` header carries it (made once per version)."""
        values: list[Any] = [self.product_id, self.review_id, self.version, self.rating, self.status, self.reviewer_id]
        if self.feedback is not None:
            values.append(self.feedback)
        raw = json.dumps(values, separators=(",", ":")).encode()
        return '"' + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") + '"'


#: A tag's feedback part: helpful and unhelpful votes (up to 10 digits each) and the verified mark.
_FEEDBACK = re.compile(r"[0-9]{1,10}\.[0-9]{1,10}\.[01]")


def _decode(tag: str) -> Version | None:
    if len(tag) < 2 or not (tag[0] == tag[-1] == '"'):
        return None
    text = tag[1:-1]
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error, UnicodeEncodeError, RecursionError):
        return None
    if not (isinstance(values, list) and len(values) in (6, 7)):
        return None
    product_id, review_id, version, rating, status, reviewer_id = values[:6]
    if len(values) == 7 and not (isinstance(values[6], str) and _FEEDBACK.fullmatch(values[6])):
        return None
    if not (
        all(isinstance(value, str) for value in (product_id, review_id, status, reviewer_id))
        and all(isinstance(value, int) and not isinstance(value, bool) for value in (version, rating))
        and ids.is_review_id(review_id)
        and status in contract.STATUSES
    ):
        return None
    return Version(product_id, review_id, version, rating, status, reviewer_id, values[6] if len(values) == 7 else None)


def if_match(headers: dict[str, str], review_id: str, *, required: bool) -> Version | None:
    """The version ``If-Match`` names for review ``review_id``: None when the header is absent (ApiError 428
    when ``required``), ApiError 412 when it can match no version of this review (``*``, a weak tag, a list,
    a tag of another review or not one this API made)."""
    value = headers.get("if-match")
    if value is None:
        if required:
            raise ApiError(
                Error.PRECONDITION_REQUIRED,
                "Send If-Match with the review's ETag (from GET, or from the answer that wrote it).",
            )
        return None
    version = _decode(value.strip())
    if version is None or version.review_id != review_id:
        raise ApiError(
            Error.PRECONDITION_FAILED,
            "If-Match must be the one strong ETag of this review's current version.",
            ["If-Match: not an ETag of this review"],
        )
    return version


def none_match(headers: dict[str, str], current: Version) -> bool:
    """True when ``If-None-Match`` lists ``current``'s tag (or ``*``): a GET then answers 304."""
    value = headers.get("if-none-match")
    if value is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in value.split(",")]
    return "*" in tags or current.etag in tags
