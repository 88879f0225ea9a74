"""A product's published reviews in five orders, filtered by rating or verified purchase: every page is one
Query of the index made for it, without a filter expression.

| order | no filter | one star | a range of stars |
|---|---|---|---|
| newest, oldest | date index | rating index, that star | the range's date index (a global index) |
| highest, lowest | rating index | rating index | rating index, that range |
| most helpful | helpful index | rating-then-helpful index, that star | the range's helpfulness index (global) |

The first five are the local secondary indexes of ``contract.LISTING_INDEXES``; a range of two to four stars
in date or helpfulness order reads a global secondary index of ``contract.RANGE_INDEXES`` (eventually
consistent, as every global index is). ``verified=true`` takes the verified index (newest or oldest, no rating
filter: the five local indexes a table may have are all in use). A product's first page in the default order
holds its summary, the top item of the date index, so the product page is one Query.

Every page reads ``limit + 1`` reviews past the cursor; the extra one says whether a next page exists. The
cursor (``next_token``) is the last review's id, rating and helpful rank: the Query's start key follows from
it, and since every index key is unique, a page starts exactly after the last review shown.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from . import contract, ids, store
from .dynamo import table_name, to_item
from .errors import ApiError, Error

#: The top of the date index, where the summary sits (``~`` is above every review id).
_ABOVE_REVIEWS = "~"


class Listing:
    """What a product listing shows: ``order`` (``contract.SORT_ORDERS``), the stars from ``low`` to ``high``
    (1 to 5 when unfiltered), and only verified purchases or all. (Plain classes here, not dataclasses: a
    dataclass is generated code that every cold start compiles.)"""

    __slots__ = ("product_id", "order", "low", "high", "verified")

    def __init__(
        self, product_id: str, order: str = contract.SORT_NEWEST, low: int = 1, high: int = 5, verified: bool = False
    ) -> None:
        self.product_id, self.order, self.low, self.high, self.verified = product_id, order, low, high, verified

    @property
    def is_product_page(self) -> bool:
        """The default listing, whose first page holds the product's summary."""
        return self.order == contract.SORT_NEWEST and (self.low, self.high) == (1, 5) and not self.verified

    @property
    def signature(self) -> str:
        """What a token records of the listing it belongs to."""
        return f"{self.order}:{self.low}-{self.high}:{int(self.verified)}"


class Cursor:
    """The last review a page showed: its id, rating and helpful rank."""

    __slots__ = ("review_id", "rating", "rank")

    def __init__(self, review_id: str, rating: int, rank: int) -> None:
        self.review_id, self.rating, self.rank = review_id, rating, rank


class _Stream:
    """One Query: an index, its partition key attribute and value, its sort key, the condition on it, the
    direction, and where a cursor puts its start (the sort key value after which the stream goes on)."""

    __slots__ = ("index_name", "partition_key", "partition", "sort_key", "condition", "values", "forward", "start")

    def __init__(
        self,
        index_name: str,
        sort_key: str,
        condition: str,
        values: dict[str, Any],
        forward: bool,
        start: Callable[[Cursor], Any],
        partition_key: str = contract.PARTITION_KEY,
        partition: str | None = None,
    ) -> None:
        self.index_name, self.sort_key, self.condition, self.values = index_name, sort_key, condition, values
        self.forward, self.start = forward, start
        self.partition_key, self.partition = partition_key, partition


def _star_range(star: int) -> tuple[int, int]:
    return star * contract.RATING_STEP, (star + 1) * contract.RATING_STEP - 1


def stream(listing: Listing) -> _Stream:
    """The Query a page of ``listing`` reads."""
    newest = listing.order == contract.SORT_NEWEST
    low, high = listing.low, listing.high
    if listing.verified:
        return _Stream(
            contract.VERIFIED_INDEX_NAME,
            contract.LISTED_VERIFIED,
            "begins_with(#sk, :prefix)",
            {":prefix": "1#"},
            not newest,
            lambda cursor: store.verified_key(cursor.review_id, True),
        )
    if listing.order in (contract.SORT_HIGHEST, contract.SORT_LOWEST):
        return _Stream(
            contract.RATING_INDEX_NAME,
            contract.LISTED_RATING,
            "#sk BETWEEN :low AND :high",
            {":low": f"{low}#", ":high": f"{high}#{_ABOVE_REVIEWS}"},
            listing.order == contract.SORT_LOWEST,
            lambda cursor: store.rating_key(cursor.rating, cursor.review_id),
        )
    helpful = listing.order == contract.SORT_MOST_HELPFUL
    if (low, high) == (1, 5):
        if helpful:
            return _Stream(contract.HELPFUL_INDEX_NAME, contract.LISTED_HELPFUL, "", {}, False, lambda c: c.rank)
        return _Stream(
            contract.DATE_INDEX_NAME,
            contract.LISTED_ID,
            "#sk < :top",
            {":top": _ABOVE_REVIEWS},
            not newest,
            lambda cursor: cursor.review_id,
        )
    if low == high:
        if helpful:
            return _Stream(
                contract.RATING_HELPFUL_INDEX_NAME,
                contract.LISTED_RATING_HELPFUL,
                "#sk BETWEEN :low AND :high",
                {":low": _star_range(low)[0], ":high": _star_range(low)[1]},
                False,
                lambda cursor: low * contract.RATING_STEP + cursor.rank,
            )
        return _Stream(
            contract.RATING_INDEX_NAME,
            contract.LISTED_RATING,
            "begins_with(#sk, :prefix)",
            {":prefix": f"{low}#"},
            not newest,
            lambda cursor: store.rating_key(low, cursor.review_id),
        )
    slot = store.range_slot(low, high)
    index_name, partition_key, sort_key, _ = contract.RANGE_INDEXES[slot + len(contract.RANGE_SLOTS) * helpful]
    return _Stream(
        index_name,
        sort_key,
        "",
        {},
        not newest and not helpful,
        (lambda cursor: cursor.rank) if helpful else (lambda cursor: cursor.review_id),
        partition_key,
        store.range_key(listing.product_id, low, high),
    )


