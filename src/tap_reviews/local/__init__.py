"""``tap-reviews local``: serve a synthesized ProductReviewsApi on this machine, as its template deploys it."""
