"""Helpful votes, verified purchases and the listing orders and filters, through the handler on DynamoDB Local."""

from __future__ import annotations

import pytest
from api_events import CountingClient, call
from lifecycle_calls import ORDER_SYSTEM, as_author, at, decide, edit, every_page, post, verify, vote

from tap_reviews.function_code.reviews_runtime import clients, contract


def ids_of(reviews):
    return [r["review_id"] for r in reviews]


def test_one_vote_per_voter_a_repeat_counts_once_and_a_change_moves_it(reviews_table):
    created = post("p-v", "alice", 4)
    review_id = created.body["review"]["review_id"]
    assert vote(review_id, "bob", True).status == 204
    assert vote(review_id, "bob", True).status == 204  # the same vote again
    assert vote(review_id, "carol", False).status == 204
    shown = every_page("p-v")[0]
    assert (shown["helpful_votes"], shown["unhelpful_votes"]) == (1, 1)
    assert vote(review_id, "bob", False).status == 204  # bob changes his mind
    shown = every_page("p-v")[0]
    assert (shown["helpful_votes"], shown["unhelpful_votes"]) == (0, 2)
    # Votes never touch the version: the author's tag from before them still serves If-Match.
    edited = edit(review_id, {"comment": "still good"}, created.headers["ETag"], "alice")
    assert edited.status == 200


def test_open_writes_take_the_voter_from_the_body_and_refuse_a_missing_one(reviews_table):
    review_id = post("p-o", "alice", 5).body["review"]["review_id"]
    missing = call("POST", {"helpful": True}, path="/reviews/{review_id}/votes", **at(review_id))
    assert missing.status == 400 and missing.body["error"] == "validation_failed"
    assert any("voter_id" in detail for detail in missing.body["details"])
    given = call("POST", {"helpful": True, "voter_id": "v-1"}, path="/reviews/{review_id}/votes", **at(review_id))
    assert given.status == 204 and every_page("p-o")[0]["helpful_votes"] == 1
    other = call(
        "POST",
        {"helpful": True, "voter_id": "v-2"},
        path="/reviews/{review_id}/votes",
        **at(review_id),
        **as_author("v-1"),
    )
    assert other.status == 403  # an authenticated caller votes only as themself
    not_bool = call("POST", {"helpful": "yes", "voter_id": "v-1"}, path="/reviews/{review_id}/votes", **at(review_id))
    assert not_bool.status == 400


def test_votes_on_a_review_that_is_not_published_are_404_and_change_nothing(reviews_table, monkeypatch):
    monkeypatch.setenv(contract.ENV_MODERATION, "pre")
    created = post("p-pre", "alice", 3)
    review_id = created.body["review"]["review_id"]
    before = reviews_table.scan(ConsistentRead=True)["Items"]
    assert vote(review_id, "bob", True).status == 404
    assert reviews_table.scan(ConsistentRead=True)["Items"] == before
    assert vote("01JBQ3ZJ5Z8Y7X6W5V4T3S2R1Q", "bob", True).status == 404
    # Published later, it lists with the votes it had (none) and takes new ones.
    assert decide(review_id, created.headers["ETag"], "publish").status == 200
    assert vote(review_id, "bob", True).status == 204
    assert every_page("p-pre", sort="most_helpful")[0]["helpful_votes"] == 1


def test_most_helpful_orders_by_helpful_votes_then_newest(reviews_table):
    first, second, third = (post("p-h", f"a-{n}", 4).body["review"]["review_id"] for n in range(3))
    for voter in ("x", "y"):
        vote(first, voter, True)
    vote(third, "x", True)
    vote(second, "z", False)
    assert ids_of(every_page("p-h", sort="most_helpful")) == [first, third, second]
    assert ids_of(every_page("p-h", 1, sort="most_helpful")) == [first, third, second]


