"""The REST API: one /reviews resource proxied to the function, throttled, traced, CORS-enabled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from ..function_code.reviews_runtime import contract
from ..function_code.reviews_runtime.errors import RETRY_AFTER_SECONDS, Error
from ..function_code.reviews_runtime.protocol import EXPOSED_HEADERS
from ..function_code.reviews_runtime.schema import review_schema
from .findings import acknowledge_nag, skip_checkov
from .request_model import json_schema

#: Methods the API serves on /reviews (OPTIONS is the CORS preflight).
REVIEWS_METHODS = ("GET", "POST")
#: Headers a browser may send cross-origin: CDK's defaults (Content-Type, Authorization, ...) and the
#: runtime's Idempotency-Key.
CORS_ALLOW_HEADERS = [*apigateway.Cors.DEFAULT_HEADERS, "Idempotency-Key"]
#: API Gateway's own answers in the function's error shape. Gateway response templates only substitute
#: variables (no VTL, no escaping): messageString arrives quoted, responseType is an enum name, and nothing
#: else is safe to embed.
GATEWAY_TEMPLATE = (
    '{{"error":"{code}","message":$context.error.messageString,"details":["$context.error.responseType"]}}'
)


@dataclass(frozen=True)
class WriteAuthorization:
    """How POST /reviews is authorized: an API Gateway authorizer, IAM, the function's token, or not at all."""

    authorizer: apigateway.IAuthorizer | None
    iam: bool
    write_token: bool

    @property
    def principal_supplies_reviewer(self) -> bool:
        """API Gateway authenticates the caller, who then is the reviewer (the body may omit reviewer_id)."""
        return self.authorizer is not None or self.iam


PUBLIC_READS_REASON = (
    "Reads are public by design: reviews are published content. Writes carry the authorization "
    "(authorizer, iam_write_authorization or write_token_parameter_name)."
)


