"""Integration test of ProductReviewsApi against a real AWS account, run by integ-runner.

integ-runner (``--language python``) finds this file by its ``integ_*.py`` name and runs it with
``python3``; it deploys the test-case stack and the assertion stack, reads the assertion results and
destroys both. The assertions POST a review to ``{url}reviews`` (expect 201) and then GET
``{url}reviews?product_id=...`` (expect 200 with exactly that review).

The product id is ``integ-`` plus the UUID in the assertion stack's id, so every run that creates the
assertion stack (every integ-runner run; it destroys the stacks afterwards) writes to a product no earlier
run has used, while the template stays the same from synth to synth and the snapshot stays stable.

``test/test_integ.py`` imports :func:`build_integ_test` and synthesizes it in-process.
"""

from __future__ import annotations

import os

# Before aws_cdk starts its jsii kernel: fail on any deprecated CDK API, keep Node 20's banner quiet.
os.environ.setdefault("JSII_DEPRECATED", "fail")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_dynamodb as dynamodb  # noqa: E402
from aws_cdk.integ_tests_alpha import ExpectedResult, IntegTest  # noqa: E402

from tap_reviews import ProductReviewsApi  # noqa: E402

#: Name of the stack that holds the construct under test (what integ-runner deploys first).
TEST_STACK_NAME = "TapReviewsInteg"
#: Name of the stack that holds the assertions (deployed after the test-case stack).
ASSERTION_STACK_NAME = "TapReviewsIntegAssertions"
#: Construct id of the IntegTest; its test case is ``{INTEG_TEST_ID}/DefaultTest``.
INTEG_TEST_ID = "ReviewsApiInteg"
REVIEWER_ID = "integ-reviewer"
RATING = 5
COMMENT = "integ"
#: The GET's DynamoDB reads are eventually consistent, so it is repeated until it matches, this long at most.
GET_TIMEOUT = cdk.Duration.minutes(2)
GET_RETRY_INTERVAL = cdk.Duration.seconds(10)


def unique_product_id() -> str:
    """``integ-<uuid>``: the UUID of the stack the token is used in, new every time that stack is created.

    A stack id looks like ``arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>``; the UUID is
    short and needs no escaping in the JSON body or the query string.
    """
    stack_uuid = cdk.Fn.select(2, cdk.Fn.split("/", cdk.Aws.STACK_ID))
    return f"integ-{stack_uuid}"


def build_integ_test(app: cdk.App) -> IntegTest:
    """Add the test-case stack, the IntegTest and its HTTP assertions to ``app``; synthesize nothing."""
    test_case_stack = cdk.Stack(app, TEST_STACK_NAME)
    reviews = ProductReviewsApi(
        test_case_stack,
        "Reviews",
        # Generated names: runs in parallel regions or next to a deployed copy never collide.
        physical_names=False,
        # Everything the test creates goes with the stack.
        removal_policy=cdk.RemovalPolicy.DESTROY,
        point_in_time_recovery=False,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
    )
    assertion_stack = cdk.Stack(app, ASSERTION_STACK_NAME)
    # The assertions read the API's URL through exports: the test-case stack cannot go while they exist.
    cdk.CrossStackReferences.of(assertion_stack).consume(cdk.ReferenceStrength.STRONG)
    integ = IntegTest(app, INTEG_TEST_ID, test_cases=[test_case_stack], assertion_stack=assertion_stack)

    product_id = unique_product_id()
    review = {"product_id": product_id, "reviewer_id": REVIEWER_ID, "rating": RATING, "comment": COMMENT}
    reviews_url = f"{reviews.url}reviews"

    post_review = integ.assertions.http_api_call(
        reviews_url,
        method="POST",
        headers={"Content-Type": "application/json"},
        # The product id is a token: to_json_string keeps it valid JSON once CloudFormation resolves it.
        body=assertion_stack.to_json_string(review),
    )
    post_review.expect(ExpectedResult.object_like({"status": 201, "body": {"review": review}}))

    list_reviews = integ.assertions.http_api_call(f"{reviews_url}?product_id={product_id}", method="GET")
    # Objects nested in object_like match partially too: extra fields (review_id, created_at) are fine,
    # but the list must hold exactly one review.
    list_reviews.expect(
        ExpectedResult.object_like(
            {
                "status": 200,
                "body": {"reviews": [review], "count": 1, "summary": {"review_count": 1}},
            }
        )
    ).wait_for_assertions(total_timeout=GET_TIMEOUT, interval=GET_RETRY_INTERVAL)
    post_review.next(list_reviews)
    return integ


if __name__ == "__main__":
    integ_app = cdk.App()
    build_integ_test(integ_app)
    integ_app.synth()
