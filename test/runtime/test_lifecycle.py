"""The review lifecycle against DynamoDB Local: a review's URL, its author's edits and deletions, reports,
moderation under each policy, and one review per reviewer. The summary is checked against a recount."""

from __future__ import annotations

import pytest
from api_events import call
from lifecycle_calls import (
    MODERATOR,
    as_author,
    at,
    decide,
    delete,
    edit,
    erase,
    get,
    listing,
    moderated,
    post,
    queue,
    remove,
    report,
)

from tap_reviews.function_code.reviews_runtime import contract
from tap_reviews.function_code.reviews_runtime.ids import is_review_id


def recount(table, product_id):
    """The summary a recount of the product's published reviews gives."""
    items = table.query(
        KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": product_id}, ConsistentRead=True
    )["Items"]
    ratings = [int(i["rating"]) for i in items if is_review_id(i["review_id"]) and i["status"] == "published"]
    return {
        "review_count": len(ratings),
        "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "histogram": {str(n): ratings.count(n) for n in range(1, 6)},
    }


@pytest.fixture
def policy(monkeypatch):
    def set_policy(moderation="none", threshold=None, one_each=False):
        monkeypatch.setenv(contract.ENV_MODERATION, moderation)
        if threshold is not None:
            monkeypatch.setenv(contract.ENV_REPORT_THRESHOLD, str(threshold))
        monkeypatch.setenv(contract.ENV_ONE_REVIEW_PER_REVIEWER, "true" if one_each else "false")

    return set_policy


# ------------------------------------------------------------------------------------------- a review's URL


def test_a_review_has_its_own_url_with_an_etag_and_answers_304_when_unchanged(reviews_table):
    created = post()
    review_id = created.body["review"]["review_id"]
    assert created.headers["Location"] == f"/prod/reviews/{review_id}"
    read = get(review_id)
    assert read.status == 200 and read.body == {"review": created.body["review"]}
    assert read.headers["ETag"] == created.headers["ETag"] and read.headers["ETag"].startswith('"')
    unchanged = get(review_id, headers={"If-None-Match": read.headers["ETag"]})
    assert unchanged.status == 304 and unchanged.headers["ETag"] == read.headers["ETag"]
    assert get(review_id, headers={"If-None-Match": '"other"'}).status == 200


@pytest.mark.parametrize(
    "review_id", ["nope", "01JBQ3ZJ5Z8Y7X6W5V4T3S2R1", "01JBQ3ZJ5Z8Y7X6W5V4T3S2R1QQ", "u1JBQ3ZJ5Z8Y7X6W5V4T3S2R1Q"]
)
def test_a_malformed_review_id_is_a_400(reviews_table, review_id):
    answer = get(review_id)
    assert answer.status == 400 and answer.body["error"] == "invalid_review_id"


def test_an_unknown_review_is_a_404(reviews_table):
    answer = get("01JBQ3ZJ5Z8Y7X6W5V4T3S2R1Q")
    assert answer.status == 404 and answer.body["error"] == "review_not_found"


# --------------------------------------------------------------------------------------------- author edits


def test_the_author_edits_rating_and_comment_and_the_summary_follows(reviews_table):
    created = post(rating=2, comment="meh")
    review_id, etag = created.body["review"]["review_id"], created.headers["ETag"]
    edited = edit(review_id, {"rating": 5, "comment": "grew on me"}, etag)
    assert edited.status == 200
    assert edited.body == {
        "review_id": review_id,
        "product_id": "p-1",
        "status": "published",
        "location": f"/prod/reviews/{review_id}",
    }
    assert edited.headers["ETag"] != etag
    now = get(review_id)
    assert now.headers["ETag"] == edited.headers["ETag"]
    assert (now.body["review"]["rating"], now.body["review"]["comment"]) == (5, "grew on me")
    assert now.body["review"]["updated_at"] >= now.body["review"]["created_at"]
    assert (
        listing("p-1")["summary"]
        == recount(reviews_table, "p-1")
        == {
            "review_count": 1,
            "average_rating": 5.0,
            "histogram": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
        }
    )


