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
#: Query parameters ``GET /reviews`` reads: exactly one of the two ids, then paging.
LIST_QUERY_PARAMETERS: Final = ("product_id", "reviewer_id", "limit", "next_token")
#: Reviews per page when ``limit`` is left out, and the most one page may hold.
DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100

#: Environment variable holding the table name.
ENV_TABLE_NAME: Final = "TABLE_NAME"
#: Environment variable holding the comma-separated CORS origins the API allows (``*`` for any).
ENV_ALLOWED_ORIGINS: Final = "ALLOWED_ORIGINS"
#: Environment variable holding the environment suffix, used in logs.
ENV_ENVIRONMENT_SUFFIX: Final = "ENVIRONMENT_SUFFIX"

#: Module path and function name of the Lambda handler, relative to the asset root.
HANDLER: Final = "reviews_runtime.handler.handler"
#: Environment variable holding the name of the SSM SecureString with the write token (unset: writes open).
ENV_WRITE_TOKEN_PARAMETER: Final = "WRITE_TOKEN_PARAMETER"
#: How long the function trusts a fetched write token before asking SSM again (a rotation takes effect
#: within this), in seconds.
WRITE_TOKEN_CACHE_SECONDS: Final = 300

#: Sort key of a product's summary item (review count and rating total), kept beside its reviews.
SUMMARY_SORT_KEY: Final = "#SUMMARY"
#: Sort key of an idempotency record; its partition key is ``IDEMPOTENCY_KEY_PREFIX`` + a key digest.
IDEMPOTENCY_SORT_KEY: Final = "#IDEMPOTENCY"
IDEMPOTENCY_KEY_PREFIX: Final = "#IDEMPOTENCY#"
#: Every sort key that is not a review id starts with ``#``; review ids start with a digit, so listing
#: only sort keys above this floor returns reviews and nothing else.
REVIEW_SORT_KEY_FLOOR: Final = "#~"
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