def _request(listing: Listing, stream: _Stream, fields: tuple[str, ...]) -> dict[str, Any]:
    projection, projected = store.projection(fields)
    condition = "#pk = :partition" + (f" AND {stream.condition}" if stream.condition else "")
    names = {"#pk": stream.partition_key, **projected}
    if stream.condition:
        names["#sk"] = stream.sort_key
    partition = listing.product_id if stream.partition is None else stream.partition
    return {
        "TableName": table_name(),
        "IndexName": stream.index_name,
        "KeyConditionExpression": condition,
        "ProjectionExpression": projection,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_item({":partition": partition, **stream.values}),
        "ScanIndexForward": stream.forward,
    }


def page(
    listing: Listing, limit: int, cursor: Cursor | None, fields: tuple[str, ...]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to ``limit`` reviews of ``listing`` after ``cursor`` (from the start without one), with ``fields``
    (plus the helpful rank) in DynamoDB's JSON, and on the product page the product's summary (None on any
    other page).

    The reviews are fewer than ``limit`` only when no more exist.
    """
    fields = (*fields, contract.HELPFUL_RANK)
    if cursor is None and listing.is_product_page:
        return _product_page(listing, limit, fields)
    read = stream(listing)
    start = None
    if cursor is not None:
        start = {
            contract.PARTITION_KEY: listing.product_id,
            contract.SORT_KEY: cursor.review_id,
            read.sort_key: read.start(cursor),
        }
        if read.partition is not None:
            start[read.partition_key] = read.partition
    return store.query_until(_request(listing, read, fields), limit, start, raw=True), None


#: The product page's one Query: the whole date index, newest first (the summary on top); it has no cursor.
_PRODUCT_PAGE = _Stream(contract.DATE_INDEX_NAME, contract.LISTED_ID, "", {}, False, lambda cursor: None)


def _product_page(
    listing: Listing, limit: int, fields: tuple[str, ...]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The newest ``limit`` reviews and the summary above them in the date index: one Query."""
    request = _request(listing, _PRODUCT_PAGE, (*fields, *store.SUMMARY_FIELDS))
    found = store.query_until(request, limit + 1, None, raw=True)
    if found and found[0][contract.SORT_KEY]["S"] == contract.SUMMARY_SORT_KEY:
        return found[1:], store.summary_of_attributes(found[0])
    return found[:limit], store.summary_of({})  # a product nobody has reviewed has no summary yet


# ------------------------------------------------------------------------------------------------- tokens


def _invalid(reason: str) -> ApiError:
    return ApiError(Error.INVALID_NEXT_TOKEN, "next_token is not a token this API issued for this query.", [reason])


def encode(listing: Listing, last: dict[str, Any]) -> str:
    """The token for the page after the one that ended at review ``last`` (in DynamoDB's JSON)."""
    cursor = {
        "l": listing.signature,
        "p": listing.product_id,
        "id": last[contract.SORT_KEY]["S"],
        "r": int(last["rating"]["N"]),
        "h": str(int(last[contract.HELPFUL_RANK]["N"])),
    }
    raw = json.dumps(cursor, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(token: str, listing: Listing) -> Cursor:
    """The cursor a token stands for, when it belongs to ``listing``; ApiError 400 otherwise."""
    try:
        padded = token + "=" * (-len(token) % 4)
        cursor = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError, RecursionError) as error:
        raise _invalid("not base64url JSON") from error
    if not isinstance(cursor, dict) or set(cursor) != {"l", "p", "id", "r", "h"}:
        raise _invalid("not a token of a product listing")
    if cursor["p"] != listing.product_id:
        raise _invalid("belongs to another product or reviewer")
    if cursor["l"] != listing.signature:
        raise _invalid("belongs to another order or filter; start again without next_token")
    review_id, rating, rank = cursor["id"], cursor["r"], cursor["h"]
    if not isinstance(review_id, str) or not ids.is_review_id(review_id):
        raise _invalid("does not point at a review")
    if type(rating) is not int or not listing.low <= rating <= listing.high:
        raise _invalid("not a key of this listing")
    if not isinstance(rank, str) or not rank.isascii() or not rank.isdigit() or len(rank) > 37:
        raise _invalid("not a key of this listing")
    if int(rank) % contract.HELPFUL_STEP != store.helpful_rank(review_id):
        raise _invalid("not a key of this listing")
    return Cursor(review_id, rating, int(rank))