def test_a_merge_patch_changes_only_what_it_names_and_null_removes_the_comment(reviews_table):
    created = post(rating=3, comment="first")
    review_id = created.body["review"]["review_id"]
    rated = edit(review_id, {"rating": 4}, created.headers["ETag"])
    assert get(review_id).body["review"]["comment"] == "first"
    uncommented = edit(review_id, {"comment": None}, rated.headers["ETag"])
    assert uncommented.status == 200
    assert get(review_id).body["review"] | {} == get(review_id).body["review"]
    assert get(review_id).body["review"]["comment"] is None and get(review_id).body["review"]["rating"] == 4


def test_a_stale_etag_is_a_412_that_tells_the_author_the_current_one_and_changes_nothing(reviews_table):
    created = post(rating=3)
    review_id, first = created.body["review"]["review_id"], created.headers["ETag"]
    second = edit(review_id, {"rating": 4}, first).headers["ETag"]
    stale = edit(review_id, {"rating": 1}, first)
    assert stale.status == 412 and stale.body["error"] == "precondition_failed"
    assert stale.headers["ETag"] == second
    assert get(review_id).body["review"]["rating"] == 4
    assert listing("p-1")["summary"] == recount(reviews_table, "p-1")


@pytest.mark.parametrize("if_match", ["*", 'W/"x"', '"not-ours"', "unquoted"])
def test_an_if_match_that_is_no_etag_of_this_review_is_a_412(reviews_table, if_match):
    review_id = post().body["review"]["review_id"]
    answer = edit(review_id, {"rating": 1}, if_match)
    assert answer.status == 412 and answer.body["error"] == "precondition_failed"


def test_an_etag_of_another_review_is_a_412(reviews_table):
    one, other = post(), post("p-2")
    answer = edit(one.body["review"]["review_id"], {"rating": 1}, other.headers["ETag"])
    assert answer.status == 412


def test_an_edit_without_if_match_is_a_428(reviews_table):
    review_id = post().body["review"]["review_id"]
    answer = edit(review_id, {"rating": 1}, None)
    assert answer.status == 428 and answer.body["error"] == "precondition_required"


def test_only_the_author_may_edit_or_delete(reviews_table):
    created = post(author="alice")
    review_id, etag = created.body["review"]["review_id"], created.headers["ETag"]
    for answer in (edit(review_id, {"rating": 1}, etag, author="mallory"), delete(review_id, author="mallory")):
        assert answer.status == 403 and answer.body["error"] == "forbidden"
    assert delete(review_id, etag, author="mallory").status == 403
    assert get(review_id).body["review"]["rating"] == 4


def test_owner_routes_need_an_authenticated_caller(reviews_table):
    created = post()
    review_id = created.body["review"]["review_id"]
    answer = call(
        "PATCH",
        {"rating": 1},
        path="/reviews/{review_id}",
        headers={"If-Match": created.headers["ETag"]},
        **at(review_id),
    )
    assert answer.status == 401 and answer.body["error"] == "unauthorized"


@pytest.mark.parametrize(
    ("patch", "detail"),
    [
        ({}, "body: at least 1 field(s)"),
        ({"rating": 6}, "rating: at most 5"),
        ({"rating": "5"}, "rating: must be integer"),
        ({"product_id": "p-2"}, "product_id: unknown field"),
        ({"reviewer_id": "bob"}, "reviewer_id: unknown field"),
        ({"comment": "x" * 2001}, "comment: at most 2000 characters"),
    ],
)
def test_an_invalid_patch_is_a_400_naming_the_field(reviews_table, patch, detail):
    created = post()
    answer = edit(created.body["review"]["review_id"], patch, created.headers["ETag"])
    assert answer.status == 400 and answer.body["error"] == "validation_failed"
    assert detail in answer.body["details"]


