"""Prop validation: CDK's own ThrottleSettings and EnableScalingProps checked by the construct, every problem
reported at once (one line each), and Tokens accepted where CloudFormation resolves them."""

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk.assertions import Template

from tap_reviews import AlarmThresholds, ProductReviewsApi
from tap_reviews.props import DEFAULT_CAPACITY, DEFAULT_THROTTLE


@pytest.fixture
def stack():
    return cdk.Stack(cdk.App(), "PropsStack")


def test_defaults_are_seed_004s():
    assert DEFAULT_THROTTLE == apigateway.ThrottleSettings(rate_limit=10, burst_limit=20)
    assert DEFAULT_CAPACITY == dynamodb.EnableScalingProps(min_capacity=5, max_capacity=100)


def test_alarm_thresholds_are_frozen():
    with pytest.raises(AttributeError):
        AlarmThresholds().client_error_rate_percent = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"throttle": apigateway.ThrottleSettings(rate_limit=0)},
            "throttle.rate_limit must be greater than 0 requests per second, got 0.",
        ),
        (
            {"throttle": apigateway.ThrottleSettings(rate_limit=-1, burst_limit=5)},
            "throttle.rate_limit must be greater than 0 requests per second, got -1.",
        ),
        (
            {"throttle": apigateway.ThrottleSettings(rate_limit=30, burst_limit=20)},
            "throttle.burst_limit (20) must be at least throttle.rate_limit (30)",
        ),
        # A field left out takes the construct's default, and is checked against the other.
        (
            {"throttle": apigateway.ThrottleSettings(rate_limit=50)},
            "throttle.burst_limit (20) must be at least throttle.rate_limit (50)",
        ),
        (
            {"read_capacity": dynamodb.EnableScalingProps(min_capacity=200, max_capacity=100)},
            "read_capacity.min_capacity (200) must not exceed read_capacity.max_capacity (100).",
        ),
        (
            {"write_capacity": dynamodb.EnableScalingProps(min_capacity=0, max_capacity=10)},
            "write_capacity.min_capacity must be an integer of at least 1 capacity units, got 0.",
        ),
        (
            {"alarm_thresholds": AlarmThresholds(latency_p99=cdk.Duration.seconds(30))},
            "alarm_thresholds.latency_p99 must be from 1 ms to 29 s, got 30000 ms.",
        ),
        (
            {"alarm_thresholds": AlarmThresholds(function_errors=-1)},
            "alarm_thresholds.function_errors must be an integer of at least 0, got -1.",
        ),
        ({"physical_names": "no"}, "physical_names must be True or False, got 'no'."),
        ({"moderation": "pre"}, "moderation must be a ModerationPolicy, got 'pre'."),
        ({"report_threshold": 0}, "report_threshold must be an integer from 1 to 1000 reports, got 0."),
        (
            {"one_review_per_reviewer": True},
            "one_review_per_reviewer=True needs authenticated writes (authorizer or iam_write_authorization)",
        ),
        (
            {"moderator_scopes": ["reviews/moderate"]},
            "moderator_scopes needs moderator_authorizer (a CognitoUserPoolsAuthorizer)",
        ),
        ({"moderator_scopes": "reviews/moderate"}, "moderator_scopes must be a list of OAuth scopes"),
        (
            {"moderator_scopes": ["reviews moderate"]},
            "moderator_scopes entry 'reviews moderate' is not an OAuth scope (RFC 6749, section 3.3",
        ),
        (
            {"alarm_thresholds": AlarmThresholds(oldest_pending_review_age=cdk.Duration.seconds(30))},
            "alarm_thresholds.oldest_pending_review_age must be a whole number of seconds from 60 to 1209600, "
            "got 30 seconds.",
        ),
        ({"event_bus": "shop-events"}, "event_bus must be an aws_events.IEventBus, got 'shop-events'."),
    ],
)
def test_bad_values_name_the_field_the_value_and_the_rule(stack, props, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ProductReviewsApi(stack, "Reviews", **props)
    assert stack.node.children == []


def test_every_problem_is_reported_at_once_one_line_each(stack):
    with pytest.raises(ValueError) as raised:
        ProductReviewsApi(
            stack,
            "Reviews",
            environment_suffix="no spaces",
            memory_size=64,
            timeout=cdk.Duration.seconds(30),
            throttle=apigateway.ThrottleSettings(rate_limit=30, burst_limit=20),
            cors_allow_origins=["*", "https://shop.example.com"],
        )
    lines = str(raised.value).splitlines()
    assert lines[0] == "ProductReviewsApi props: 5 problems:"
    assert [line.split(" ")[1] for line in lines[1:]] == [
        "environment_suffix",
        "throttle.burst_limit",
        "cors_allow_origins",
        "memory_size",
        "timeout",
    ]
    assert all(line.startswith("- ") for line in lines[1:])
    assert stack.node.children == []


def test_tokens_are_accepted_where_cloudformation_resolves_them(stack):
    memory = cdk.CfnParameter(stack, "Memory", type="Number", default=512)
    rate = cdk.CfnParameter(stack, "Rate", type="Number", default=20)
    suffix = cdk.CfnParameter(stack, "Suffix", default="stage")
    ProductReviewsApi(
        stack,
        "Reviews",
        environment_suffix=suffix.value_as_string,
        memory_size=memory.value_as_number,
        timeout=cdk.Duration.seconds(cdk.CfnParameter(stack, "Timeout", type="Number").value_as_number),
        throttle=apigateway.ThrottleSettings(rate_limit=rate.value_as_number, burst_limit=40),
        reserved_concurrency=cdk.CfnParameter(stack, "Reserved", type="Number").value_as_number,
    )
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {"MemorySize": {"Ref": "Memory"}})
    template.has_resource_properties(
        "AWS::ApiGateway::Stage", {"MethodSettings": [{"ThrottlingRateLimit": {"Ref": "Rate"}}]}
    )
    # The published throttle limit resolves to the parameter too, not to the Token's placeholder number.
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": {"Fn::Join": ["", ["/productreviews/", {"Ref": "Suffix"}, "/api/throttle-limit"]]}},
    )
    parameters = template.find_resources("AWS::SSM::Parameter")
    values = [p["Properties"]["Value"] for p in parameters.values()]
    assert {"Ref": "Rate"} in values