def build_rest_api(
    scope: Construct,
    *,
    rest_api_name: str,
    stage_name: str,
    cloud_watch_role: bool,
    throttle: tuple[float, float],
    cors_allow_origins: Sequence[str],
    cors_max_age: Duration,
    function: lambda_.IFunction,
    write_authorization: WriteAuthorization,
    web_acl_arn: str | None,
    access_log_group_name: str | None,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
) -> tuple[apigateway.RestApi, logs.LogGroup]:
    """Create the API, its stage (access and error logs, tracing, throttling) and the /reviews methods."""
    access_log_group = logs.LogGroup(
        scope,
        "AccessLogGroup",
        log_group_name=access_log_group_name,
        retention=log_retention,
        removal_policy=removal_policy,
    )
    skip_checkov(
        access_log_group,
        "CKV_AWS_158",
        reason="CloudWatch Logs encrypts log data at rest; access logs hold no bodies, headers or secrets.",
    )
    # API Gateway's CloudWatch role is one setting per account and region: one AWS::ApiGateway::Account per
    # stack, made by the first API that asks for it; every later one waits for that one.
    account = _account_setting_in(Stack.of(scope)) if cloud_watch_role else None
    api = apigateway.RestApi(
        scope,
        "Api",
        rest_api_name=rest_api_name,
        description="Product reviews API: POST and GET /reviews.",
        cloud_watch_role=cloud_watch_role and account is None,
        deploy_options=apigateway.StageOptions(
            stage_name=stage_name,
            throttling_rate_limit=throttle[0],
            throttling_burst_limit=throttle[1],
            tracing_enabled=True,
            metrics_enabled=True,
            # Errors only, and never request or response bodies (seed 004 logged both).
            logging_level=apigateway.MethodLoggingLevel.ERROR,
            data_trace_enabled=False,
            # One JSON line per request: who, what, status, latency; never bodies.
            access_log_destination=apigateway.LogGroupLogDestination(access_log_group),
            access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                caller=True,
                http_method=True,
                ip=True,
                protocol=True,
                request_time=True,
                resource_path=True,
                response_length=True,
                status=True,
                user=True,
            ),
        ),
    )
    if account is not None:
        api.deployment_stage.node.add_dependency(account)
    _own_execution_log_group(
        scope, api, stage_name=stage_name, log_retention=log_retention, removal_policy=removal_policy
    )
    integration = apigateway.LambdaIntegration(function)
    # Preflight only where there is something to call: the API root serves nothing. OPTIONS never
    # carries the POST authorizer, so browsers can always ask.
    reviews = api.root.add_resource(
        contract.RESOURCE_PATH,
        default_cors_preflight_options=apigateway.CorsOptions(
            allow_origins=list(cors_allow_origins),
            allow_methods=[*REVIEWS_METHODS, "OPTIONS"],
            allow_headers=CORS_ALLOW_HEADERS,
            max_age=cors_max_age,
        ),
    )
    # Parameters are validated at the edge; bodies by the function, with the same JSON Schema as the model
    # below, because only it can say which field failed and why: API Gateway's validationErrorString cannot
    # be put in a gateway response's JSON (it is not escaped) nor in a header (only request values can).
    validator = api.add_request_validator(
        "RequestValidator", validate_request_body=False, validate_request_parameters=True
    )
    get_method = reviews.add_method(
        "GET",
        integration,
        # Declared, none required on its own: exactly one id is, which only the function can check.
        request_parameters={f"method.request.querystring.{name}": False for name in contract.LIST_QUERY_PARAMETERS},
        request_validator=validator,
    )
    # The runtime's schema, as the API's documented model (SDKs and exports read it); the function enforces it.
    review_model = api.add_model(
        "ReviewModel",
        content_type="application/json",
        description="A review, as POST /reviews accepts it (the function validates with the same schema).",
        schema=json_schema(review_schema(reviewer_from_principal=write_authorization.principal_supplies_reviewer)),
    )
    post_method = reviews.add_method(
        "POST",
        integration,
        request_models={"application/json": review_model},
        request_validator=validator,
        authorizer=write_authorization.authorizer,
        authorization_type=apigateway.AuthorizationType.IAM if write_authorization.iam else None,
    )
    if web_acl_arn is not None:
        wafv2.CfnWebACLAssociation(
            scope, "WebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=web_acl_arn
        )
    _add_gateway_responses(api, cors_allow_origins)
    _accept_api_findings(api, get_method, post_method, write_authorization, waf=web_acl_arn is not None)
    return api, access_log_group


def gateway_cors_headers(cors_allow_origins: Sequence[str]) -> dict[str, str]:
    """CORS headers for API Gateway's own answers, so a browser can read their status and body.

    A gateway response has no logic: ``*`` and a single origin are static values; with several origins it
    echoes the request's ``Origin`` (``method.request.header.Origin``), whatever it is, since it cannot choose
    among them. Those answers hold only the error itself.
    """
    origins = list(cors_allow_origins)
    allow = "method.request.header.Origin" if len(origins) > 1 else f"'{origins[0]}'"
    headers = {"Access-Control-Allow-Origin": allow, "Access-Control-Expose-Headers": f"'{EXPOSED_HEADERS}'"}
    if origins != ["*"]:
        headers["Vary"] = "'Origin'"
    return headers


def _add_gateway_responses(api: apigateway.RestApi, cors_allow_origins: Sequence[str]) -> None:
    """Every answer API Gateway gives itself, in the catalogue's error shape, readable by a browser."""
    cors = gateway_cors_headers(cors_allow_origins)
    for error in Error:
        for response_type in error.gateway_responses:
            headers = dict(cors)
            if error is Error.THROTTLED:
                headers["Retry-After"] = f"'{RETRY_AFTER_SECONDS}'"
            api.add_gateway_response(
                response_type.replace("_", " ").title().replace(" ", ""),
                type=apigateway.ResponseType.of(response_type),
                # The default families keep API Gateway's own status (4xx or 5xx); the others are fixed.
                status_code=None if response_type.startswith("DEFAULT") else str(error.status),
                templates={"application/json": GATEWAY_TEMPLATE.format(code=error.code)},
                response_headers=headers,
            )