def test_verified_purchases_are_marked_by_an_iam_caller_and_filtered(reviews_table):
    one, two = (post("p-ver", f"a-{n}", 5).body["review"]["review_id"] for n in range(2))
    assert verify(two).status == 204 and verify(two).status == 204  # marking twice is fine
    shown = {r["review_id"]: r["verified_purchase"] for r in every_page("p-ver")}
    assert shown == {one: False, two: True}
    assert ids_of(every_page("p-ver", verified="true")) == [two]
    assert ids_of(every_page("p-ver", verified="false")) == [two, one]
    nobody = call("PUT", path="/reviews/{review_id}/verified-purchase", **at(one))
    assert nobody.status == 401
    assert verify("01JBQ3ZJ5Z8Y7X6W5V4T3S2R1Q").status == 404


def test_a_review_verified_while_pending_lists_as_verified_once_published(reviews_table, monkeypatch):
    monkeypatch.setenv(contract.ENV_MODERATION, "pre")
    created = post("p-vp", "alice", 2)
    review_id = created.body["review"]["review_id"]
    assert (
        call("PUT", path="/reviews/{review_id}/verified-purchase", **at(review_id), identity=ORDER_SYSTEM).status == 204
    )
    assert every_page("p-vp", verified="true") == []
    decide(review_id, created.headers["ETag"], "publish")
    assert ids_of(every_page("p-vp", verified="true")) == [review_id]


def test_rating_orders_and_filters(reviews_table):
    made = {}
    for n, rating in enumerate([3, 5, 1, 5, 4, 2, 3]):
        made[post("p-r", f"a-{n}", rating).body["review"]["review_id"]] = rating
    by_id = sorted(made)
    assert [made[i] for i in ids_of(every_page("p-r", 2, sort="highest"))] == [5, 5, 4, 3, 3, 2, 1]
    assert ids_of(every_page("p-r", 2, sort="highest"))[:2] == [by_id[3], by_id[1]]  # ties: newest first
    assert ids_of(every_page("p-r", 2, sort="lowest"))[-2:] == [by_id[1], by_id[3]]  # ties: oldest first
    assert ids_of(every_page("p-r", 2, rating="5")) == [by_id[3], by_id[1]]
    assert ids_of(every_page("p-r", 1, rating="3-5")) == [i for i in reversed(by_id) if made[i] >= 3]
    assert ids_of(every_page("p-r", 1, sort="oldest", rating="1-2")) == [i for i in by_id if made[i] <= 2]


def test_an_edit_moves_a_review_between_stars(reviews_table):
    created = post("p-e", "alice", 2)
    review_id = created.body["review"]["review_id"]
    answer = edit(review_id, {"rating": 5}, created.headers["ETag"], "alice")
    assert answer.status == 200
    assert every_page("p-e", rating="2") == [] and ids_of(every_page("p-e", rating="5")) == [review_id]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"sort": "best"}, "sort: must be one of"),
        ({"sort": ""}, "sort: must be one of"),
        ({"rating": "6"}, "rating: must be"),
        ({"rating": "4-2"}, "rating: must be"),
        ({"rating": "²"}, "rating: must be"),
        ({"rating": "3-"}, "rating: must be"),
        ({"verified": "yes"}, "verified: must be"),
        ({"verified": "true", "sort": "highest"}, "verified: combines"),
        ({"verified": "true", "rating": "5"}, "verified: combines"),
    ],
)
def test_bad_orders_and_filters_are_a_400_naming_the_problem(reviews_table, query, problem):
    answer = call("GET", query={"product_id": "p-1", **query})
    assert answer.status == 400 and answer.body["error"] == "invalid_query"
    assert any(detail.startswith(problem) for detail in answer.body["details"])


def test_orders_and_filters_are_for_products_only(reviews_table):
    answer = call("GET", query={"reviewer_id": "r-1", "sort": "newest"})
    assert answer.status == 400 and answer.body["error"] == "invalid_query"