def test_an_edit_retried_with_its_idempotency_key_gets_the_first_answer(reviews_table):
    created = post(rating=2)
    review_id, etag = created.body["review"]["review_id"], created.headers["ETag"]
    key = {"Idempotency-Key": "edit-key-0000000001"}
    first = edit(review_id, {"rating": 5}, etag, headers=key)
    again = edit(review_id, {"rating": 5}, etag, headers=key)
    assert (again.status, again.body, again.headers["ETag"]) == (first.status, first.body, first.headers["ETag"])
    assert again.headers["Idempotent-Replayed"] == "true"
    different = edit(review_id, {"rating": 1}, etag, headers=key)
    assert different.status == 409 and different.body["error"] == "idempotency_key_reused"
    assert get(review_id).body["review"]["rating"] == 5


# ------------------------------------------------------------------------------------------ author deletes


def test_the_author_deletes_with_or_without_if_match_and_everything_of_it_goes(reviews_table):
    kept = post("p-1", rating=5)
    first, second = post("p-1", rating=1), post("p-1", rating=2)
    assert delete(first.body["review"]["review_id"], first.headers["ETag"]).status == 204
    assert delete(second.body["review"]["review_id"]).status == 204
    for gone in (first, second):
        assert get(gone.body["review"]["review_id"]).status == 404
    assert listing("p-1")["reviews"] == [kept.body["review"]]
    assert listing("p-1")["summary"] == recount(reviews_table, "p-1")
    keys = {item["review_id"] for item in reviews_table.scan(ConsistentRead=True)["Items"]}
    assert keys == {kept.body["review"]["review_id"], contract.SUMMARY_SORT_KEY, "#REVIEW"}  # the kept review's locator


def test_a_delete_retried_with_its_key_gets_204_again_and_without_one_a_404(reviews_table):
    review_id = post().body["review"]["review_id"]
    key = {"Idempotency-Key": "delete-key-00000001"}
    assert delete(review_id, headers=key).status == 204
    again = delete(review_id, headers=key)
    assert again.status == 204 and again.headers["Idempotent-Replayed"] == "true"
    assert delete(review_id).status == 404


# ----------------------------------------------------------------------------------------------- moderation


def test_pre_moderation_holds_new_reviews_until_a_moderator_publishes_them(reviews_table, policy):
    policy("pre")
    created = post(rating=5)
    review_id = created.body["review"]["review_id"]
    assert created.status == 201 and created.body["review"]["status"] == "pending"
    assert get(review_id).status == 404 and listing("p-1")["reviews"] == []
    assert listing("p-1")["summary"]["review_count"] == 0
    waiting = queue()
    assert [r["review_id"] for r in waiting.body["reviews"]] == [review_id]
    item = waiting.body["reviews"][0]
    assert item["queued_because"] == "created" and item["etag"] == created.headers["ETag"]
    published = decide(review_id, item["etag"], "publish")
    assert published.status == 200 and published.body["status"] == "published"
    assert get(review_id).status == 200 and queue().body["reviews"] == []
    assert listing("p-1")["summary"] == recount(reviews_table, "p-1")
    assert listing("p-1")["summary"]["review_count"] == 1


def test_a_rejection_keeps_the_reason_and_an_edit_sends_the_review_back_to_the_queue(reviews_table, policy):
    policy("post")
    created = post(rating=1, comment="spam spam")
    review_id = created.body["review"]["review_id"]
    assert created.body["review"]["status"] == "published" and listing("p-1")["summary"]["review_count"] == 1
    rejected = decide(review_id, created.headers["ETag"], "reject", "Advertising")
    assert rejected.status == 200 and rejected.body["status"] == "rejected"
    seen = moderated(review_id)
    assert (seen.body["review"]["status"], seen.body["review"]["reason"]) == ("rejected", "Advertising")
    assert seen.body["review"]["decided_by"] == MODERATOR["caller"]
    assert listing("p-1")["summary"] == recount(reviews_table, "p-1")
    assert listing("p-1")["summary"]["review_count"] == 0
    resubmitted = edit(review_id, {"comment": "a real opinion"}, rejected.headers["ETag"])
    assert resubmitted.body["status"] == "pending"
    assert [r["queued_because"] for r in queue().body["reviews"]] == ["edited"]


