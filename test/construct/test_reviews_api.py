"""ProductReviewsApi as a whole: escape-hatch attributes, physical names, prop validation."""

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import cx_api
from aws_cdk.assertions import Match

from tap_reviews import AlarmThresholds, ProductReviewsApi


def test_attributes_expose_every_resource_for_escape_hatches(synthesized):
    reviews = synthesized.constructs["Defaults"]
    assert isinstance(reviews.table, dynamodb.Table)
    assert isinstance(reviews.function, lambda_.Function)
    assert isinstance(reviews.api, apigateway.RestApi)
    assert isinstance(reviews.log_group, logs.LogGroup)
    assert isinstance(reviews.dashboard, cloudwatch.Dashboard)
    assert [type(a) for a in reviews.alarms] == [cloudwatch.Alarm]  # the 4xx alarm, the only one on by default
    assert cdk.Token.is_unresolved(reviews.url)
    stage_id = next(iter(synthesized.template("Defaults").find_resources("AWS::ApiGateway::Stage")))
    url_parts = cdk.Stack.of(reviews).resolve(reviews.url)["Fn::Join"][1]
    assert url_parts[0] == "https://" and {"Ref": stage_id} in url_parts and url_parts[-1] == "/"


def test_without_physical_names_two_instances_share_a_stack(synthesized):
    template = synthesized.template("UnnamedTwice")
    template.resource_count_is("AWS::DynamoDB::Table", 2)
    for resource_type, name_property in (
        ("AWS::DynamoDB::Table", "TableName"),
        ("AWS::Lambda::Function", "FunctionName"),
        ("AWS::CloudWatch::Dashboard", "DashboardName"),
        ("AWS::CloudWatch::Alarm", "AlarmName"),
        ("AWS::SSM::Parameter", "Name"),
    ):
        template.all_resources_properties(resource_type, {name_property: Match.absent()})
    # Log groups too, except the execution logs' group, whose name API Gateway fixes from the (generated) API id.
    named_log_groups = [
        group["Properties"]["LogGroupName"]
        for group in template.find_resources("AWS::Logs::LogGroup").values()
        if "LogGroupName" in group["Properties"]
    ]
    assert len(named_log_groups) == 2
    assert all(name["Fn::Join"][1][0] == "API-Gateway-Execution-Logs_" for name in named_log_groups)
    # API Gateway metrics are keyed by API name: each instance needs its own to keep its alarm apart.
    api_names = [a["Properties"]["Name"] for a in template.find_resources("AWS::ApiGateway::RestApi").values()]
    assert len(set(api_names)) == 2 and "ProductReviewsAPI-dev" not in api_names
    alarm_api_names = {
        dimension["Value"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
        for metric in alarm["Properties"]["Metrics"]
        if "MetricStat" in metric
        for dimension in metric["MetricStat"]["Metric"]["Dimensions"]
        if dimension["Name"] == "ApiName"
    }
    assert alarm_api_names == set(api_names)


@pytest.fixture
def stack():
    return cdk.Stack(cdk.App(), "ValidationStack")


CAPACITY = dynamodb.EnableScalingProps(min_capacity=5, max_capacity=100)

BAD_PROPS = [
    (
        {"environment_suffix": "dev/../prod"},
        "environment_suffix 'dev/../prod' is not allowed: use 1-32 letters, digits, '-' or '_'",
    ),
    ({"environment_suffix": ""}, "environment_suffix '' is not allowed"),
    ({"environment_suffix": "x" * 33}, f"environment_suffix '{'x' * 33}' is not allowed: use 1-32 letters"),
    ({"environment_suffix": "dev\n"}, "environment_suffix 'dev\\n' is not allowed"),
    ({"stage_name": "prod\n"}, "stage_name 'prod\\n' is not allowed"),
    (
        {"cors_allow_origins": ["https://a.example.com\n"]},
        "cors_allow_origins entry 'https://a.example.com\\n' is not an origin",
    ),
    (
        {"cors_allow_origins": ["https://a.example.com,https://b.example.com"]},
        "cors_allow_origins entry 'https://a.example.com,https://b.example.com' is not an origin",
    ),
    ({"memory_size": 10241}, "memory_size must be an integer from 128 to 10240 (MB), got 10241."),
    ({"timeout": cdk.Duration.millis(1500)}, "timeout must be a whole number of seconds from 1 to 29, got 1.5 seconds"),
    ({"stage_name": "prod stage"}, "stage_name 'prod stage' is not allowed: use 1-128 letters, digits, '-' or '_'."),
    ({"throttle": {"rate_limit": 10}}, "throttle must be a ThrottleSettings, got {'rate_limit': 10}."),
    ({"cors_allow_origins": []}, "cors_allow_origins must be a non-empty list of origins, got []"),
    ({"cors_allow_origins": "*"}, "cors_allow_origins must be a non-empty list of origins, got '*'"),
    ({"cors_allow_origins": ["*", "https://a.example.com"]}, "mixes '*' with specific origins"),
    (
        {"cors_allow_origins": ["https://Shop.Example.com"]},
        "cors_allow_origins entry 'https://Shop.Example.com' would never match: browsers send the origin serialized "
        "(RFC 6454, section 6.2: lower-case scheme and host, no default port, no trailing slash), so list "
        "'https://shop.example.com'.",
    ),
    ({"cors_allow_origins": ["https://shop.example.com/"]}, "so list 'https://shop.example.com'."),
    ({"cors_allow_origins": ["https://shop.example.com:443"]}, "so list 'https://shop.example.com'."),
    ({"cors_allow_origins": ["HTTP://localhost:3000"]}, "so list 'http://localhost:3000'."),
    ({"cors_allow_origins": ["https://bücher.example"]}, "so list 'https://xn--bcher-kva.example'."),
    ({"cors_allow_origins": ["null"]}, "cors_allow_origins entry 'null' is not an origin"),
    (
        {"cors_allow_origins": ["https://a.example.com/path"]},
        "cors_allow_origins entry 'https://a.example.com/path' is not an origin",
    ),
    ({"reserved_concurrency": 0}, "reserved_concurrency must be None or an integer of at least 1, got 0."),
    ({"reserved_concurrency": -5}, "reserved_concurrency must be None or an integer of at least 1, got -5."),
    ({"memory_size": 64}, "memory_size must be an integer from 128 to 10240 (MB), got 64."),
    (
        {"timeout": cdk.Duration.seconds(30)},
        "timeout must be a whole number of seconds from 1 to 29, got 30 seconds: API Gateway stops waiting after 29 s.",
    ),
    ({"timeout": cdk.Duration.millis(500)}, "timeout must be a whole number of seconds from 1 to 29, got 0.5 seconds"),
    (
        {"billing_mode": dynamodb.BillingMode.PAY_PER_REQUEST, "read_capacity": CAPACITY},
        "read_capacity=EnableScalingProps(max_capacity=100, min_capacity=5) applies only to BillingMode.PROVISIONED",
    ),
    (
        {"billing_mode": dynamodb.BillingMode.PAY_PER_REQUEST, "write_capacity": CAPACITY},
        "write_capacity=EnableScalingProps(max_capacity=100, min_capacity=5) applies only to BillingMode.PROVISIONED",
    ),
    ({"read_capacity": (5, 100)}, "read_capacity must be an EnableScalingProps, got (5, 100)."),
    (
        {"target_utilization_percent": 95},
        "target_utilization_percent must be from 20 to 90 (DynamoDB auto-scaling's range), got 95.",
    ),
    ({"target_utilization_percent": 10}, "target_utilization_percent must be from 20 to 90"),
    (
        {"alarm_thresholds": AlarmThresholds(client_error_rate_percent=101)},
        "alarm_thresholds.client_error_rate_percent must be from 0 to 100 (a percentage of requests), got 101.",
    ),
    (
        {"alarm_thresholds": AlarmThresholds(client_error_rate_percent=-1)},
        "alarm_thresholds.client_error_rate_percent must be from 0 to 100 (a percentage of requests), got -1.",
    ),
    (
        {"write_token_parameter_name": "tap auth token"},
        "write_token_parameter_name 'tap auth token' is not an SSM parameter name",
    ),
    (
        {"write_token_parameter_name": "/tap//token"},
        "write_token_parameter_name '/tap//token' is not an SSM parameter name",
    ),
    ({"write_token_parameter_name": "/aws/reserved"}, "not starting with 'aws' or 'ssm'"),
    ({"write_token_parameter_name": "/" + "t" * 940}, "is not an SSM parameter name: use up to 940"),
    (
        {"write_token_parameter_name": "tap/auth/token"},
        "write_token_parameter_name 'tap/auth/token' is not an SSM parameter name",
    ),
    (
        {"web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cf/0123abcd"},
        "is not a regional WAFv2 web ACL ARN",
    ),
    (
        {"removal_policy": cdk.RemovalPolicy.DESTROY, "deletion_protection": True},
        "removal_policy=RemovalPolicy.DESTROY with deletion_protection=True cannot delete the table",
    ),
    (
        {"iam_write_authorization": True, "write_token_parameter_name": "/tap/auth/token"},
        "write_token_parameter_name cannot be combined with authorizer or iam_write_authorization",
    ),
    (
        {"write_token_parameter_name": "/tap/" + cdk.Aws.STACK_NAME},
        "write_token_parameter_name must be a literal SSM parameter name",
    ),
]


@pytest.mark.parametrize(
    ("props", "message"), BAD_PROPS, ids=[next(iter(p)) + "=" + repr(p[next(iter(p))])[:20] for p, _ in BAD_PROPS]
)
def test_bad_prop_is_rejected_before_any_resource_exists(stack, props, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ProductReviewsApi(stack, "Reviews", **props)
    assert stack.node.children == []


def test_an_authorizer_and_iam_authorization_together_are_rejected(stack):
    from aws_cdk import aws_cognito as cognito

    auth_stack = cdk.Stack(stack.node.scope, "AuthStack")
    authorizer = apigateway.CognitoUserPoolsAuthorizer(
        auth_stack, "Authorizer", cognito_user_pools=[cognito.UserPool(auth_stack, "Users")]
    )
    with pytest.raises(ValueError, match="authorizer and iam_write_authorization=True both authorize POST /reviews"):
        ProductReviewsApi(stack, "Reviews", authorizer=authorizer, iam_write_authorization=True)
    assert stack.node.children == []


def test_boundary_values_are_accepted(stack):
    ProductReviewsApi(
        stack,
        "Reviews",
        environment_suffix="A_z-9",
        reserved_concurrency=1,
        memory_size=10240,
        timeout=cdk.Duration.seconds(29),
        target_utilization_percent=20,
        alarm_thresholds=AlarmThresholds(client_error_rate_percent=0, latency_p99=cdk.Duration.millis(1)),
        throttle=apigateway.ThrottleSettings(rate_limit=0.5, burst_limit=1),
        read_capacity=dynamodb.EnableScalingProps(min_capacity=1, max_capacity=1),
        write_token_parameter_name="token",
    )
    assert [c.node.id for c in stack.node.children] == ["Reviews"]


def invoke_grant(template, role_prefix):
    """The method paths a role may invoke (``/METHOD/path`` after the stage), from its one statement."""
    (policy,) = [
        p["Properties"]
        for p in template.find_resources("AWS::IAM::Policy").values()
        if any(r["Ref"].startswith(role_prefix) for r in p["Properties"]["Roles"])
    ]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:Invoke" and statement["Effect"] == "Allow"
    stage_id = next(iter(template.find_resources("AWS::ApiGateway::Stage")))
    paths = set()
    resources = statement["Resource"]
    for resource in [resources] if isinstance(resources, dict) else resources:
        parts = resource["Fn::Join"][1]
        assert parts[-2] == {"Ref": stage_id}  # this stage only
        paths.add(parts[-1])
    return paths


def test_grant_write_lets_a_principal_write_as_itself_on_this_stage_only(synthesized):
    assert invoke_grant(synthesized.template("IamWrites"), "Poster") == {
        "/POST/reviews",
        "/POST/reviews/*/reports",
        "/POST/reviews/*/votes",
        "/PATCH/reviews/*",
        "/DELETE/reviews/*",
    }


def test_grant_verify_purchase_lets_the_order_system_mark_verified_purchases_and_nothing_else(synthesized):
    assert invoke_grant(synthesized.template("IamWrites"), "OrderSystem") == {"/PUT/reviews/*/verified-purchase"}


def test_grant_moderate_lets_a_principal_call_every_moderation_route_and_nothing_else(synthesized):
    assert invoke_grant(synthesized.template("IamWrites"), "Moderator") == {
        "/GET/moderation/queue",
        "/GET/moderation/reviews/*",
        "/DELETE/moderation/reviews/*",
        "/POST/moderation/reviews/*/decision",
        "/POST/moderation/erasures",
    }


def test_grant_moderate_with_a_moderator_authorizer_is_refused(synthesized):
    from aws_cdk import aws_iam as iam

    reviews = synthesized.constructs["CognitoWrites"]
    with pytest.raises(ValueError, match="grant_moderate needs IAM on the moderation routes"):
        reviews.grant_moderate(iam.AccountRootPrincipal())


def test_without_authenticated_authors_synth_says_owner_routes_are_not_offered(synthesized):
    messages = synthesized.assemblies["Defaults"].get_stack_by_name("Defaults").messages
    infos = [str(m.entry.data) for m in messages if m.level == cx_api.SynthesisMessageLevel.INFO]
    assert any("authors cannot edit or delete their reviews here" in info for info in infos)
    iam_messages = synthesized.assemblies["IamWrites"].get_stack_by_name("IamWrites").messages
    assert not any("authors cannot edit" in str(m.entry.data) for m in iam_messages)


def test_grant_write_without_iam_authorization_is_refused(synthesized):
    from aws_cdk import aws_iam as iam

    reviews = synthesized.constructs["Defaults"]
    with pytest.raises(ValueError, match="grant_write needs iam_write_authorization=True"):
        reviews.grant_write(iam.AccountRootPrincipal())


def test_a_cors_max_age_out_of_range_is_refused(stack):
    with pytest.raises(ValueError, match=r"cors_max_age must be a whole number of seconds from 0 to 86400, got 90000"):
        ProductReviewsApi(stack, "Reviews", cors_max_age=cdk.Duration.seconds(90_000))


def names_collide(first: cdk.Stack, second: cdk.Stack, **props) -> str | None:
    ProductReviewsApi(first, "Reviews", **props)
    try:
        ProductReviewsApi(second, "Reviews2" if first is second else "Reviews", **props)
    except ValueError as error:
        return str(error)
    return None


def test_fixed_names_that_would_collide_in_one_app_are_refused_naming_both():
    app = cdk.App()
    stack = cdk.Stack(app, "Shop")
    message = names_collide(stack, stack)
    assert (
        message is not None
        and "environment_suffix='dev' gives Shop/Reviews2 the same fixed names as Shop/Reviews " in message
    )
    assert "table ProductReviews-dev" in message and "physical_names=False" in message


@pytest.mark.parametrize(
    ("first", "second", "collides"),
    [
        (None, None, True),  # environment-agnostic stacks may land anywhere
        (("111111111111", "us-east-1"), ("111111111111", "us-east-1"), True),
        (("111111111111", "us-east-1"), ("111111111111", "eu-west-1"), True),  # dashboards are per account
        (("111111111111", "us-east-1"), ("222222222222", "us-east-1"), False),
    ],
)
def test_two_stacks_of_one_app_collide_where_their_accounts_may_be_the_same(first, second, collides):
    app = cdk.App()

    def stack(name, env):
        return cdk.Stack(app, name, env=cdk.Environment(account=env[0], region=env[1]) if env else None)

    message = names_collide(stack("One", first), stack("Two", second))
    assert (message is not None) is collides
    if first and second and first[1] != second[1]:
        assert "dashboard ProductReviews-Dashboard-dev (dashboard names are per account, in every region)" in message


def test_other_suffixes_or_generated_names_never_collide():
    app = cdk.App()
    assert names_collide(cdk.Stack(app, "One"), cdk.Stack(app, "Two"), physical_names=False) is None
    ProductReviewsApi(cdk.Stack(app, "Three"), "Reviews", environment_suffix="prod")


def test_help_shows_the_props_and_their_defaults():
    import inspect
    import pydoc

    parameters = inspect.signature(ProductReviewsApi).parameters
    assert list(parameters)[:3] == ["scope", "construct_id", "environment_suffix"]
    assert parameters["reserved_concurrency"].default is None
    text = pydoc.render_doc(ProductReviewsApi)
    assert "(*args" not in text and " object at 0x" not in text