def _account_setting_in(stack: Stack) -> apigateway.CfnAccount | None:
    """The stack's AWS::ApiGateway::Account (made by an earlier RestApi), or None."""
    return next((c for c in stack.node.find_all() if isinstance(c, apigateway.CfnAccount)), None)


def _own_execution_log_group(
    scope: Construct,
    api: apigateway.RestApi,
    *,
    stage_name: str,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
) -> logs.LogGroup:
    """Create the group API Gateway writes execution logs to, so it has a retention and belongs to the stack.

    Left to itself, API Gateway creates ``API-Gateway-Execution-Logs_{api id}/{stage}`` on first use, with
    no retention and outside the stack. The stage waits for this one, so API Gateway never creates its own.
    """
    log_group = logs.LogGroup(
        scope,
        "ExecutionLogGroup",
        # The literal stage name: the stage's own (a Ref to it) would make the stage depend on itself.
        log_group_name=f"API-Gateway-Execution-Logs_{api.rest_api_id}/{stage_name}",
        retention=log_retention,
        removal_policy=removal_policy,
    )
    skip_checkov(
        log_group,
        "CKV_AWS_158",
        reason="CloudWatch Logs encrypts log data at rest; execution logs are errors only, without bodies.",
    )
    api.deployment_stage.node.add_dependency(log_group)
    return log_group


def _accept_api_findings(
    api: apigateway.RestApi,
    get_method: apigateway.Method,
    post_method: apigateway.Method,
    write_authorization: WriteAuthorization,
    *,
    waf: bool,
) -> None:
    """Acknowledge, with reasons, the scanner findings that are design choices of this API."""
    acknowledge_nag(
        api,
        "AwsSolutions::AwsSolutions-APIG2",
        reason="Query parameters are validated at the edge; bodies by the function, with the same JSON Schema as "
        "the API's model, because only the function can tell a client which field failed and why (API Gateway's "
        "validation message cannot be carried by a gateway response).",
    )
    acknowledge_nag(
        get_method, "AwsSolutions::AwsSolutions-APIG4", "AwsSolutions::AwsSolutions-COG4", reason=PUBLIC_READS_REASON
    )
    skip_checkov(get_method, "CKV_AWS_59", reason=PUBLIC_READS_REASON)
    authorizer = write_authorization.authorizer
    if authorizer is None and not write_authorization.iam:
        reason = (
            "POST needs the bearer write token, which the function checks against the SSM SecureString "
            "(write_token_parameter_name)."
            if write_authorization.write_token
            else "Writes are open, the default until authorization is configured (authorizer, "
            "iam_write_authorization or write_token_parameter_name); synth warns tap-reviews:writesOpen."
        )
        acknowledge_nag(
            post_method, "AwsSolutions::AwsSolutions-APIG4", "AwsSolutions::AwsSolutions-COG4", reason=reason
        )
        skip_checkov(post_method, "CKV_AWS_59", reason=reason)
    elif authorizer is None or authorizer.authorization_type != apigateway.AuthorizationType.COGNITO:
        acknowledge_nag(
            post_method,
            "AwsSolutions::AwsSolutions-COG4",
            reason="POST is authorized by IAM or the caller's own authorizer; a Cognito user pool is one choice.",
        )
    stage = api.deployment_stage
    if not waf:
        acknowledge_nag(
            stage,
            "AwsSolutions::AwsSolutions-APIG3",
            reason="WAF is opt-in (web_acl_arn): a web ACL costs from $5 a month plus rules and requests; "
            "stage throttling bounds abuse without it.",
        )
    skip_checkov(
        stage,
        "CKV_AWS_120",
        reason="No cache: a cached listing would hide new reviews and summaries, and a cache cluster costs "
        "from ~$14 a month.",
    )
    cloud_watch_role = api.node.try_find_child("CloudWatchRole")
    if cloud_watch_role is not None:
        acknowledge_nag(
            cloud_watch_role,
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            reason="API Gateway's logging role is one per account and region and serves every API there, so it "
            "carries AWS's policy for that role; set api_cloudwatch_role=False when the account has one.",
        )