def test_a_rejection_needs_a_reason_and_a_decision_needs_if_match(reviews_table):
    created = post()
    review_id = created.body["review"]["review_id"]
    no_reason = decide(review_id, created.headers["ETag"], "reject")
    assert no_reason.status == 400 and "reason: required to reject" in no_reason.body["details"]
    answer = call(
        "POST",
        {"decision": "publish"},
        path="/moderation/reviews/{review_id}/decision",
        **at(review_id),
        identity=MODERATOR,
    )
    assert answer.status == 428


def test_under_pre_moderation_an_edit_of_a_published_review_waits_again(reviews_table, policy):
    policy("pre")
    created = post(rating=2)
    review_id = created.body["review"]["review_id"]
    published = decide(review_id, created.headers["ETag"], "publish")
    edited = edit(review_id, {"rating": 5}, published.headers["ETag"])
    assert edited.body["status"] == "pending"
    assert (
        listing("p-1")["summary"]
        == recount(reviews_table, "p-1")
        == {
            "review_count": 0,
            "average_rating": None,
            "histogram": {str(n): 0 for n in range(1, 6)},
        }
    )


def test_the_queue_pages_oldest_first_exactly_once(reviews_table, policy):
    policy("pre")
    created = [post(f"p-{n % 3}", f"r-{n}").body["review"]["review_id"] for n in range(7)]
    seen, token = [], None
    while True:
        page = queue(limit="3", **({"next_token": token} if token else {}))
        assert page.status == 200
        seen += [r["review_id"] for r in page.body["reviews"]]
        token = page.body["next_token"]
        if token is None:
            break
    assert seen == created


def test_moderator_routes_refuse_a_caller_nobody_authenticated(reviews_table):
    answer = call("GET", path="/moderation/queue")
    assert answer.status == 401


def test_a_moderator_removes_any_review(reviews_table):
    created = post(rating=3)
    review_id = created.body["review"]["review_id"]
    assert remove(review_id).status == 204
    assert moderated(review_id).status == 404
    assert listing("p-1")["summary"] == recount(reviews_table, "p-1")


# ---------------------------------------------------------------------------------------------------- reports


def test_reports_past_the_threshold_send_a_review_back_to_the_queue_counting_each_reporter_once(reviews_table, policy):
    policy("none", threshold=2)
    created = post(rating=5)
    review_id = created.body["review"]["review_id"]
    assert report(review_id, "bob", "rude").status == 204
    assert report(review_id, "bob").status == 204  # the same reporter again: counted once
    assert get(review_id).status == 200 and moderated(review_id).body["review"]["reports"] == 1
    assert report(review_id, "carol").status == 204
    assert get(review_id).status == 404
    held = moderated(review_id).body["review"]
    assert (held["status"], held["queued_because"], held["reports"]) == ("pending", "reported", 2)
    assert listing("p-1")["summary"] == recount(reviews_table, "p-1")
    assert report(review_id, "dave").status == 404  # only published reviews can be reported
    decide(review_id, held["etag"], "publish")
    assert moderated(review_id).body["review"]["reports"] == 0
    assert report(review_id, "bob").status == 204 and moderated(review_id).body["review"]["reports"] == 0


def test_without_an_authenticated_caller_a_report_names_its_reporter(reviews_table):
    review_id = post().body["review"]["review_id"]
    anonymous = call("POST", {}, path="/reviews/{review_id}/reports", **at(review_id))
    assert anonymous.status == 400 and "reporter_id: required" in anonymous.body["details"]
    named = call("POST", {"reporter_id": "shopper-9"}, path="/reviews/{review_id}/reports", **at(review_id))
    assert named.status == 204
    as_other = call(
        "POST", {"reporter_id": "x"}, path="/reviews/{review_id}/reports", **at(review_id), **as_author("bob")
    )
    assert as_other.status == 403


# ------------------------------------------------------------------------------------ one review per reviewer


