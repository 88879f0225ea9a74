"""ProductReviewsApi: a product-reviews REST API on DynamoDB, Lambda and API Gateway, in one construct."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Annotations, Duration, Names, RemovalPolicy, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from ._function import build_reviews_function
from ._monitoring import build_client_error_alarm, build_dashboard
from ._parameters import publish_parameters
from ._rest_api import WriteAuthorization, build_rest_api
from ._table import build_reviews_table
from .function_code.reviews_runtime import contract
from .settings import CapacityBounds, ThrottleSettings

SUFFIX_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
STAGE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
ORIGIN_PATTERN = re.compile(r"https?://[^/\s*,]+")
#: An SSM parameter name: one segment of letters, digits, '_', '.', '-', or a path of them with a leading
#: slash (SSM wants hierarchical names fully qualified).
PARAMETER_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]+|(/[A-Za-z0-9_.-]+)+")
#: SSM allows 1011 characters for the whole parameter ARN; this leaves room for the longest ARN prefix.
MAX_PARAMETER_NAME_LENGTH = 940
WEB_ACL_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+")
#: API Gateway's integration timeout for REST APIs; a longer-running function only burns money.
API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29
#: A default account has 1,000 concurrent executions and keeps 100 of them unreserved.
DEFAULT_ACCOUNT_RESERVABLE_CONCURRENCY = 900
DEFAULT_THROTTLE = ThrottleSettings()
DEFAULT_CAPACITY = CapacityBounds()
DEFAULT_TIMEOUT = Duration.seconds(28)


class ProductReviewsApi(Construct):
    """A product-reviews REST API: DynamoDB table, Lambda handler, API Gateway, monitoring and SSM.

    The smallest use is one line: ``ProductReviewsApi(self, "Reviews")``. Every prop is optional and
    validated before any resource is created; a bad value raises ``ValueError`` naming the prop, the
    value and what is allowed.

    Args:
        scope: The construct to add the API to (usually a Stack).
        construct_id: The id of this construct within ``scope``.
        environment_suffix: Names every resource after an environment: table ``ProductReviews-{suffix}``,
            function ``ReviewProcessor-{suffix}``, API ``ProductReviewsAPI-{suffix}``, dashboard
            ``ProductReviews-Dashboard-{suffix}``, alarm ``API-4xx-Errors-{suffix}`` and SSM parameters
            under ``/productreviews/{suffix}/``. 1-32 letters, digits, ``-`` or ``_``. Default: "dev".
        physical_names: Give resources the fixed names above. Fixed names are unique per region
            (table, function, alarm, log group, SSM parameters) or per account (dashboard), so two
            instances with the same suffix collide. Set to False to let CloudFormation generate names
            (the API gets a unique one too, keeping its metrics and alarm apart). Default: True.
        throttle: Steady and burst request limits of the API stage. Default:
            ``ThrottleSettings(rate_limit=10, burst_limit=20)``.
        stage_name: Name of the API stage, the last segment of ``url``. Default: "prod".
        api_cloudwatch_role: Create the IAM role API Gateway uses to write execution logs and set it as
            the account's API Gateway CloudWatch role (``AWS::ApiGateway::Account``, one setting per
            account and region, retained when the stack goes). The stage logs errors, which needs that
            setting. Set to False when the account already has the role configured or manages it
            elsewhere; the construct does not depend on the app's ``disableCloudWatchRole`` feature flag.
            Default: True.
        cors_allow_origins: Origins browsers may call the API from: ``["*"]`` for any, or full origins
            such as ``"https://shop.example.com"``. Default: ``["*"]``.
        reserved_concurrency: Concurrent executions reserved for (and capping) the function, or None
            for no reservation. Values above 900 synthesize with a warning: a default account has
            1,000 in total and must keep 100 unreserved. Default: 50.
        memory_size: Function memory in MB, 128-10240. Default: 256.
        timeout: Function timeout, 1-29 seconds. Default: 28 seconds. Seed 004 used 30 s, longer than
            API Gateway's 29 s integration timeout: the client got a 504 while the function kept
            running (and billing); 28 s lets the function fail inside the integration window.
        lambda_insights: Add the Lambda Insights extension for enhanced monitoring (extra cost).
            Default: False.
        log_retention: How long the function's log group keeps logs. Default: one week.
        billing_mode: ``BillingMode.PROVISIONED`` (capacity with auto-scaling between the bounds below)
            or ``BillingMode.PAY_PER_REQUEST`` (on demand, no capacity props allowed).
            Default: PROVISIONED.
        read_capacity: Read capacity auto-scaling bounds for the table and its reviewer index
            (provisioned billing only). Default: ``CapacityBounds(min_capacity=5, max_capacity=100)``.
        write_capacity: Write capacity auto-scaling bounds for the table and its reviewer index
            (provisioned billing only). Default: ``CapacityBounds(min_capacity=5, max_capacity=100)``.
        target_utilization_percent: Utilization auto-scaling keeps capacity at, 20-90
            (provisioned billing only). Default: 70.
        point_in_time_recovery: Keep continuous backups of the table (35 days). Default: True.
        removal_policy: What happens to the table and the log groups when they leave the stack.
            Default: ``RemovalPolicy.RETAIN``: a library must not delete data unless asked to. A
            retained log group keeps its fixed name, so delete it (or use ``physical_names=False``)
            before deploying the same suffix again.
        alarm_threshold_percent: The 4xx alarm fires when more than this percentage of requests in
            5 minutes are answered 4xx, 0-100. Default: 10.
        alarm_topic: SNS topic notified when an alarm fires and when it recovers. Default: None.
        write_token_parameter_name: Name of an existing SSM SecureString holding the write token, such
            as ``"/tap/auth/token"``. When set, ``POST /reviews`` needs ``Authorization: Bearer <token>``
            (401 otherwise); the function may ``ssm:GetParameter`` that one parameter and ``kms:Decrypt``
            only through SSM for it, reads it on first use and re-reads it every 5 minutes, so rotating
            the token needs no deployment. Create the parameter before deploying (CloudFormation cannot
            create SecureStrings). Reads stay public. Default: None (anyone may post).
        authorizer: An API Gateway authorizer for ``POST /reviews``, such as a
            ``CognitoUserPoolsAuthorizer`` or a ``TokenAuthorizer``. The caller it authenticates becomes the
            review's ``reviewer_id`` (the body may leave it out). Reads and CORS preflight stay public.
            Default: None.
        iam_write_authorization: Authorize ``POST /reviews`` with IAM (SigV4-signed requests); the IAM caller
            becomes the ``reviewer_id``. Not together with ``authorizer``. Default: False.
        web_acl_arn: ARN of a regional WAFv2 web ACL to associate with the API stage. Default: None (no WAF;
            stage throttling still applies).
        deletion_protection: The table's deletion protection: neither a stack operation nor a console
            click deletes a protected table. Default: on, unless ``removal_policy`` is
            ``RemovalPolicy.DESTROY`` (which asks for a deletable table); True with DESTROY is refused.
        encryption_key: A customer managed KMS key to encrypt the table with; the function may use it for
            the table. Default: None (the AWS managed key ``aws/dynamodb``).

    Writes are open by default and synth says so in a warning: set ``authorizer``,
    ``iam_write_authorization`` or ``write_token_parameter_name`` before going to production.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment_suffix: str = "dev",
        physical_names: bool = True,
        throttle: ThrottleSettings = DEFAULT_THROTTLE,
        stage_name: str = "prod",
        api_cloudwatch_role: bool = True,
        cors_allow_origins: Sequence[str] = ("*",),
        reserved_concurrency: int | None = 50,
        memory_size: int = 256,
        timeout: Duration = DEFAULT_TIMEOUT,
        lambda_insights: bool = False,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_WEEK,
        billing_mode: dynamodb.BillingMode = dynamodb.BillingMode.PROVISIONED,
        read_capacity: CapacityBounds | None = None,
        write_capacity: CapacityBounds | None = None,
        target_utilization_percent: float = 70,
        point_in_time_recovery: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        alarm_threshold_percent: float = 10,
        alarm_topic: sns.ITopic | None = None,
        write_token_parameter_name: str | None = None,
        authorizer: apigateway.IAuthorizer | None = None,
        iam_write_authorization: bool = False,
        web_acl_arn: str | None = None,
        deletion_protection: bool | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        _validate_props(
            environment_suffix=environment_suffix,
            throttle=throttle,
            stage_name=stage_name,
            cors_allow_origins=cors_allow_origins,
            reserved_concurrency=reserved_concurrency,
            memory_size=memory_size,
            timeout=timeout,
            billing_mode=billing_mode,
            read_capacity=read_capacity,
            write_capacity=write_capacity,
            target_utilization_percent=target_utilization_percent,
            alarm_threshold_percent=alarm_threshold_percent,
            write_token_parameter_name=write_token_parameter_name,
            authorizer=authorizer,
            iam_write_authorization=iam_write_authorization,
            web_acl_arn=web_acl_arn,
            removal_policy=removal_policy,
            deletion_protection=deletion_protection,
        )
        super().__init__(scope, construct_id)
        if reserved_concurrency is not None and reserved_concurrency > DEFAULT_ACCOUNT_RESERVABLE_CONCURRENCY:
            Annotations.of(self).add_warning_v2(
                "tap-reviews:reservedConcurrencyAboveDefaultQuota",
                f"reserved_concurrency={reserved_concurrency}: a default account has 1000 concurrent "
                "executions in total and keeps 100 unreserved, so at most 900 can be reserved. Raise the "
                "account's Lambda concurrency quota before deploying, or lower reserved_concurrency.",
            )

        def name(pattern: str) -> str | None:
            return pattern.format(suffix=environment_suffix) if physical_names else None

        self._table = build_reviews_table(
            self,
            table_name=name("ProductReviews-{suffix}"),
            billing_mode=billing_mode,
            read_capacity=read_capacity or DEFAULT_CAPACITY,
            write_capacity=write_capacity or DEFAULT_CAPACITY,
            target_utilization_percent=target_utilization_percent,
            point_in_time_recovery=point_in_time_recovery,
            removal_policy=removal_policy,
            deletion_protection=removal_policy != RemovalPolicy.DESTROY
            if deletion_protection is None
            else deletion_protection,
            encryption_key=encryption_key,
        )
        self._function, self._log_group = build_reviews_function(
            self,
            function_name=name("ReviewProcessor-{suffix}"),
            table=self._table,
            environment={
                contract.ENV_ALLOWED_ORIGINS: ",".join(cors_allow_origins),
                contract.ENV_ENVIRONMENT_SUFFIX: environment_suffix,
            },
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrency=reserved_concurrency,
            lambda_insights=lambda_insights,
            log_retention=log_retention,
            removal_policy=removal_policy,
            write_token_parameter_name=write_token_parameter_name,
        )
        write_authorization = WriteAuthorization(
            authorizer=authorizer, iam=iam_write_authorization, write_token=write_token_parameter_name is not None
        )
        self._api, self._access_log_group = build_rest_api(
            self,
            # API Gateway metrics are keyed by API name: instances that share a name share alarms.
            rest_api_name=name("ProductReviewsAPI-{suffix}") or Names.unique_resource_name(self, max_length=128),
            cloud_watch_role=api_cloudwatch_role,
            stage_name=stage_name,
            throttle=throttle,
            cors_allow_origins=cors_allow_origins,
            function=self._function,
            write_authorization=write_authorization,
            web_acl_arn=web_acl_arn,
            access_log_group_name=name("/aws/apigateway/ProductReviewsAPI-{suffix}/access"),
            log_retention=log_retention,
            removal_policy=removal_policy,
        )
        if not (write_authorization.principal_supplies_reviewer or write_authorization.write_token):
            Annotations.of(self).add_warning_v2(
                "tap-reviews:writesOpen",
                "POST /reviews is open to anyone on the internet: set authorizer, iam_write_authorization=True "
                "or write_token_parameter_name to require authorization for writes (reads stay public).",
            )
        stage = self._api.deployment_stage
        self._alarms = [
            build_client_error_alarm(
                self,
                alarm_name=name("API-4xx-Errors-{suffix}"),
                stage=stage,
                threshold_percent=alarm_threshold_percent,
                alarm_topic=alarm_topic,
            )
        ]
        self._dashboard = build_dashboard(
            self,
            dashboard_name=name("ProductReviews-Dashboard-{suffix}"),
            stage=stage,
            function=self._function,
            table=self._table,
            index_name=contract.REVIEWER_INDEX_NAME,
            alarms=self._alarms,
        )
        self._parameters = publish_parameters(
            self,
            prefix=name("/productreviews/{suffix}/"),
            values={
                "api/throttle-limit": (
                    f"{throttle.rate_limit:g}",
                    "API throttle limit (requests per second)",
                ),
                "dynamodb/table-arn": (self._table.table_arn, "DynamoDB table ARN"),
                "lambda/function-arn": (self._function.function_arn, "Lambda function ARN"),
                "api/gateway-id": (self._api.rest_api_id, "API Gateway REST API id"),
            },
        )

    @property
    def table(self) -> dynamodb.Table:
        """The reviews table (partition key ``product_id``, sort key ``review_id``)."""
        return self._table

    @property
    def function(self) -> lambda_.Function:
        """The Lambda function that serves the API."""
        return self._function

    @property
    def log_group(self) -> logs.LogGroup:
        """The function's log group."""
        return self._log_group

    @property
    def access_log_group(self) -> logs.LogGroup:
        """The API stage's access log group (one JSON line per request)."""
        return self._access_log_group

    @property
    def api(self) -> apigateway.RestApi:
        """The REST API."""
        return self._api

    @property
    def url(self) -> str:
        """The URL of the API stage, ending in ``/``; reviews are at ``{url}reviews``."""
        return self._api.url

    @property
    def dashboard(self) -> cloudwatch.Dashboard:
        """The CloudWatch dashboard."""
        return self._dashboard

    @property
    def alarms(self) -> list[cloudwatch.Alarm]:
        """The alarms this construct created (today: the 4xx error-rate alarm)."""
        return list(self._alarms)

    @property
    def parameters(self) -> dict[str, ssm.StringParameter]:
        """The published SSM parameters, by key: api/throttle-limit, dynamodb/table-arn, and so on.

        Keys are ``api/throttle-limit``, ``dynamodb/table-arn``, ``lambda/function-arn`` and
        ``api/gateway-id``; with ``physical_names`` each is named ``/productreviews/{suffix}/{key}``.
        """
        return dict(self._parameters)


