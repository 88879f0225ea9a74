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

#: Environment variable holding the table name.
ENV_TABLE_NAME: Final = "TABLE_NAME"
#: Environment variable holding the comma-separated CORS origins the API allows (``*`` for any).
ENV_ALLOWED_ORIGINS: Final = "ALLOWED_ORIGINS"
#: Environment variable holding the environment suffix, used in logs.
ENV_ENVIRONMENT_SUFFIX: Final = "ENVIRONMENT_SUFFIX"

#: Module path and function name of the Lambda handler, relative to the asset root.
HANDLER: Final = "reviews_runtime.handler.handler"
