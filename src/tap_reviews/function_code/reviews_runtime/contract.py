"""What the construct and the runtime must agree on, defined once.

The construct reads these names to build the table, the API and the function's environment; the runtime
reads them to query the table and to find its configuration. Keep this module free of imports so both
sides can load it cheaply.
"""

from typing import Final

#: Partition key of the reviews table: the product a review is about.
PARTITION_KEY: Final = "product_id"
#: Sort key of the reviews table: a time-ordered, unguessable review id (newest sorts last).
SORT_KEY: Final = "review_id"
#: Global secondary index that lists a reviewer's reviews.
REVIEWER_INDEX_NAME: Final = "ReviewerIdIndex"
#: Partition key of the reviewer index; its sort key is ``SORT_KEY``.
REVIEWER_INDEX_KEY: Final = "reviewer_id"

#: The REST resource the API serves (``/reviews``).
RESOURCE_PATH: Final = "reviews"
#: The path parameter naming one review in every route below.
REVIEW_ID_PARAMETER: Final = "review_id"
#: The API's routes, as API Gateway names resources (``event["resource"]``).
RESOURCE_REVIEWS: Final = "/reviews"
RESOURCE_REVIEW: Final = "/reviews/{review_id}"
RESOURCE_REPORTS: Final = "/reviews/{review_id}/reports"
RESOURCE_QUEUE: Final = "/moderation/queue"
RESOURCE_MODERATED_REVIEW: Final = "/moderation/reviews/{review_id}"
RESOURCE_DECISION: Final = "/moderation/reviews/{review_id}/decision"
RESOURCE_ERASURES: Final = "/moderation/erasures"
RESOURCE_SUMMARIES: Final = "/summaries"
RESOURCE_VOTES: Final = "/reviews/{review_id}/votes"
RESOURCE_VERIFIED_PURCHASE: Final = "/reviews/{review_id}/verified-purchase"
#: Routes only the review's author may call (with an authorizer or IAM), and routes only moderators may call.
OWNER_ROUTES: Final = (("PATCH", RESOURCE_REVIEW), ("DELETE", RESOURCE_REVIEW))
MODERATOR_ROUTES: Final = (
    ("GET", RESOURCE_QUEUE),
    ("GET", RESOURCE_MODERATED_REVIEW),
    ("DELETE", RESOURCE_MODERATED_REVIEW),
    ("POST", RESOURCE_DECISION),
    ("POST", RESOURCE_ERASURES),
)
#: Routes anyone may call (reads), and routes that write with the API's write authorization.
PUBLIC_ROUTES: Final = (("GET", RESOURCE_REVIEWS), ("GET", RESOURCE_REVIEW), ("GET", RESOURCE_SUMMARIES))
WRITE_ROUTES: Final = (("POST", RESOURCE_REVIEWS), ("POST", RESOURCE_REPORTS), ("POST", RESOURCE_VOTES))
#: Routes only IAM principals the construct's ``grant_verify_purchase`` names may call (the shop's order system).
VERIFIER_ROUTES: Final = (("PUT", RESOURCE_VERIFIED_PURCHASE),)
#: Query parameters ``GET /moderation/queue`` reads.
QUEUE_QUERY_PARAMETERS: Final = ("limit", "next_token")
#: Query parameters ``GET /reviews`` reads: exactly one of the two ids, then paging; a product's listing also
#: takes an order, a rating filter and the verified-purchase filter.
LIST_QUERY_PARAMETERS: Final = ("product_id", "reviewer_id", "limit", "next_token", "sort", "rating", "verified")
#: ``sort`` values: the default first.
SORT_NEWEST: Final = "newest"
SORT_OLDEST: Final = "oldest"
SORT_HIGHEST: Final = "highest"
SORT_LOWEST: Final = "lowest"
SORT_MOST_HELPFUL: Final = "most_helpful"
SORT_ORDERS: Final = (SORT_NEWEST, SORT_OLDEST, SORT_HIGHEST, SORT_LOWEST, SORT_MOST_HELPFUL)
#: Query parameters ``GET /summaries`` reads: product ids separated by commas (no product id has one).
SUMMARY_QUERY_PARAMETERS: Final = ("product_ids",)
#: The most products one ``GET /summaries`` may ask for: BatchGetItem's limit of 100 keys per request
#: (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
MAX_SUMMARY_PRODUCTS: Final = 100
#: Reviews per page when ``limit`` is left out, and the most one page may hold.
DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100

