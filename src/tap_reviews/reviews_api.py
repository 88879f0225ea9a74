"""ProductReviewsApi: a product-reviews REST API on DynamoDB, Lambda and API Gateway, in one construct.

The constructor validates every prop (``props.py``), then builds one service at a time (``_construct/``),
then exposes the resources as attributes, their metrics as ``metric_*()`` and access as ``grant_*()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from aws_cdk import Annotations, Duration, Names, RemovalPolicy, Stack, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from ._construct.events import build_event_publisher
from ._construct.findings import acknowledge_nag, nag_resource
from ._construct.function import build_reviews_function
from ._construct.monitoring import (
    PERIOD,
    build_alarms,
    build_backlog_schedule,
    build_dashboard,
    throttled_request_metrics,
)
from ._construct.parameters import publish_parameters
from ._construct.rest_api import ModeratorAuthorization, WriteAuthorization, build_rest_api
from ._construct.table import build_reviews_table
from .function_code.reviews_runtime import contract
from .props import (
    DEFAULT_ALARM_THRESHOLDS,
    DEFAULT_CAPACITY,
    DEFAULT_CORS_MAX_AGE,
    DEFAULT_THROTTLE,
    DEFAULT_TIMEOUT,
    UNRESERVED_CONCURRENCY_MINIMUM,
    AlarmThresholds,
    ModerationPolicy,
    is_token_number,
    throttle_limits,
    validate,
)

#: The rate metrics: 100 x errors / requests per period, 0 (not a division by zero) without requests.
RATE_EXPRESSION = "IF(requests > 0, 100 * {errors} / requests, 0)"


class ProductReviewsApi(Construct):
    """A product-reviews REST API: DynamoDB table, Lambda handler, API Gateway, monitoring and SSM.

    The smallest use is one line: ``ProductReviewsApi(self, "Reviews")``. Every prop is optional and
    validated before any resource is created: all problems are reported together in one ``ValueError``,
    one line each, naming the prop, the value and what is allowed. A Token (such as a ``CfnParameter``'s
    value) is accepted wherever CloudFormation resolves it, and refused with a message where the construct
    must read the value at synth time (``cors_allow_origins``, ``write_token_parameter_name``).

    Args:
        scope: The construct to add the API to (usually a Stack).
        construct_id: The id of this construct within ``scope``.
        environment_suffix: Names every resource after an environment: table ``ProductReviews-{suffix}``,
            function ``ReviewProcessor-{suffix}``, API ``ProductReviewsAPI-{suffix}``, dashboard
            ``ProductReviews-Dashboard-{suffix}``, alarms such as ``API-4xx-Errors-{suffix}`` and SSM
            parameters under ``/productreviews/{suffix}/``. 1-32 letters, digits, ``-`` or ``_``.
            Default: "dev".
        physical_names: Give resources the fixed names above. Fixed names are unique per region
            (table, function, alarm, log group, SSM parameters) or per account (dashboard), so two
            instances with the same suffix collide. Set to False to let CloudFormation generate names
            (the API gets a unique one too, keeping its metrics and alarms apart). Default: True.
        throttle: Steady and burst request limits of the API stage, as CDK's own
            ``aws_apigateway.ThrottleSettings`` (``rate_limit`` in requests per second, greater than 0;
            ``burst_limit`` in requests, at least ``rate_limit``); a field left out takes its default.
            Default: ``ThrottleSettings(rate_limit=10, burst_limit=20)``.
        stage_name: Name of the API stage, the last segment of ``url``. Default: "prod".
        api_cloudwatch_role: Create the IAM role API Gateway uses to write execution logs and set it as
            the account's API Gateway CloudWatch role (``AWS::ApiGateway::Account``, one setting per
            account and region, retained when the stack goes). The stage logs errors, which needs that
            setting. Set to False when the account already has the role configured or manages it
            elsewhere; the construct does not depend on the app's ``disableCloudWatchRole`` feature flag.
            Default: True.
        cors_allow_origins: Origins browsers may call the API from: ``["*"]`` for any, or full origins
            such as ``"https://shop.example.com"``. Default: ``["*"]``.
        cors_max_age: How long browsers may cache a preflight answer (``Access-Control-Max-Age``), 0 to
            24 hours in whole seconds. Without it a browser sends a preflight, a billed API request, before
            almost every cross-origin POST. Browsers cap it: Chromium at 2 hours, Firefox at 24 (MDN,
            "Access-Control-Max-Age"). Default: 2 hours.
        reserved_concurrency: Concurrent executions reserved for (and capping) the function, or None
            for no reservation. Lambda keeps 100 of the account's concurrency unreserved, so a reservation
            of N needs the account's concurrency quota in the region to be at least N + 100 (AWS Lambda
            Developer Guide, "Configuring reserved concurrency"); new accounts often start at 10, where any
            reservation fails the deploy. Synth warns with that rule whenever it is set. Default: None.
        memory_size: Function memory in MB, 128-10240. Default: 256.
        timeout: Function timeout, 1-29 seconds. Default: 28 seconds. Seed 004 used 30 s, longer than
            API Gateway's 29 s integration timeout: the client got a 504 while the function kept
            running (and billing); 28 s lets the function fail inside the integration window.
        lambda_insights: Add the Lambda Insights extension for enhanced monitoring (extra cost).
            Default: False.
        log_retention: How long the function's, the stage's access and the stage's execution log groups
            keep logs. Default: one week.
        billing_mode: ``BillingMode.PROVISIONED`` (capacity with auto-scaling between the bounds below)
            or ``BillingMode.PAY_PER_REQUEST`` (on demand, no capacity props allowed).
            Default: PROVISIONED.
        read_capacity: Read capacity auto-scaling bounds for the table and its reviewer index, as CDK's
            ``aws_dynamodb.EnableScalingProps`` (``min_capacity`` at least 1, ``max_capacity`` at least
            ``min_capacity``; provisioned billing only).
            Default: ``EnableScalingProps(min_capacity=5, max_capacity=100)``.
        write_capacity: Write capacity auto-scaling bounds for the table and its reviewer index
            (provisioned billing only). Default: ``EnableScalingProps(min_capacity=5, max_capacity=100)``.
        target_utilization_percent: Utilization auto-scaling keeps capacity at, 20-90
            (provisioned billing only). Default: 70.
        point_in_time_recovery: Keep continuous backups of the table (35 days). Default: True.
        removal_policy: What happens to the table and the log groups when they leave the stack.
            Default: ``RemovalPolicy.RETAIN``: a library must not delete data unless asked to. A
            retained log group keeps its fixed name, so delete it (or use ``physical_names=False``)
            before deploying the same suffix again.
        alarm_thresholds: Which alarms to create and when they fire (see ``AlarmThresholds``). Default:
            the 4xx alarm at 10 % of requests, no other alarm.
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
            becomes the ``reviewer_id``. Not together with ``authorizer``. Use ``grant_write`` to let a
            role post. Default: False.
        web_acl_arn: ARN of a regional WAFv2 web ACL to associate with the API stage. Default: None (no WAF;
            stage throttling still applies).
        deletion_protection: The table's deletion protection: neither a stack operation nor a console
            click deletes a protected table. Default: on, unless ``removal_policy`` is
            ``RemovalPolicy.DESTROY`` (which asks for a deletable table); True with DESTROY is refused.
        encryption_key: A customer managed KMS key to encrypt the table with; the function may use it for
            the table. Default: None (the AWS managed key ``aws/dynamodb``).
        moderation: When reviews are published: ``ModerationPolicy.NONE`` (at once),
            ``PRE_MODERATION`` (new and edited reviews wait for a moderator) or ``POST_MODERATION`` (at once;
            moderators may reject later). Moderators can always list the queue, decide, remove reviews and
            erase a reviewer. Default: ``ModerationPolicy.NONE``.
        report_threshold: Reports by different callers that send a published review back to the moderation
            queue, 1-1000. Default: 3.
        one_review_per_reviewer: A reviewer may write one review per product; a second answers 409 with the
            first one's ``Location``. Needs authenticated writes (``authorizer`` or
            ``iam_write_authorization``). Default: False.
        moderator_authorizer: The authorizer for the ``/moderation`` routes. With a
            ``CognitoUserPoolsAuthorizer``, ``moderator_scopes`` is required (API Gateway then accepts only
            access tokens carrying one of them); a Lambda authorizer decides by its own policy.
            Default: None (IAM: SigV4-signed requests of principals given ``grant_moderate``).
        moderator_scopes: OAuth scopes a moderator's Cognito access token must carry, such as
            ``["reviews/moderate"]`` (RFC 6749, section 3.3). Only with a Cognito ``moderator_authorizer``.
            Default: none.
        event_bus: An EventBridge bus to put one event on per committed change to a review (source
            ``tap-reviews``, detail types ``Review Created``, ``Review Updated``, ``Review Deleted``,
            ``Review Published``, ``Review Rejected``, ``Review Held``, ``Review Erased``), at least once,
            from the table's stream; the README documents the schemas. Default: None (no stream, no events).

    Raises:
        ValueError: One or more props are not valid; the message lists each problem on its own line.

    Writes are open by default and synth says so in a warning: set ``authorizer``,
    ``iam_write_authorization`` or ``write_token_parameter_name`` before going to production. Authors can
    edit and delete their reviews only where API Gateway authenticates them (``authorizer`` or
    ``iam_write_authorization``); elsewhere those routes are not created, and synth says so.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment_suffix: str = "dev",
        physical_names: bool = True,
        throttle: apigateway.ThrottleSettings = DEFAULT_THROTTLE,
        stage_name: str = "prod",
        api_cloudwatch_role: bool = True,
        cors_allow_origins: Sequence[str] = ("*",),
        cors_max_age: Duration | None = None,
        reserved_concurrency: int | None = None,
        memory_size: int = 256,
        timeout: Duration | None = None,
        lambda_insights: bool = False,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_WEEK,
        billing_mode: dynamodb.BillingMode = dynamodb.BillingMode.PROVISIONED,
        read_capacity: dynamodb.EnableScalingProps | None = None,
        write_capacity: dynamodb.EnableScalingProps | None = None,
        target_utilization_percent: float = 70,
        point_in_time_recovery: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        alarm_thresholds: AlarmThresholds = DEFAULT_ALARM_THRESHOLDS,
        alarm_topic: sns.ITopic | None = None,
        write_token_parameter_name: str | None = None,
        authorizer: apigateway.IAuthorizer | None = None,
        iam_write_authorization: bool = False,
        web_acl_arn: str | None = None,
        deletion_protection: bool | None = None,
        encryption_key: kms.IKey | None = None,
        moderation: ModerationPolicy = ModerationPolicy.NONE,
        report_threshold: int = 3,
        one_review_per_reviewer: bool = False,
        moderator_authorizer: apigateway.IAuthorizer | None = None,
        moderator_scopes: Sequence[str] = (),
        event_bus: events.IEventBus | None = None,
    ) -> None:
        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        cors_max_age = DEFAULT_CORS_MAX_AGE if cors_max_age is None else cors_max_age
        validate(
            name_conflicts=_name_conflicts(scope, construct_id, environment_suffix, physical_names),
            environment_suffix=environment_suffix,
            physical_names=physical_names,
            throttle=throttle,
            stage_name=stage_name,
            api_cloudwatch_role=api_cloudwatch_role,
            cors_allow_origins=cors_allow_origins,
            cors_max_age=cors_max_age,
            reserved_concurrency=reserved_concurrency,
            memory_size=memory_size,
            timeout=timeout,
            lambda_insights=lambda_insights,
            log_retention=log_retention,
            billing_mode=billing_mode,
            read_capacity=read_capacity,
            write_capacity=write_capacity,
            target_utilization_percent=target_utilization_percent,
            point_in_time_recovery=point_in_time_recovery,
            removal_policy=removal_policy,
            alarm_thresholds=alarm_thresholds,
            write_token_parameter_name=write_token_parameter_name,
            authorizer=authorizer,
            iam_write_authorization=iam_write_authorization,
            web_acl_arn=web_acl_arn,
            deletion_protection=deletion_protection,
            moderation=moderation,
            report_threshold=report_threshold,
            one_review_per_reviewer=one_review_per_reviewer,
            moderator_authorizer=moderator_authorizer,
            moderator_scopes=moderator_scopes,
            event_bus=event_bus,
        )
        super().__init__(scope, construct_id)
        #: (suffix, stack) when resources get fixed names, so a later instance can tell if its names collide.
        self._fixed_names = (environment_suffix, Stack.of(self)) if physical_names else None
        if reserved_concurrency is not None:
            needed = (
                "the reservation plus 100"
                if is_token_number(reserved_concurrency)
                else f"{reserved_concurrency + UNRESERVED_CONCURRENCY_MINIMUM}"
            )
            Annotations.of(self).add_warning_v2(
                "tap-reviews:reservedConcurrency",
                f"reserved_concurrency={reserved_concurrency} needs the account's Lambda concurrency quota in "
                f"this region to be at least {needed}: Lambda keeps {UNRESERVED_CONCURRENCY_MINIMUM} unreserved "
                "(account concurrency >= reserved + 100). New accounts often start at 10, and the deploy then "
                "fails with 'decreases account's UnreservedConcurrentExecution below its minimum value'. Check "
                "Service Quotas (Lambda, Concurrent executions) or leave reserved_concurrency out.",
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
            stream=event_bus is not None,
        )
        self._function, self._log_group = build_reviews_function(
            self,
            function_name=name("ReviewProcessor-{suffix}"),
            table=self._table,
            environment={
                contract.ENV_ALLOWED_ORIGINS: ",".join(cors_allow_origins),
                contract.ENV_ENVIRONMENT_SUFFIX: environment_suffix,
                contract.ENV_MODERATION: moderation.value,
                contract.ENV_REPORT_THRESHOLD: str(report_threshold),
                contract.ENV_ONE_REVIEW_PER_REVIEWER: "true" if one_review_per_reviewer else "false",
            },
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrency=reserved_concurrency,
            lambda_insights=lambda_insights,
            log_retention=log_retention,
            removal_policy=removal_policy,
            write_token_parameter_name=write_token_parameter_name,
        )
        self._write_authorization = WriteAuthorization(
            authorizer=authorizer, iam=iam_write_authorization, write_token=write_token_parameter_name is not None
        )
        self._moderator_authorization = ModeratorAuthorization(
            authorizer=moderator_authorizer, scopes=tuple(moderator_scopes)
        )
        rate_limit, burst_limit = throttle_limits(throttle)
        built = build_rest_api(
            self,
            # API Gateway metrics are keyed by API name: instances that share a name share alarms.
            rest_api_name=name("ProductReviewsAPI-{suffix}") or Names.unique_resource_name(self, max_length=128),
            cloud_watch_role=api_cloudwatch_role,
            stage_name=stage_name,
            throttle=(rate_limit, burst_limit),
            cors_allow_origins=cors_allow_origins,
            cors_max_age=cors_max_age,
            function=self._function,
            write_authorization=self._write_authorization,
            moderator_authorization=self._moderator_authorization,
            web_acl_arn=web_acl_arn,
            access_log_group_name=name("/aws/apigateway/ProductReviewsAPI-{suffix}/access"),
            log_retention=log_retention,
            removal_policy=removal_policy,
        )
        self._api, self._access_log_group, self._methods = built.api, built.access_log_group, built.methods
        if not self._write_authorization.principal_supplies_reviewer:
            Annotations.of(self).add_info(
                "tap-reviews: authors cannot edit or delete their reviews here: PATCH and DELETE /reviews/{review_id} "
                "need a caller API Gateway authenticates (authorizer or iam_write_authorization), so they are not "
                "created. Moderators can still remove any review."
            )
        build_backlog_schedule(self, self._function)
        self._events_function = (
            build_event_publisher(
                self,
                table=self._table,
                event_bus=event_bus,
                function_name=name("ReviewEvents-{suffix}"),
                log_retention=log_retention,
                removal_policy=removal_policy,
            )
            if event_bus is not None
            else None
        )
        if not (self._write_authorization.principal_supplies_reviewer or self._write_authorization.write_token):
            Annotations.of(self).add_warning_v2(
                "tap-reviews:writesOpen",
                "POST /reviews is open to anyone on the internet: set authorizer, iam_write_authorization=True "
                "or write_token_parameter_name to require authorization for writes (reads stay public).",
            )
        self._alarms = build_alarms(self, self, thresholds=alarm_thresholds, name=name, alarm_topic=alarm_topic)
        self._dashboard = build_dashboard(
            self, self, dashboard_name=name("ProductReviews-Dashboard-{suffix}"), alarms=self._alarms
        )
        self._parameters = publish_parameters(
            self,
            prefix=name("/productreviews/{suffix}/"),
            values={
                "api/throttle-limit": (
                    Token.as_string(rate_limit) if is_token_number(rate_limit) else f"{rate_limit:g}",
                    "API throttle limit (requests per second)",
                ),
                "dynamodb/table-arn": (self._table.table_arn, "DynamoDB table ARN"),
                "lambda/function-arn": (self._function.function_arn, "Lambda function ARN"),
                "api/gateway-id": (self._api.rest_api_id, "API Gateway REST API id"),
            },
        )

    # ------------------------------------------------------------------------------------------ attributes

    @property
    def table(self) -> dynamodb.Table:
        """The reviews table (partition key ``product_id``, sort key ``review_id``), with the five local
        secondary indexes a product's listings read (``ByDateIndex``, ``ByRatingIndex``, ``ByHelpfulIndex``,
        ``ByRatingHelpfulIndex``, ``ByVerifiedIndex``: local indexes exist only if created with the table,
        and they cap each product's reviews at 10 GB, about 1.5 million reviews of 1 KB with their index
        copies), a reviewer index and the moderation queue index."""
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
    def events_function(self) -> lambda_.Function | None:
        """The function that puts review events on ``event_bus`` (None without an ``event_bus``)."""
        return self._events_function

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
        """The alarms this construct created, one per threshold set in ``alarm_thresholds``."""
        return list(self._alarms)

    @property
    def parameters(self) -> dict[str, ssm.StringParameter]:
        """The published SSM parameters, by key: api/throttle-limit, dynamodb/table-arn, and so on.

        Keys are ``api/throttle-limit``, ``dynamodb/table-arn``, ``lambda/function-arn`` and
        ``api/gateway-id``; with ``physical_names`` each is named ``/productreviews/{suffix}/{key}``.
        """
        return dict(self._parameters)

    # --------------------------------------------------------------------------------------------- metrics

    def metric_reviews_created(self, *, period: Duration | None = None, label: str | None = None) -> cloudwatch.Metric:
        """Reviews stored (one per 201, replays not counted): the runtime's ``TapReviews/ReviewsCreated``.

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            A Sum of the embedded metric, keyed by the function's name.
        """
        return self._runtime_metric(contract.METRIC_REVIEWS_CREATED, period or PERIOD, label)

    def metric_validation_failures(
        self, *, period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """POST bodies the function turned away as invalid (``TapReviews/ValidationFailures``).

        API Gateway checks no bodies itself (its validator checks parameters only), so this
        counts every rejected body.

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            A Sum of the embedded metric, keyed by the function's name.
        """
        return self._runtime_metric(contract.METRIC_VALIDATION_FAILURES, period or PERIOD, label)

    def metric_reviews_published(
        self, *, period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """Reviews moderators published (``TapReviews/ReviewsPublished``), summed per period.

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            A Sum of the embedded metric, keyed by the function's name.
        """
        return self._runtime_metric(contract.METRIC_REVIEWS_PUBLISHED, period or PERIOD, label)

    def metric_reviews_rejected(self, *, period: Duration | None = None, label: str | None = None) -> cloudwatch.Metric:
        """Reviews moderators rejected (``TapReviews/ReviewsRejected``), summed per period.

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            A Sum of the embedded metric, keyed by the function's name.
        """
        return self._runtime_metric(contract.METRIC_REVIEWS_REJECTED, period or PERIOD, label)

    def metric_reviews_held(self, *, period: Duration | None = None, label: str | None = None) -> cloudwatch.Metric:
        """Published reviews that reports sent back to the moderation queue (``TapReviews/ReviewsHeld``).

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            A Sum of the embedded metric, keyed by the function's name.
        """
        return self._runtime_metric(contract.METRIC_REVIEWS_HELD, period or PERIOD, label)

    def metric_moderation_backlog(
        self, *, period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """Reviews waiting in the moderation queue (``TapReviews/ModerationBacklog``), measured every 5 minutes
        by a schedule that invokes the function.

        Args:
            period: The period each data point covers. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            The Maximum of the measurements in each period.
        """
        return self._runtime_metric(contract.METRIC_MODERATION_BACKLOG, period or PERIOD, label, statistic="Maximum")

    def metric_oldest_pending_review_age(
        self, *, period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """How long the longest-waiting review has been in the moderation queue, in seconds (0 when none waits;
        ``TapReviews/OldestPendingReviewAge``), measured every 5 minutes.

        Args:
            period: The period each data point covers. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            The Maximum of the measurements in each period.
        """
        return self._runtime_metric(contract.METRIC_OLDEST_PENDING_AGE, period or PERIOD, label, statistic="Maximum")

    def metric_client_error_rate(
        self, *, period: Duration | None = None, label: str = "4xx error rate (%)"
    ) -> cloudwatch.MathExpression:
        """The share of the stage's requests answered 4xx, in percent (0 when there are no requests).

        Args:
            period: The period each data point covers. Default: 5 minutes.
            label: The label on graphs. Default: "4xx error rate (%)".

        Returns:
            ``IF(requests > 0, 100 * errors / requests, 0)`` over API Gateway's ``4XXError`` and ``Count``.
        """
        stage = self._api.deployment_stage
        period = period or PERIOD
        return self._rate("errors", stage.metric_client_error(period=period, statistic="Sum"), period, label)

    def metric_server_error_rate(
        self, *, period: Duration | None = None, label: str = "5xx error rate (%)"
    ) -> cloudwatch.MathExpression:
        """The share of the stage's requests answered 5xx, in percent (0 when there are no requests).

        Args:
            period: The period each data point covers. Default: 5 minutes.
            label: The label on graphs. Default: "5xx error rate (%)".

        Returns:
            ``IF(requests > 0, 100 * server_errors / requests, 0)`` over API Gateway's ``5XXError`` and ``Count``.
        """
        stage = self._api.deployment_stage
        period = period or PERIOD
        return self._rate("server_errors", stage.metric_server_error(period=period, statistic="Sum"), period, label)

    def metric_latency(
        self, *, statistic: str = "p99", period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """The stage's latency in milliseconds, from receiving a request to answering it (API Gateway's
        ``Latency``).

        Args:
            statistic: A CloudWatch statistic, such as "p50", "p99" or "Average". Default: "p99".
            period: The period each data point covers. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            The metric.
        """
        return self._api.deployment_stage.metric_latency(period=period or PERIOD, statistic=statistic, label=label)

    def metric_function_errors(self, *, period: Duration | None = None, label: str | None = None) -> cloudwatch.Metric:
        """Invocations that failed in the function (unhandled errors, timeouts), summed per period.

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            Lambda's ``Errors`` for the function.
        """
        return self._function.metric_errors(period=period or PERIOD, statistic="Sum", label=label)

    def metric_function_throttles(
        self, *, period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """Invocations Lambda throttled (reserved or account concurrency exhausted), summed per period.

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: the metric's name.

        Returns:
            Lambda's ``Throttles`` for the function.
        """
        return self._function.metric_throttles(period=period or PERIOD, statistic="Sum", label=label)

    def metric_table_throttles(
        self, *, period: Duration | None = None, label: str = "DynamoDB throttled events"
    ) -> cloudwatch.MathExpression:
        """Requests DynamoDB throttled, reads and writes, on the table or any of its indexes, per period.

        Args:
            period: The period each data point sums. Default: 5 minutes.
            label: The label on graphs. Default: "DynamoDB throttled events".

        Returns:
            The sum of the table's ``ThrottledRequests`` over the operations the runtime issues (``Query``,
                ``GetItem``, ``BatchGetItem``, ``TransactWriteItems``, ``UpdateItem``) and the table's own
                ``ReadThrottleEvents`` and ``WriteThrottleEvents``: 7 metrics, where one per index would
                exceed the 10 an alarm's metric math may read. DynamoDB counts a request once when the table or
                any index throttled it (a ``BatchGetItem`` only when every key was), so one throttled request
                may count twice in the sum.
        """
        metrics = throttled_request_metrics(self)
        period = period or PERIOD
        using = {f"m{index}": metric.with_(period=period) for index, metric in enumerate(metrics)}
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({name}, 0)" for name in using), using_metrics=using, label=label, period=period
        )

    def _runtime_metric(
        self, metric_name: str, period: Duration, label: str | None, statistic: str = "Sum"
    ) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=contract.METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={contract.METRICS_DIMENSION: self._function.function_name},
            period=period,
            statistic=statistic,
            label=label,
        )

    def _rate(self, name: str, errors: cloudwatch.Metric, period: Duration, label: str) -> cloudwatch.MathExpression:
        requests = self._api.deployment_stage.metric_count(period=period, statistic="Sum")
        return cloudwatch.MathExpression(
            expression=RATE_EXPRESSION.format(errors=name),
            using_metrics={name: errors, "requests": requests},
            label=label,
            period=period,
        )

    # ---------------------------------------------------------------------------------------------- grants

    def grant_write(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (a role, a function, ...) write as itself: ``execute-api:Invoke`` on this stage's
        ``POST /reviews``, ``POST /reviews/*/reports``, ``POST /reviews/*/votes``, and ``PATCH`` and
        ``DELETE /reviews/*`` (its own reviews only: the function checks the author).

        Args:
            grantee: Who may post reviews, with SigV4-signed requests.

        Returns:
            The grant.

        Raises:
            ValueError: Writes are not IAM-authorized (``iam_write_authorization=False``), so a grant would
                change nothing.
        """
        if not self._write_authorization.iam:
            raise ValueError(
                "grant_write needs iam_write_authorization=True: without it the write routes do not check IAM, "
                "so the grant would change nothing."
            )
        return self._grant_invoke(grantee, contract.WRITE_ROUTES + contract.OWNER_ROUTES)

    def grant_moderate(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (an operator's role, a moderation function, ...) call every ``/moderation`` route:
        ``execute-api:Invoke`` on those methods of this stage (the queue, a review in any status, decisions,
        removal, erasure).

        Args:
            grantee: Who may moderate, with SigV4-signed requests.

        Returns:
            The grant.

        Raises:
            ValueError: The moderation routes use ``moderator_authorizer``, not IAM, so a grant would change
                nothing.
        """
        if self._moderator_authorization.authorizer is not None:
            raise ValueError(
                "grant_moderate needs IAM on the moderation routes: with moderator_authorizer they check the "
                "authorizer's tokens, so the grant would change nothing."
            )
        return self._grant_invoke(grantee, contract.MODERATOR_ROUTES)

    def grant_verify_purchase(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (the shop's order system: its role or function) mark reviews as verified purchases:
        ``execute-api:Invoke`` on this stage's ``PUT /reviews/*/verified-purchase``.

        That route is always IAM-authorized, whatever the write authorization: only principals granted here
        (or by a policy of your own) may call it. The mark shows on the review (``verified_purchase``), and
        ``GET /reviews?product_id=...&verified=true`` lists only marked reviews.

        Args:
            grantee: Who may mark reviews, with SigV4-signed requests.

        Returns:
            The grant.
        """
        return self._grant_invoke(grantee, contract.VERIFIER_ROUTES)

    def _grant_invoke(self, grantee: iam.IGrantable, routes: tuple[tuple[str, str], ...]) -> iam.Grant:
        stage = self._api.deployment_stage.stage_name
        arns = [
            self._api.arn_for_execute_api(verb, resource.replace(f"{{{contract.REVIEW_ID_PARAMETER}}}", "*"), stage)
            for verb, resource in routes
            if (verb, resource) in self._methods
        ]
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=["execute-api:Invoke"], resource_arns=arns)
        if isinstance(grantee, Construct):
            acknowledge_nag(
                grantee,
                *(
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{nag_resource(self, arn)}]"
                    for arn in arns
                    if "*" in arn
                ),
                reason="The review's id in the path is chosen at run time, so the grant names each method of this "
                "API's stage with any review id (execute-api:Invoke only); the function checks who may change which "
                "review.",
            )
        return grant


def _name_conflicts(scope: Construct, construct_id: str, suffix: object, physical_names: object) -> list[str]:
    """Problems for every other ProductReviewsApi in the app whose fixed names this one's would repeat.

    Fixed names are unique per account and region (the dashboard's per account), so two instances with
    the same ``environment_suffix`` collide at deploy unless their stacks are in different accounts.
    """
    if physical_names is not True or not isinstance(suffix, str) or Token.is_unresolved(suffix):
        return []
    stack = Stack.of(scope)
    conflicts = []
    for other in scope.node.root.node.find_all():
        fixed = getattr(other, "_fixed_names", None) if isinstance(other, ProductReviewsApi) else None
        if fixed is None or fixed[0] != suffix or not _may_equal(stack.account, fixed[1].account):
            continue
        same_region = _may_equal(stack.region, fixed[1].region)
        names = (
            f"table ProductReviews-{suffix}, function ReviewProcessor-{suffix}, alarms, log groups, SSM parameters "
            f"and dashboard ProductReviews-Dashboard-{suffix}"
            if same_region
            else f"dashboard ProductReviews-Dashboard-{suffix} (dashboard names are per account, in every region)"
        )
        conflicts.append(
            f"environment_suffix={suffix!r} gives {scope.node.path}/{construct_id} the same fixed names as "
            f"{other.node.path} "
            f"({names}): the second deploy would fail. Give one of them another environment_suffix, or "
            "physical_names=False."
        )
    return conflicts


def _may_equal(one: str, other: str) -> bool:
    """Whether two stacks' accounts (or regions) may be the same: equal, or either unknown until deploy."""
    return one == other or Token.is_unresolved(one) or Token.is_unresolved(other)


# help() and IDEs show the constructor's own arguments, not jsii's metaclass's (*args, **kwargs).
_init_signature = inspect.signature(ProductReviewsApi.__init__)
ProductReviewsApi.__signature__ = _init_signature.replace(parameters=list(_init_signature.parameters.values())[1:])
