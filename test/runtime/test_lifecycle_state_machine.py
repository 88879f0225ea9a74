"""A stateful hypothesis test of the whole lifecycle against DynamoDB Local.

Random sequences of every action (create, read, edit, delete, report, decide, remove, erase, and pairs of
actions at the same moment) run against the handler and against a model. After every step: each product's
stored summary equals a recount of its published reviews, the stored reviews are the model's (none lost or
duplicated), the listing shows exactly the published ones, the queue exactly the pending ones, every review
has its locator, and a rejected request changed nothing.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from lifecycle_calls import (
    LISTINGS,
    decide,
    delete,
    edit,
    erase,
    every_page,
    expected_listing,
    listing,
    listing_query,
    moderated,
    post,
    queue,
    remove,
    report,
    verify,
    vote,
)

from examples import examples
from tap_reviews.function_code.reviews_runtime import contract, store
from tap_reviews.function_code.reviews_runtime.contract import SUMMARY_SORT_KEY
from tap_reviews.function_code.reviews_runtime.ids import is_review_id


def listing_keys(item):
    """What a stored review carries for votes, verification and the listing indexes."""
    names = (
        "helpful_votes",
        "unhelpful_votes",
        "helpful_rank",
        "verified_purchase",
        "verified_key",
        *store.LISTED_ATTRIBUTES,
    )
    keys = {name: item[name] for name in names if name in item and not name.startswith("listed_range_")}
    ranges = sorted(item[name] for name in names if name in item and name.startswith("listed_range_"))
    if ranges or "listed_id" in item:
        keys["listed_ranges"] = ranges
    return keys


def expected_keys(model, review_id):
    """The same, as the model says they must be: counts from its votes, the listing keys only if published."""
    yes = sum(model.votes.values())
    rank = store.helpful_rank(review_id, yes)
    keys = {
        "helpful_votes": yes,
        "unhelpful_votes": len(model.votes) - yes,
        "helpful_rank": rank,
        "verified_purchase": model.verified,
        "verified_key": store.verified_key(review_id, model.verified),
    }
    if model.status == "published":
        keys.update(
            {
                "listed_id": review_id,
                "listed_rating": store.rating_key(model.rating, review_id),
                "listed_helpful": rank,
                "listed_rating_helpful": model.rating * contract.RATING_STEP + rank,
                "listed_verified": store.verified_key(review_id, model.verified),
            }
        )
        # The key of every range of two to four stars that holds its rating (in the range indexes' slots).
        ranges = [(low, high) for low in range(1, 5) for high in range(low + 1, 6) if (low, high) != (1, 5)]
        keys["listed_ranges"] = sorted(
            f"{model.product}#{low}-{high}" for low, high in ranges if low <= model.rating <= high
        )
    return keys


#: Steps run, over all examples (the issue's note reports it).
STEPS = {"count": 0}


@dataclass
class Model:
    product: str
    author: str
    rating: int
    status: str
    etag: str
    reporters: set[str] = field(default_factory=set)  # everyone who ever reported it (each counts once)
    reports: int = 0  # reports since a moderator last published it
    votes: dict[str, bool] = field(default_factory=dict)  # each voter's vote
    verified: bool = False


class Lifecycle(RuleBasedStateMachine):
    table = None  # set by the test

    def __init__(self) -> None:
        super().__init__()
        run = uuid.uuid4().hex[:8]
        self.products = [f"sm-{run}-{n}" for n in range(2)]
        self.people = [f"{name}-{run}" for name in ("alice", "bob", "carol")]
        self.reviews: dict[str, Model] = {}
        self.threshold = int(contract.DEFAULT_REPORT_THRESHOLD)

    # ----------------------------------------------------------------------------------------- helpers

    def snapshot(self):
        """Everything stored for this run: its products' partitions and its reviews' locators."""
        items = []
        for product in self.products:
            items += self.table.query(
                KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": product}, ConsistentRead=True
            )["Items"]
        for review_id in self.reviews:
            locator = self.table.get_item(
                Key={"product_id": contract.LOCATOR_PREFIX + review_id, "review_id": contract.LOCATOR_SORT_KEY},
                ConsistentRead=True,
            ).get("Item")
            items.append(locator)
        return sorted((repr(sorted(item.items())) if item else "None") for item in items)

    def refused(self, action):
        """Run ``action`` and assert that, when refused (4xx), it stored nothing."""
        before = self.snapshot()
        result = action()
        if 400 <= result.status < 500:
            assert self.snapshot() == before, f"a refused {result.status} {result.body} changed the table"
        return result

    def new_status(self):
        return "pending" if self.policy == "pre" else "published"

    def pick(self, data, statuses=None):
        choices = sorted(r for r, m in self.reviews.items() if statuses is None or m.status in statuses)
        return data.draw(st.sampled_from(choices)) if choices else None

    # ------------------------------------------------------------------------------------------ rules

    @rule(policy=st.sampled_from(["none", "pre", "post"]))
    @precondition(lambda self: not hasattr(self, "policy"))
    def choose_policy(self, policy):
        self.policy = policy
        self.monkeypatch.setenv(contract.ENV_MODERATION, policy)

    @precondition(lambda self: hasattr(self, "policy"))
    @rule(product=st.integers(0, 1), author=st.integers(0, 2), rating=st.integers(1, 5))
    def create(self, product, author, rating):
        STEPS["count"] += 1
        answer = post(self.products[product], self.people[author], rating)
        assert answer.status == 201, answer.body
        body = answer.body["review"]
        assert body["status"] == self.new_status()
        self.reviews[body["review_id"]] = Model(
            self.products[product], self.people[author], rating, body["status"], answer.headers["ETag"]
        )

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), rating=st.integers(1, 5), stale=st.booleans(), by_author=st.booleans())
    def edit(self, data, rating, stale, by_author):
        STEPS["count"] += 1
        review_id = self.pick(data)
        model = self.reviews[review_id]
        etag = '"' + "A" * 20 + '"' if stale else model.etag
        who = model.author if by_author else next(p for p in self.people if p != model.author)
        answer = self.refused(lambda: edit(review_id, {"rating": rating}, etag, author=who))
        if not by_author:
            assert answer.status in (403, 412)
            return
        if stale:
            assert answer.status == 412
            return
        assert answer.status == 200, answer.body
        expected = "pending" if self.policy == "pre" or model.status != "published" else "published"
        assert answer.body["status"] == expected
        model.rating, model.status, model.etag = rating, expected, answer.headers["ETag"]

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), with_etag=st.booleans())
    def delete(self, data, with_etag):
        STEPS["count"] += 1
        review_id = self.pick(data)
        model = self.reviews[review_id]
        answer = delete(review_id, model.etag if with_etag else None, author=model.author)
        assert answer.status == 204
        del self.reviews[review_id]

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), reporter=st.integers(0, 2))
    def report(self, data, reporter):
        STEPS["count"] += 1
        review_id = self.pick(data)
        model = self.reviews[review_id]
        who = self.people[reporter]
        answer = self.refused(lambda: report(review_id, who))
        if model.status != "published":
            assert answer.status == 404
            return
        assert answer.status == 204
        if who not in model.reporters:
            model.reporters.add(who)
            model.reports += 1
        if model.reports >= self.threshold:
            model.status = "pending"
            model.etag = moderated(review_id).headers["ETag"]

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), publish=st.booleans(), stale=st.booleans())
    def decide(self, data, publish, stale):
        STEPS["count"] += 1
        review_id = self.pick(data)
        model = self.reviews[review_id]
        etag = '"' + "B" * 20 + '"' if stale else model.etag
        answer = self.refused(
            lambda: decide(review_id, etag, "publish" if publish else "reject", None if publish else "no")
        )
        if stale:
            assert answer.status == 412
            return
        assert answer.status == 200, answer.body
        model.status, model.etag = ("published" if publish else "rejected"), answer.headers["ETag"]
        if publish:
            model.reports = 0

    @precondition(lambda self: self.reviews)
    @rule(data=st.data())
    def remove(self, data):
        STEPS["count"] += 1
        review_id = self.pick(data)
        assert remove(review_id).status == 204
        del self.reviews[review_id]

    @precondition(lambda self: hasattr(self, "policy"))
    @rule(person=st.integers(0, 2))
    def erase(self, person):
        STEPS["count"] += 1
        who = self.people[person]
        answer = erase(who)
        expected = sum(1 for m in self.reviews.values() if m.author == who)
        assert answer.status == 200 and answer.body["erased_reviews"] == expected
        self.reviews = {r: m for r, m in self.reviews.items() if m.author != who}

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), rating=st.integers(1, 5))
    def concurrent_edits_of_one_version(self, data, rating):
        """Two edits at the same ETag at the same moment: exactly one wins, the other is a 412."""
        STEPS["count"] += 1
        review_id = self.pick(data)
        model = self.reviews[review_id]
        answers = []

        def one(stars):
            answers.append((stars, edit(review_id, {"rating": stars}, model.etag, author=model.author)))

        threads = [threading.Thread(target=one, args=(stars,)) for stars in (rating, 6 - rating)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [(stars, a) for stars, a in answers if a.status == 200]
        assert len(winners) == 1 and sorted(a.status for _, a in answers) == [200, 412], answers
        stars, won = winners[0]
        model.rating, model.status, model.etag = stars, won.body["status"], won.headers["ETag"]

    @precondition(lambda self: hasattr(self, "policy"))
    @rule(data=st.data(), product=st.integers(0, 1), rating=st.integers(1, 5))
    def concurrent_create_and_delete(self, data, product, rating):
        """A create and a deletion in the same product at the same moment both commit."""
        STEPS["count"] += 1
        victim = self.pick(data)
        results = {}

        def create():
            results["create"] = post(self.products[product], self.people[0], rating)

        def remove_one():
            if victim is not None:
                results["delete"] = delete(victim, author=self.reviews[victim].author)

        threads = [threading.Thread(target=create), threading.Thread(target=remove_one)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        created = results["create"]
        assert created.status == 201
        body = created.body["review"]
        self.reviews[body["review_id"]] = Model(
            self.products[product], self.people[0], rating, body["status"], created.headers["ETag"]
        )
        if victim is not None:
            assert results["delete"].status == 204
            del self.reviews[victim]

    @precondition(lambda self: self.reviews)
    @rule(data=st.data(), voter=st.integers(0, 2), helpful=st.booleans())
    def vote(self, data, voter, helpful):
        STEPS["count"] += 1
        review_id = self.pick(data)
        model = self.reviews[review_id]
        answer = self.refused(lambda: vote(review_id, self.people[voter], helpful))
        if model.status == "published":
            assert answer.status == 204, answer.body
            model.votes[self.people[voter]] = helpful
        else:
            assert answer.status == 404, answer.body

    @precondition(lambda self: self.reviews)
    @rule(data=st.data())
    def verify(self, data):
        STEPS["count"] += 1
        review_id = self.pick(data)
        assert verify(review_id).status == 204
        self.reviews[review_id].verified = True

    @rule(product=st.integers(0, 1), which=st.sampled_from(LISTINGS), limit=st.integers(1, 4))
    def list_in_any_order(self, product, which, limit):
        """Any order and filter shows exactly the model's reviews, in its order, each once, page by page."""
        STEPS["count"] += 1
        shown = every_page(self.products[product], limit, **listing_query(*which))
        model = [
            {
                "review_id": review_id,
                "rating": m.rating,
                "status": m.status,
                "helpful_votes": sum(m.votes.values()),
                "verified_purchase": m.verified,
            }
            for review_id, m in self.reviews.items()
            if m.product == self.products[product]
        ]
        assert [r["review_id"] for r in shown] == expected_listing(model, *which)
        for review in shown:
            m = self.reviews[review["review_id"]]
            assert review["helpful_votes"] == sum(m.votes.values())
            assert review["unhelpful_votes"] == len(m.votes) - sum(m.votes.values())
            assert review["verified_purchase"] is m.verified

    # ------------------------------------------------------------------------------------- invariants

    @invariant()
    def summaries_equal_a_recount_and_the_store_equals_the_model(self):
        stored = {}
        for product in self.products:
            items = self.table.query(
                KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": product}, ConsistentRead=True
            )["Items"]
            reviews = [i for i in items if is_review_id(i["review_id"])]
            published = [int(i["rating"]) for i in reviews if i["status"] == "published"]
            summary = next((i for i in items if i["review_id"] == SUMMARY_SORT_KEY), {})
            assert int(summary.get("review_count", 0)) == len(published)
            assert int(summary.get("rating_total", 0)) == sum(published)
            for stars in range(1, 6):
                assert int(summary.get(f"rating_{stars}", 0)) == published.count(stars)
            stored.update({i["review_id"]: (product, i["reviewer_id"], int(i["rating"]), i["status"]) for i in reviews})
            for item in reviews:
                if item["review_id"] in self.reviews:
                    assert listing_keys(item) == expected_keys(self.reviews[item["review_id"]], item["review_id"])
            shown = listing(product)
            assert sorted(r["review_id"] for r in shown["reviews"]) == sorted(
                i["review_id"] for i in reviews if i["status"] == "published"
            )
        model = {r: (m.product, m.author, m.rating, m.status) for r, m in self.reviews.items()}
        assert stored == model
        for review_id in self.reviews:
            assert self.table.get_item(
                Key={"product_id": contract.LOCATOR_PREFIX + review_id, "review_id": contract.LOCATOR_SORT_KEY},
                ConsistentRead=True,
            ).get("Item"), f"review {review_id} lost its locator"

    @invariant()
    def the_queue_holds_exactly_the_pending_reviews(self):
        queued, token = [], None
        while True:
            page = queue(limit="100", **({"next_token": token} if token else {})).body
            queued += [r["review_id"] for r in page["reviews"] if r["product_id"] in self.products]
            token = page["next_token"]
            if token is None:
                break
        assert sorted(queued) == sorted(r for r, m in self.reviews.items() if m.status == "pending")


@pytest.mark.parametrize("threshold", [2])
def test_every_sequence_of_lifecycle_actions_keeps_summaries_exact_and_loses_nothing(
    reviews_table, monkeypatch, threshold
):
    monkeypatch.setenv(contract.ENV_REPORT_THRESHOLD, str(threshold))
    Lifecycle.table = reviews_table
    Lifecycle.monkeypatch = monkeypatch

    class Run(Lifecycle):
        def __init__(self):
            super().__init__()
            self.threshold = threshold

    Run.TestCase.settings = settings(
        max_examples=examples(15),
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Run.TestCase().runTest()
    print(f"lifecycle state machine: {STEPS['count']} steps")
