"""Private builders of ProductReviewsApi, one per service: table, function, REST API (and its request model),
monitoring, SSM parameters, and the scanner findings each accepts on purpose."""
