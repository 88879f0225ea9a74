"""Shared fixtures: every template the tests read is synthesized once per session, in one app."""

from __future__ import annotations

import os

# Before aws_cdk starts its jsii kernel: fail on any deprecated CDK API, keep Node 20's banner quiet.
os.environ.setdefault("JSII_DEPRECATED", "fail")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import aws_cdk as cdk  # noqa: E402
import pytest  # noqa: E402
from aws_cdk import aws_apigateway as apigateway  # noqa: E402
from aws_cdk import aws_cognito as cognito  # noqa: E402
from aws_cdk import aws_dynamodb as dynamodb  # noqa: E402
from aws_cdk import aws_events as events  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_logs as logs  # noqa: E402
from aws_cdk import aws_sns as sns  # noqa: E402
from aws_cdk import cx_api  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from tap_reviews import AlarmThresholds, ModerationPolicy, ProductReviewsApi  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV = cdk.Environment(account="123456789012", region="us-east-2")


def customize_every_prop(stack: cdk.Stack) -> ProductReviewsApi:
    """A ProductReviewsApi with every prop set away from its default.

    billing_mode and physical_names change the template's shape, so they have variants of their own
    (OnDemand, UnnamedTwice) instead.
    """
    return ProductReviewsApi(
        stack,
        "Reviews",
        environment_suffix="qa",
        throttle=apigateway.ThrottleSettings(rate_limit=50, burst_limit=100),
        stage_name="v1",
        api_cloudwatch_role=False,
        cors_allow_origins=["https://shop.example.com", "https://admin.example.com"],
        reserved_concurrency=5,
        memory_size=512,
        timeout=cdk.Duration.seconds(10),
        lambda_insights=True,
        log_retention=logs.RetentionDays.ONE_MONTH,
        billing_mode=dynamodb.BillingMode.PROVISIONED,
        read_capacity=dynamodb.EnableScalingProps(min_capacity=2, max_capacity=20),
        write_capacity=dynamodb.EnableScalingProps(min_capacity=1, max_capacity=10),
        target_utilization_percent=50,
        point_in_time_recovery=False,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        alarm_thresholds=AlarmThresholds(
            client_error_rate_percent=25,
            server_error_rate_percent=1,
            latency_p99=cdk.Duration.seconds(2),
            function_errors=0,
            function_throttles=5,
            table_throttles=10,
            oldest_pending_review_age=cdk.Duration.hours(1),
        ),
        alarm_topic=sns.Topic(stack, "AlarmTopic"),
        write_token_parameter_name="/tap/auth/token",
        web_acl_arn=WEB_ACL_ARN,
        encryption_key=kms.Key(stack, "TableKey", enable_key_rotation=True),
        moderation=ModerationPolicy.PRE_MODERATION,
        report_threshold=5,
        event_bus=events.EventBus(stack, "ShopEvents"),
    )


WEB_ACL_ARN = "arn:aws:wafv2:us-east-2:123456789012:regional/webacl/shop/0123abcd-4567-89ef-0123-456789abcdef"


def cognito_writes(stack: cdk.Stack) -> ProductReviewsApi:
    # A pool as a security reviewer wants it (cdk-nag COG1, COG2, COG8), since the gates read this stack too.
    users = cognito.UserPool(
        stack,
        "Users",
        password_policy=cognito.PasswordPolicy(
            min_length=12, require_digits=True, require_lowercase=True, require_uppercase=True, require_symbols=True
        ),
        mfa=cognito.Mfa.REQUIRED,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        feature_plan=cognito.FeaturePlan.PLUS,
        standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    )
    authorizer = apigateway.CognitoUserPoolsAuthorizer(stack, "Authorizer", cognito_user_pools=[users])
    return ProductReviewsApi(
        stack,
        "Reviews",
        authorizer=authorizer,
        one_review_per_reviewer=True,
        moderator_authorizer=authorizer,
        moderator_scopes=["reviews/moderate"],
    )


