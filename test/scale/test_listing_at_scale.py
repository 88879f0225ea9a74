"""3,000 reviews of about 1 KB in one product, paged in every order and with every filter while other callers
post more reviews: every review that was there when paging began is shown exactly once and in order, a
review posted meanwhile at most once, and every page but the last is full.

The reviews are stored as the handler stores them (``store.new_review_attributes``), with random ratings,
helpful votes and verified marks, so every listing index holds thousands of entries.
"""

from __future__ import annotations

import random
import threading

from api_events import call
from lifecycle_calls import LISTINGS, expected_listing, listing_query, post

from tap_reviews.function_code.reviews_runtime import contract, ids, store

PRODUCT = "p-scale"
REVIEWS = 3000


def seed(table, rng: random.Random) -> list[dict]:
    """Store the 3,000 reviews and their summary; return them as the listing model reads them."""
    model = []
    with table.batch_writer() as batch:
        for n in range(REVIEWS):
            review_id = ids.new_review_id(now_ms=1_700_000_000_000 + n)
            rating = rng.randint(1, 5)
            votes = rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 13, 40])
            verified = rng.random() < 0.2
            rank = store.helpful_rank(review_id, votes)
            item = {
                "product_id": PRODUCT,
                "review_id": review_id,
                "reviewer_id": f"r-{n}",
                "rating": rating,
                "comment": "x" * 1000,
                "created_at": "2026-11-30T00:00:00.000+00:00",
                "status": "published",
                "version": 1,
                **store.new_review_attributes(PRODUCT, review_id, rating, "published"),
            }
            item.update(
                {
                    contract.HELPFUL_VOTES: votes,
                    contract.HELPFUL_RANK: rank,
                    contract.LISTED_HELPFUL: rank,
                    contract.LISTED_RATING_HELPFUL: rating * contract.RATING_STEP + rank,
                    contract.VERIFIED_PURCHASE: verified,
                    contract.VERIFIED_KEY: store.verified_key(review_id, verified),
                    contract.LISTED_VERIFIED: store.verified_key(review_id, verified),
                }
            )
            batch.put_item(Item=item)
            model.append(
                {
                    "review_id": review_id,
                    "rating": rating,
                    "status": "published",
                    "helpful_votes": votes,
                    "verified_purchase": verified,
                }
            )
        counts = {f"rating_{stars}": sum(r["rating"] == stars for r in model) for stars in range(1, 6)}
        batch.put_item(
            Item={
                "product_id": PRODUCT,
                "review_id": contract.SUMMARY_SORT_KEY,
                contract.LISTED_ID: contract.SUMMARY_SORT_KEY,
                "review_count": REVIEWS,
                "rating_total": sum(r["rating"] for r in model),
                **counts,
            }
        )
    return model


def test_every_order_and_filter_pages_three_thousand_reviews_exactly_once_while_reviews_are_added(reviews_table):
    rng = random.Random(15)
    originals = seed(reviews_table, rng)
    original_ids = {r["review_id"] for r in originals}
    posted: dict[str, int] = {}  # review id -> rating, of reviews posted while pages were read
    stop = threading.Event()

    def keep_posting():
        n = 0
        while not stop.is_set():
            rating = n % 5 + 1
            answer = post(PRODUCT, f"writer-{n}", rating)
            assert answer.status == 201
            posted[answer.body["review"]["review_id"]] = rating
            n += 1

    writer = threading.Thread(target=keep_posting)
    writer.start()
    try:
        for which in LISTINGS:
            limit = rng.randint(37, 100)
            shown, token, pages = [], None, []
            while True:
                query = {"product_id": PRODUCT, "limit": str(limit), **listing_query(*which)}
                answer = call("GET", query={**query, **({"next_token": token} if token else {})})
                assert answer.status == 200, (which, answer.body)
                pages.append(answer.body["count"])
                shown += answer.body["reviews"]
                token = answer.body["next_token"]
                if token is None:
                    break
            assert all(count == limit for count in pages[:-1]), (which, pages)  # never a short page mid-way
            shown_ids = [r["review_id"] for r in shown]
            assert len(shown_ids) == len(set(shown_ids)), f"{which}: a review was shown twice"
            expected = expected_listing(originals, *which)
            assert [i for i in shown_ids if i in original_ids] == expected, f"{which}: not each once, in order"
            low, high = (1, 5) if which[1] is None else (int(which[1][0]), int(which[1][-1]))
            for review in shown:
                if review["review_id"] not in original_ids:  # posted meanwhile (maybe not yet recorded in posted)
                    writer_number = int(review["reviewer_id"].removeprefix("writer-"))
                    assert review["rating"] == writer_number % 5 + 1 and low <= review["rating"] <= high
            print(f"{which}: {len(expected)} reviews in {len(pages)} pages of {limit}, {len(posted)} posted so far")
    finally:
        stop.set()
        writer.join()
    assert len(posted) > 0, "no review was posted while the pages were read"
