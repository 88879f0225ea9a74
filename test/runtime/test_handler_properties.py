"""Property-based tests (hypothesis) against DynamoDB Local: whatever arrives, never a 500; a rejected
request stores nothing; every 201 reads back unchanged."""

import json
import string

from api_events import call
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples import examples
from tap_reviews.function_code.reviews_runtime.schema import PRODUCT_ID_CHARACTERS

# The table fixture is shared by all examples of a test on purpose: checks compare item counts.
EXAMPLES = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)

#: Any text, lone surrogates included (JSON's "\ud800" escapes decode to them; st.text() leaves them out).
any_characters = st.characters(exclude_categories=())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(any_characters, max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(any_characters, max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
valid_product_ids = st.from_regex(rf"[{PRODUCT_ID_CHARACTERS}]{{1,128}}", fullmatch=True)
#: Reviewer ids are any visible ASCII, so identity providers' subjects (auth0|..., us-east-1:...) fit.
valid_reviewer_ids = st.from_regex(r"[!-~]{1,256}", fullmatch=True)
ids = valid_product_ids | valid_reviewer_ids | st.text(any_characters, max_size=260) | json_values
ratings = st.integers(min_value=1, max_value=5) | st.integers() | st.floats() | st.booleans() | st.text(max_size=3)
comments = st.none() | st.text(any_characters, max_size=2100) | json_values
#: Bodies near the valid ones (each field valid or not, present or not, sometimes an extra field) and
#: arbitrary JSON.
review_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "product_id": ids,
            "reviewer_id": ids,
            "rating": ratings,
            "comment": comments,
            "extra": json_values,
        },
    )
    | st.fixed_dictionaries(
        {"product_id": valid_product_ids, "reviewer_id": valid_reviewer_ids, "rating": st.integers(1, 5)},
        optional={"comment": comments},
    )
    | json_values
)


def item_count(table):
    return table.scan(Select="COUNT", ConsistentRead=True)["Count"]


@EXAMPLES
@given(body=review_bodies)
def test_any_json_body_is_stored_and_readable_back_or_rejected_storing_nothing(reviews_table, body):
    before = item_count(reviews_table)
    answer = call("POST", body)
    assert answer.status in (201, 400, 413), answer.body
    if answer.status != 201:
        assert item_count(reviews_table) == before
        return
    stored = answer.body["review"]
    assert {k: stored[k] for k in body} == body
    assert stored.get("comment") == body.get("comment")
    newest = call("GET", query={"product_id": body["product_id"], "limit": "1"}).body["reviews"]
    assert newest == [stored]
    by_reviewer = call("GET", query={"reviewer_id": body["reviewer_id"], "limit": "1"}).body["reviews"]
    assert by_reviewer == [stored]


@EXAMPLES
@given(raw=st.text(any_characters, max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_any_raw_body_text_is_never_a_500(reviews_table, raw):
    before = item_count(reviews_table)
    answer = call("POST", raw)
    assert answer.status in (201, 400), answer.body
    if answer.status == 400:
        assert item_count(reviews_table) == before


query_values = st.text(any_characters, max_size=20) | st.sampled_from(["p-1", "r-1", "0", "100", "101", "-1", ""])
queries = st.none() | st.dictionaries(
    st.sampled_from(["product_id", "reviewer_id", "limit", "next_token"]) | st.text(any_characters, max_size=8),
    query_values,
    max_size=4,
)


@EXAMPLES
@given(query=queries)
def test_any_query_is_a_200_or_a_400(reviews_table, query):
    answer = call("GET", query=query)
    assert answer.status in (200, 400), answer.body
    if answer.status == 200:
        assert answer.body["count"] == len(answer.body["reviews"])


@EXAMPLES
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
    | st.text(string.ascii_uppercase, max_size=7),
    path=st.sampled_from(["/reviews", "/", "/reviews/x"]) | st.text(any_characters, max_size=20),
    headers=st.dictionaries(
        st.sampled_from(["Idempotency-Key", "Origin", "Authorization", "X-Other"]), st.text(any_characters, max_size=30)
    ),
)
def test_any_route_and_headers_are_never_a_500(reviews_table, method, path, headers):
    body = json.dumps({"product_id": "p-1", "reviewer_id": "r-1", "rating": 3})
    answer = call(method, body, path=path, headers=headers)
    assert answer.status in (200, 201, 400, 404, 405, 409), answer.body