def iam_writes(stack: cdk.Stack) -> ProductReviewsApi:
    """Writes signed with SigV4, one role (say, the shop's order system) granted them, one to moderate."""
    reviews = ProductReviewsApi(
        stack, "Reviews", iam_write_authorization=True, moderation=ModerationPolicy.POST_MODERATION
    )
    poster = iam.Role(stack, "Poster", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    reviews.grant_write(poster)
    moderator = iam.Role(stack, "Moderator", assumed_by=iam.AccountRootPrincipal())
    reviews.grant_moderate(moderator)
    orders = iam.Role(stack, "OrderSystem", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    reviews.grant_verify_purchase(orders)
    return reviews


def two_unnamed_instances(stack: cdk.Stack) -> ProductReviewsApi:
    ProductReviewsApi(stack, "First", physical_names=False)
    return ProductReviewsApi(stack, "Second", physical_names=False)


#: Every stack the tests look at: name -> how to fill it.
VARIANTS: dict[str, Callable[[cdk.Stack], Any]] = {
    "Defaults": lambda stack: ProductReviewsApi(stack, "Reviews"),
    "EveryPropCustomized": customize_every_prop,
    "OnDemand": lambda stack: ProductReviewsApi(stack, "Reviews", billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST),
    "UnnamedTwice": two_unnamed_instances,
    "SeedZeroConcurrency": lambda stack: ProductReviewsApi(stack, "Reviews", reserved_concurrency=1000),
    "ReservedConcurrency": lambda stack: ProductReviewsApi(stack, "Reviews", reserved_concurrency=50),
    "CognitoWrites": cognito_writes,
    "IamWrites": iam_writes,
    "OneOrigin": lambda stack: ProductReviewsApi(stack, "Reviews", cors_allow_origins=["https://shop.example.com"]),
    "ExtraDependency": lambda stack: ProductReviewsApi(stack, "Reviews").function.node.add_dependency(
        sns.Topic(stack, "DeployFirst", enforce_ssl=True)
    ),
}


@dataclass
class Synthesized:
    """Every variant synthesized once per session, each in an app of its own (as separate CDK apps: they share
    account, region and suffix, which the construct refuses within one app)."""

    assemblies: dict[str, cx_api.CloudAssembly]
    constructs: dict[str, Any]

    def template(self, variant: str) -> Template:
        return Template.from_json(self.assemblies[variant].get_stack_by_name(variant).template)

    def directory(self, variant: str) -> Path:
        """The variant's cloud assembly directory."""
        return Path(self.assemblies[variant].directory)

    def warnings(self, variant: str) -> list[str]:
        messages = self.assemblies[variant].get_stack_by_name(variant).messages
        return [str(m.entry.data) for m in messages if m.level == cx_api.SynthesisMessageLevel.WARNING]


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    assemblies, constructs = {}, {}
    for name, fill in VARIANTS.items():
        app = cdk.App(outdir=str(tmp_path_factory.mktemp(f"{name}.out")))
        constructs[name] = fill(cdk.Stack(app, name, env=ENV))
        assemblies[name] = app.synth()
    return Synthesized(assemblies=assemblies, constructs=constructs)


@pytest.fixture(scope="session")
def defaults(synthesized: Synthesized) -> Template:
    return synthesized.template("Defaults")


@pytest.fixture(scope="session")
def customized(synthesized: Synthesized) -> Template:
    return synthesized.template("EveryPropCustomized")


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Any:
    """One DynamoDB Local for the whole session, reached through boto3's standard endpoint variable."""
    import dynamodb_engine

    engine = dynamodb_engine.start()
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint)
            env.setenv("AWS_ACCESS_KEY_ID", "local")
            env.setenv("AWS_SECRET_ACCESS_KEY", "local")
            env.setenv("AWS_DEFAULT_REGION", "us-east-2")
            yield engine.endpoint
    finally:
        engine.stop()


@pytest.fixture
def reviews_table(dynamodb_endpoint: str, defaults: Template, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh table created from the synthesized template's definition, with the runtime pointed at it."""
    import uuid

    import boto3

    from tap_reviews.function_code.reviews_runtime import auth, clients, contract

    name = f"reviews-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb")
    client.create_table(**table_definition_from_template(defaults, name))
    monkeypatch.setenv(contract.ENV_TABLE_NAME, name)
    monkeypatch.setenv(contract.ENV_ALLOWED_ORIGINS, "*")
    monkeypatch.setenv(contract.ENV_ENVIRONMENT_SUFFIX, "test")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ReviewProcessor-test")
    monkeypatch.delenv(contract.ENV_WRITE_TOKEN_PARAMETER, raising=False)
    monkeypatch.setattr(clients, "_clients", {})
    monkeypatch.setattr(auth, "_cached_token", None)
    yield boto3.resource("dynamodb").Table(name)
    client.delete_table(TableName=name)


def table_definition_from_template(template: Template, table_name: str) -> dict[str, Any]:
    """CreateTable for the table the construct synthesizes, made as `tap-reviews local` makes it (keys and
    index from the template; on demand, since DynamoDB Local enforces no capacity)."""
    from tap_reviews.local.api import create_table_request

    (table,) = template.find_resources("AWS::DynamoDB::Table").values()
    return create_table_request(table_name, table["Properties"])