def _validate_props(
    *,
    environment_suffix: str,
    throttle: ThrottleSettings,
    stage_name: str,
    cors_allow_origins: Sequence[str],
    reserved_concurrency: int | None,
    memory_size: int,
    timeout: Duration,
    billing_mode: dynamodb.BillingMode,
    read_capacity: CapacityBounds | None,
    write_capacity: CapacityBounds | None,
    target_utilization_percent: float,
    alarm_threshold_percent: float,
    write_token_parameter_name: str | None,
    authorizer: apigateway.IAuthorizer | None,
    iam_write_authorization: bool,
    web_acl_arn: str | None,
    removal_policy: RemovalPolicy,
    deletion_protection: bool | None,
) -> None:
    """Raise ValueError for the first prop that is out of bounds, before anything is created."""
    if not isinstance(environment_suffix, str) or not SUFFIX_PATTERN.fullmatch(environment_suffix):
        raise ValueError(
            f"environment_suffix {environment_suffix!r} is not allowed: use 1-32 letters, digits, '-' or "
            "'_' (it becomes part of table, function, dashboard, alarm and SSM parameter names)."
        )
    if not isinstance(throttle, ThrottleSettings):
        raise ValueError(f"throttle must be a ThrottleSettings, got {throttle!r}.")
    if not isinstance(stage_name, str) or not STAGE_NAME_PATTERN.fullmatch(stage_name):
        raise ValueError(f"stage_name {stage_name!r} is not allowed: use 1-128 letters, digits, '-' or '_'.")
    _validate_origins(cors_allow_origins)
    if reserved_concurrency is not None and (
        isinstance(reserved_concurrency, bool) or not isinstance(reserved_concurrency, int) or reserved_concurrency < 1
    ):
        raise ValueError(
            f"reserved_concurrency must be None or an integer of at least 1, got {reserved_concurrency!r}."
        )
    if isinstance(memory_size, bool) or not isinstance(memory_size, int) or not 128 <= memory_size <= 10240:
        raise ValueError(f"memory_size must be an integer from 128 to 10240 (MB), got {memory_size!r}.")
    timeout_seconds = timeout.to_milliseconds() / 1000
    if not timeout_seconds.is_integer() or not 1 <= timeout_seconds <= API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS:
        raise ValueError(
            f"timeout must be a whole number of seconds from 1 to {API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS}, got "
            f"{timeout_seconds:g} seconds: API Gateway stops waiting after "
            f"{API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS} s."
        )
    if billing_mode == dynamodb.BillingMode.PAY_PER_REQUEST:
        for prop, value in (("read_capacity", read_capacity), ("write_capacity", write_capacity)):
            if value is not None:
                raise ValueError(
                    f"{prop}={value!r} applies only to BillingMode.PROVISIONED; on-demand tables "
                    "(BillingMode.PAY_PER_REQUEST) have no capacity to bound. Remove it or use provisioned "
                    "billing."
                )
    elif billing_mode != dynamodb.BillingMode.PROVISIONED:
        raise ValueError(
            f"billing_mode must be BillingMode.PROVISIONED or BillingMode.PAY_PER_REQUEST, got {billing_mode!r}."
        )
    for prop, value in (("read_capacity", read_capacity), ("write_capacity", write_capacity)):
        if value is not None and not isinstance(value, CapacityBounds):
            raise ValueError(f"{prop} must be a CapacityBounds, got {value!r}.")
    if not _is_number(target_utilization_percent) or not 20 <= target_utilization_percent <= 90:
        raise ValueError(
            "target_utilization_percent must be from 20 to 90 (DynamoDB auto-scaling's range), "
            f"got {target_utilization_percent!r}."
        )
    if not _is_number(alarm_threshold_percent) or not 0 <= alarm_threshold_percent <= 100:
        raise ValueError(
            f"alarm_threshold_percent must be from 0 to 100 (a percentage of requests), got "
            f"{alarm_threshold_percent!r}."
        )
    if write_token_parameter_name is not None:
        _validate_parameter_name(write_token_parameter_name)
    if authorizer is not None and iam_write_authorization:
        raise ValueError(
            "authorizer and iam_write_authorization=True both authorize POST /reviews: a method has one "
            "authorization type, so choose one."
        )
    if web_acl_arn is not None and not (
        isinstance(web_acl_arn, str)
        and (Token.is_unresolved(web_acl_arn) or WEB_ACL_ARN_PATTERN.fullmatch(web_acl_arn))
    ):
        raise ValueError(
            f"web_acl_arn {web_acl_arn!r} is not a regional WAFv2 web ACL ARN "
            "(arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); API Gateway stages take regional "
            "web ACLs only."
        )
    if removal_policy == RemovalPolicy.DESTROY and deletion_protection is True:
        raise ValueError(
            "removal_policy=RemovalPolicy.DESTROY with deletion_protection=True cannot delete the table: "
            "CloudFormation would fail on it. Leave deletion_protection out (DESTROY turns it off) or keep "
            "the table with RemovalPolicy.RETAIN."
        )
    if write_token_parameter_name is not None and (authorizer is not None or iam_write_authorization):
        raise ValueError(
            "write_token_parameter_name cannot be combined with authorizer or iam_write_authorization: all of "
            "them use the Authorization header (Bearer token, JWT or SigV4 signature), so every POST would "
            "fail one of them. Choose one way to authorize writes."
        )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _validate_origins(origins: Sequence[str]) -> None:
    if isinstance(origins, str) or not origins:
        raise ValueError(
            f"cors_allow_origins must be a non-empty list of origins, got {origins!r}: use ['*'] or "
            "['https://shop.example.com', ...]."
        )
    for origin in origins:
        if origin == "*":
            if len(origins) > 1:
                raise ValueError(
                    f"cors_allow_origins {list(origins)!r} mixes '*' with specific origins: use ['*'] alone "
                    "or list the origins."
                )
        elif not isinstance(origin, str) or not ORIGIN_PATTERN.fullmatch(origin):
            raise ValueError(
                f"cors_allow_origins entry {origin!r} is not an origin: use scheme and host with no path, "
                "such as 'https://shop.example.com'."
            )


def _validate_parameter_name(name: str) -> None:
    if not isinstance(name, str) or Token.is_unresolved(name):
        raise ValueError(
            f"write_token_parameter_name must be a literal SSM parameter name such as '/tap/auth/token', got "
            f"{name!r}: the function's permissions name the parameter, so it must be known at synth time."
        )
    first_segment = name.lstrip("/").split("/")[0].lower()
    if (
        not PARAMETER_NAME_PATTERN.fullmatch(name)
        or len(name) > MAX_PARAMETER_NAME_LENGTH
        or first_segment.startswith(("aws", "ssm"))
    ):
        raise ValueError(
            f"write_token_parameter_name {name!r} is not an SSM parameter name: use up to "
            f"{MAX_PARAMETER_NAME_LENGTH} letters, digits, '_', '.', '-', with a leading '/' before each "
            "segment of a path, not starting with 'aws' or 'ssm', such as '/tap/auth/token'."
        )