#: Environment variable holding the table name.
ENV_TABLE_NAME: Final = "TABLE_NAME"
#: Environment variable holding the comma-separated CORS origins the API allows (``*`` for any).
ENV_ALLOWED_ORIGINS: Final = "ALLOWED_ORIGINS"
#: Environment variable holding the environment suffix, used in logs.
ENV_ENVIRONMENT_SUFFIX: Final = "ENVIRONMENT_SUFFIX"
#: Environment variable holding the moderation policy: ``none``, ``pre`` or ``post`` (``MODERATION_*``).
ENV_MODERATION: Final = "MODERATION"
MODERATION_NONE: Final = "none"
MODERATION_PRE: Final = "pre"
MODERATION_POST: Final = "post"
#: Environment variable holding how many reports send a published review back to the moderation queue.
ENV_REPORT_THRESHOLD: Final = "REPORT_THRESHOLD"
DEFAULT_REPORT_THRESHOLD: Final = 3
#: Environment variable set to ``true`` when a reviewer may write one review per product.
ENV_ONE_REVIEW_PER_REVIEWER: Final = "ONE_REVIEW_PER_REVIEWER"

#: Module path and function name of the Lambda handler, relative to the asset root.
HANDLER: Final = "reviews_runtime.handler.handler"
#: Environment variable holding the name of the SSM SecureString with the write token (unset: writes open).
ENV_WRITE_TOKEN_PARAMETER: Final = "WRITE_TOKEN_PARAMETER"
#: How long the function trusts a fetched write token before asking SSM again (a rotation takes effect
#: within this), in seconds.
WRITE_TOKEN_CACHE_SECONDS: Final = 300