def test_a_token_where_the_construct_reads_the_value_is_refused_saying_so(stack):
    origin = cdk.CfnParameter(stack, "Origin").value_as_string
    with pytest.raises(ValueError, match=r"cors_allow_origins entry cannot be a Token \(\$\{Token\[[A-Z.0-9]+\]\}\): "):
        ProductReviewsApi(stack, "Reviews", cors_allow_origins=[origin])
    with pytest.raises(ValueError, match="timeout cannot be converted to seconds"):
        ProductReviewsApi(
            stack,
            "Reviews",
            timeout=cdk.Duration.minutes(cdk.CfnParameter(stack, "Minutes", type="Number").value_as_number),
        )


def test_a_cognito_moderator_authorizer_needs_scopes_and_a_lambda_one_takes_none(stack):
    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_lambda as lambda_

    pool = cognito.UserPool(stack, "Pool")
    cognito_authorizer = apigateway.CognitoUserPoolsAuthorizer(stack, "Cognito", cognito_user_pools=[pool])
    with pytest.raises(ValueError, match=re.escape("without moderator_scopes: every user of the pool could moderate")):
        ProductReviewsApi(stack, "Reviews", moderator_authorizer=cognito_authorizer)
    handler = lambda_.Function(
        stack,
        "Decides",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    token_authorizer = apigateway.TokenAuthorizer(stack, "Token", handler=handler)
    with pytest.raises(ValueError, match=re.escape("moderator_scopes only apply to a Cognito user pool authorizer")):
        ProductReviewsApi(stack, "Reviews", moderator_authorizer=token_authorizer, moderator_scopes=["x"])