def test_one_review_per_reviewer_points_a_second_at_the_first(reviews_table, policy):
    policy(one_each=True)
    first = post("p-1", "alice")
    second = post("p-1", "alice", rating=1)
    assert second.status == 409 and second.body["error"] == "review_exists"
    assert second.headers["Location"] == first.headers["Location"]
    assert post("p-2", "alice").status == 201 and post("p-1", "bob").status == 201
    assert delete(first.body["review"]["review_id"]).status == 204
    assert post("p-1", "alice", rating=2).status == 201
    assert listing("p-1")["summary"] == recount(reviews_table, "p-1")


def test_erasure_removes_every_review_of_a_reviewer_in_every_status_and_product(reviews_table, policy):
    policy("post")
    mine = [post(f"p-{n}", "alice", rating=n + 1) for n in range(3)]
    mine.append(post("p-0", "alice", rating=5, headers={"Idempotency-Key": "alice-key-00000001"}))
    decide(mine[1].body["review"]["review_id"], mine[1].headers["ETag"], "reject", "off-topic")
    theirs = post("p-0", "bob", rating=2)
    done = erase("alice")
    assert done.status == 200 and done.body == {"reviewer_id": "alice", "erased_reviews": 4, "done": True}
    for answer in mine:
        assert moderated(answer.body["review"]["review_id"]).status == 404
    stored = reviews_table.scan(ConsistentRead=True)["Items"]
    assert not [item for item in stored if "alice" in repr(item)]
    assert listing("p-0")["reviews"] == [theirs.body["review"]]
    for product in ("p-0", "p-1", "p-2"):
        assert listing(product)["summary"] == recount(reviews_table, product)
    assert erase("alice").body == {"reviewer_id": "alice", "erased_reviews": 0, "done": True}


def test_exactly_the_routes_the_catalogue_names_check_the_idempotency_key(reviews_table):
    """The catalogue lists both key errors on the routes that claim a key; the others ignore the header."""
    from lifecycle_calls import ORDER_SYSTEM

    from tap_reviews.function_code.reviews_runtime import errors

    claimed = set(errors.Error.INVALID_IDEMPOTENCY_KEY.routes)
    assert claimed == set(errors.Error.IDEMPOTENCY_KEY_REUSED.routes)
    bad = {"Idempotency-Key": "not a valid key"}  # spaces: not visible ASCII
    created = post("p-keys", "alice")
    review_id, etag = created.body["review"]["review_id"], created.headers["ETag"]
    answers = {
        errors.POST_REVIEWS: post("p-keys", "bob", headers=bad),
        errors.PATCH_REVIEW: edit(review_id, {"rating": 5}, etag, headers=bad),
        errors.DELETE_REVIEW: delete(review_id, etag, headers=bad),
        errors.DELETE_MODERATED: call(
            "DELETE", path="/moderation/reviews/{review_id}", headers=bad, **at(review_id), identity=MODERATOR
        ),
        errors.POST_DECISION: decide(review_id, etag, "publish", headers=bad),
        errors.POST_REPORT: call(
            "POST", {}, path="/reviews/{review_id}/reports", headers=bad, **at(review_id), **as_author("carol")
        ),
        errors.POST_VOTE: call(
            "POST",
            {"helpful": True},
            path="/reviews/{review_id}/votes",
            headers=bad,
            **at(review_id),
            **as_author("dan"),
        ),
        errors.PUT_VERIFIED_PURCHASE: call(
            "PUT", path="/reviews/{review_id}/verified-purchase", headers=bad, **at(review_id), identity=ORDER_SYSTEM
        ),
        errors.POST_ERASURE: erase("nobody-at-all", headers=bad),
    }
    assert set(answers) == {route for route in errors.EVERY_ROUTE if not route.startswith("GET ")}
    for route, answer in answers.items():
        if route in claimed:
            assert (answer.status, answer.body["error"]) == (400, "invalid_idempotency_key"), route
        else:
            assert answer.status < 300, (route, answer)