#: Sort key of a product's summary item (review count and rating total), kept beside its reviews. ``~`` sorts
#: above every review id (they start with a digit), so a newest-first Query of the product reads it first.
SUMMARY_SORT_KEY: Final = "~SUMMARY"
#: A review's locator, which finds its product from its id alone: partition ``LOCATOR_PREFIX`` + review id,
#: sort key ``LOCATOR_SORT_KEY``, attribute ``LOCATOR_PRODUCT``. Written and deleted with the review.
LOCATOR_PREFIX: Final = "#REVIEW#"
LOCATOR_SORT_KEY: Final = "#REVIEW"
LOCATOR_PRODUCT: Final = "of_product"
#: With one review per reviewer per product, the marker under the product: ``REVIEWER_MARKER_PREFIX`` +
#: reviewer id, holding the review's id.
REVIEWER_MARKER_PREFIX: Final = "#REVIEWER#"
#: A review's status: only published reviews are listed and counted in the summary.
STATUS_PENDING: Final = "pending"
STATUS_PUBLISHED: Final = "published"
STATUS_REJECTED: Final = "rejected"
STATUSES: Final = (STATUS_PENDING, STATUS_PUBLISHED, STATUS_REJECTED)
#: Global secondary index of the moderation queue: only pending reviews carry its keys, oldest first.
MODERATION_QUEUE_INDEX_NAME: Final = "ModerationQueueIndex"
MODERATION_QUEUE_KEY: Final = "moderation_queue"
MODERATION_QUEUE_SORT_KEY: Final = "queued_at"
#: Sort key of an idempotency record; its partition key is ``IDEMPOTENCY_KEY_PREFIX`` + a key digest.
IDEMPOTENCY_SORT_KEY: Final = "#IDEMPOTENCY"
IDEMPOTENCY_KEY_PREFIX: Final = "#IDEMPOTENCY#"
#: Every sort key that is not a review id starts with ``#``, except the summary's (above every id); review
#: ids start with a digit, so listing sort keys above this floor returns reviews and the summary only.
REVIEW_SORT_KEY_FLOOR: Final = "#~"
#: Local secondary indexes over a product's published reviews, one per listing order (their sort keys are
#: unique, so paging is exact). Only published reviews carry the ``LISTED_*`` attributes: the write that
#: changes a review's status sets or removes them, so no listing needs a filter. All project every attribute.
#: - by date: ``LISTED_ID`` = the review id (the summary carries ``SUMMARY_SORT_KEY``, above every id);
#: - by rating: ``LISTED_RATING`` = ``"<rating>#<review id>"``;
#: - by helpfulness: ``LISTED_HELPFUL`` = the review's ``HELPFUL_RANK``;
#: - by rating, then helpfulness: ``LISTED_RATING_HELPFUL`` = rating x ``RATING_STEP`` + ``HELPFUL_RANK``;
#: - verified purchases first: ``LISTED_VERIFIED`` = the review's ``VERIFIED_KEY``.
DATE_INDEX_NAME: Final = "ByDateIndex"
RATING_INDEX_NAME: Final = "ByRatingIndex"
HELPFUL_INDEX_NAME: Final = "ByHelpfulIndex"
RATING_HELPFUL_INDEX_NAME: Final = "ByRatingHelpfulIndex"
VERIFIED_INDEX_NAME: Final = "ByVerifiedIndex"
LISTED_ID: Final = "listed_id"
LISTED_RATING: Final = "listed_rating"
LISTED_HELPFUL: Final = "listed_helpful"
LISTED_RATING_HELPFUL: Final = "listed_rating_helpful"
LISTED_VERIFIED: Final = "listed_verified"
#: (index, its sort key attribute, DynamoDB type) of every listing index.
LISTING_INDEXES: Final = (
    (DATE_INDEX_NAME, LISTED_ID, "S"),
    (RATING_INDEX_NAME, LISTED_RATING, "S"),
    (HELPFUL_INDEX_NAME, LISTED_HELPFUL, "N"),
    (RATING_HELPFUL_INDEX_NAME, LISTED_RATING_HELPFUL, "N"),
    (VERIFIED_INDEX_NAME, LISTED_VERIFIED, "S"),
)
#: Global secondary indexes for a range of two to four stars (``rating=2-4``) in date or helpfulness order, so
#: that page too is one Query. An index holds a review once, and a 3-star review lies in 7 of the 9 such
#: ranges, so the ranges are dealt into 7 *slots* of ranges that share no star; a published review carries,
#: for each slot with a range holding its rating, ``LISTED_RANGE_PREFIX`` + slot = ``"<product id>#<low>-<high>"``
#: (the partition key of both of that slot's indexes: ``ByDateInRange<slot>Index`` sorted by ``LISTED_ID``,
#: ``ByHelpfulInRange<slot>Index`` by ``LISTED_HELPFUL``). 1-5 is no filter, and highest or lowest order
#: reads a range from the rating index.
RANGE_SLOTS: Final = (
    ((1, 2), (3, 5)),
    ((1, 3), (4, 5)),
    ((1, 4),),
    ((2, 3),),
    ((2, 4),),
    ((2, 5),),
    ((3, 4),),
)
LISTED_RANGE_PREFIX: Final = "listed_range_"
DATE_RANGE_INDEX_PREFIX: Final = "ByDateInRange"
HELPFUL_RANGE_INDEX_PREFIX: Final = "ByHelpfulInRange"
#: Each slot's partition key attribute.
RANGE_ATTRIBUTES: Final = tuple(f"{LISTED_RANGE_PREFIX}{slot}" for slot in range(len(RANGE_SLOTS)))
#: (index, its partition key attribute, its sort key attribute, the sort key's DynamoDB type) of every range
#: index: the date index of each slot, then the helpfulness index of each slot.
RANGE_INDEXES: Final = tuple(
    (f"{prefix}{slot}Index", attribute, sort_key, kind)
    for prefix, sort_key, kind in (
        (DATE_RANGE_INDEX_PREFIX, LISTED_ID, "S"),
        (HELPFUL_RANGE_INDEX_PREFIX, LISTED_HELPFUL, "N"),
    )
    for slot, attribute in enumerate(RANGE_ATTRIBUTES)
)
#: Their names, in the same order.
RANGE_INDEX_NAMES: Final = tuple(index_name for index_name, *_ in RANGE_INDEXES)
#: Every global secondary index of the table (each with capacity of its own when provisioned).
GLOBAL_INDEX_NAMES: Final = (REVIEWER_INDEX_NAME, MODERATION_QUEUE_INDEX_NAME, *RANGE_INDEX_NAMES)
#: Every review carries ``HELPFUL_RANK`` = helpful votes x ``HELPFUL_STEP`` + the top 88 bits of its id
#: (its creation millisecond and 40 random bits, < 10**27): unique within a product, it orders by votes, then
#: age, and a vote moves it by adding ``HELPFUL_STEP``, without a read. Numbers keep 38 digits in DynamoDB, so
#: rating x ``RATING_STEP`` + rank stays exact while a review has fewer than 10**10 helpful votes.
HELPFUL_RANK: Final = "helpful_rank"
HELPFUL_STEP: Final = 10**27
RATING_STEP: Final = 10**37
#: A review's helpful and unhelpful vote counts.
HELPFUL_VOTES: Final = "helpful_votes"
UNHELPFUL_VOTES: Final = "unhelpful_votes"
#: Every review carries ``VERIFIED_KEY``: ``"1#<review id>"`` once a verified purchase, ``"0#<review id>"``
#: before; ``VERIFIED_PURCHASE`` is the mark itself (a boolean).
VERIFIED_KEY: Final = "verified_key"
VERIFIED_PURCHASE: Final = "verified_purchase"
#: A vote: partition ``VOTE_PREFIX`` + review id, sort key a digest of the review id and the voter's id,
#: attribute ``helpful`` (a boolean). One per voter per review.
VOTE_PREFIX: Final = "#VOTE#"