def test_a_token_is_only_good_for_its_own_order_and_filter(reviews_table):
    for n in range(3):
        post("p-t", f"a-{n}", 5)
    token = call("GET", query={"product_id": "p-t", "limit": "1", "sort": "highest"}).body["next_token"]
    assert call("GET", query={"product_id": "p-t", "sort": "highest", "next_token": token}).status == 200
    for other in ({"sort": "lowest"}, {"sort": "highest", "rating": "5"}, {}):
        answer = call("GET", query={"product_id": "p-t", "next_token": token, **other})
        assert answer.status == 400 and answer.body["error"] == "invalid_next_token"


def test_each_page_of_every_order_and_filter_is_one_query(reviews_table, monkeypatch):
    for n, rating in enumerate([1, 2, 3, 4, 5, 5]):
        post("p-q", f"a-{n}", rating)
    counting = CountingClient(clients.client("dynamodb"))
    monkeypatch.setitem(clients._clients, "dynamodb", counting)
    for query in (
        {},
        {"sort": "oldest"},
        {"sort": "highest"},
        {"sort": "lowest", "rating": "2-4"},
        {"sort": "most_helpful"},
        {"sort": "most_helpful", "rating": "5"},
        {"rating": "5"},
        {"verified": "true"},
        {"rating": "4-5"},
        {"sort": "oldest", "rating": "1-3"},
        {"sort": "most_helpful", "rating": "2-5"},
    ):
        counting.calls.clear()
        first = call("GET", query={"product_id": "p-q", "limit": "1", **query}).body
        assert counting.calls == ["query"], query
        if first["next_token"]:
            later = call("GET", query={"product_id": "p-q", "limit": "1", "next_token": first["next_token"], **query})
            assert later.status == 200 and counting.calls == ["query", "query"], query


def test_a_reviews_etag_changes_with_its_votes_but_still_serves_if_match(reviews_table):
    created = post("p-etag", "alice", 4)
    review_id = created.body["review"]["review_id"]
    read = call("GET", path="/reviews/{review_id}", **at(review_id))
    assert vote(review_id, "bob", True).status == 204
    again = call("GET", path="/reviews/{review_id}", headers={"If-None-Match": read.headers["ETag"]}, **at(review_id))
    assert again.status == 200 and again.body["review"]["helpful_votes"] == 1  # no 304 with stale counts
    assert again.headers["ETag"] != read.headers["ETag"]
    fresh = call("GET", path="/reviews/{review_id}", headers={"If-None-Match": again.headers["ETag"]}, **at(review_id))
    assert fresh.status == 304
    assert verify(review_id).status == 204
    marked = call("GET", path="/reviews/{review_id}", headers={"If-None-Match": again.headers["ETag"]}, **at(review_id))
    assert marked.status == 200 and marked.body["review"]["verified_purchase"] is True
    # The vote made no tag stale for writes: the author edits with the tag read before it.
    edited = edit(review_id, {"rating": 5}, read.headers["ETag"], "alice")
    assert edited.status == 200


@pytest.mark.parametrize("feedback", ["x" * 5000, "1.2", "1.2.3", 7])
def test_a_tag_whose_feedback_part_is_not_ours_is_a_412(reviews_table, feedback):
    import base64
    import json

    created = post("p-forged", "alice", 4)
    review_id = created.body["review"]["review_id"]
    raw = json.dumps(["p-forged", review_id, 1, 4, "published", "alice", feedback]).encode()
    tag = '"' + base64.urlsafe_b64encode(raw).decode().rstrip("=") + '"'
    answer = edit(review_id, {"rating": 5}, tag, "alice")
    assert answer.status == 412


def test_a_tag_whose_feedback_part_is_well_formed_but_old_still_serves_if_match(reviews_table):
    import base64
    import json

    created = post("p-fb", "alice", 4)
    review_id = created.body["review"]["review_id"]
    raw = json.dumps(["p-fb", review_id, 1, 4, "published", "alice", "5.5.1"]).encode()
    tag = '"' + base64.urlsafe_b64encode(raw).decode().rstrip("=") + '"'
    answer = edit(review_id, {"rating": 5}, tag, "alice")
    assert answer.status == 200  # votes and the mark are never part of the write's condition