#: Attribute DynamoDB's time to live reads; only idempotency records carry it.
TIME_TO_LIVE_ATTRIBUTE: Final = "expires_at"

#: CloudWatch namespace of the runtime's embedded-metric-format metrics.
METRICS_NAMESPACE: Final = "TapReviews"
#: Their one dimension: the function's name, unique per construct instance (even with equal suffixes).
METRICS_DIMENSION: Final = "FunctionName"
#: Metric: reviews stored (one per 201).
METRIC_REVIEWS_CREATED: Final = "ReviewsCreated"
#: Metric: POST bodies rejected as invalid (one per 400 on POST).
METRIC_VALIDATION_FAILURES: Final = "ValidationFailures"
#: Metric: published reviews that reports sent back to the moderation queue.
METRIC_REVIEWS_HELD: Final = "ReviewsHeld"
#: Metrics: moderators' decisions, one per review published or rejected.
METRIC_REVIEWS_PUBLISHED: Final = "ReviewsPublished"
METRIC_REVIEWS_REJECTED: Final = "ReviewsRejected"
#: Metrics, measured every ``BACKLOG_MINUTES``: reviews waiting in the moderation queue, and the age in
#: seconds of the one waiting longest (0 when none waits).
METRIC_MODERATION_BACKLOG: Final = "ModerationBacklog"
METRIC_OLDEST_PENDING_AGE: Final = "OldestPendingReviewAge"
BACKLOG_MINUTES: Final = 5
#: The scheduled event that asks the function to measure the moderation backlog.
BACKLOG_EVENT: Final = {"tap_reviews": "measure-moderation-backlog"}

#: Events (with the construct's ``event_bus``): the ``source`` of every event, and its ``detail-type`` by
#: change (``"Review " + change.title()``).
EVENT_SOURCE: Final = "tap-reviews"
CHANGES: Final = ("created", "updated", "deleted", "published", "rejected", "held", "erased")
#: Handler of the function that turns the table's stream into events, and its bus's name.
EVENTS_HANDLER: Final = "reviews_runtime.publisher.handler"
ENV_EVENT_BUS_NAME: Final = "EVENT_BUS_NAME"
