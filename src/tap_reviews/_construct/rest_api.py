"""The REST API: /reviews and /moderation proxied to the function, throttled, traced, CORS-enabled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from ..function_code.reviews_runtime import contract
from ..function_code.reviews_runtime.errors import RETRY_AFTER_SECONDS, Error
from ..function_code.reviews_runtime.protocol import EXPOSED_HEADERS
from ..function_code.reviews_runtime.schema import (
    decision_schema,
    erasure_schema,
    report_schema,
    review_patch_schema,
    review_schema,
    vote_schema,
)
from .findings import acknowledge_nag, skip_checkov
from .request_model import json_schema

#: Headers a browser may send cross-origin: CDK's defaults (Content-Type, Authorization, ...) and the
#: runtime's Idempotency-Key and conditional request headers.
CORS_ALLOW_HEADERS = [*apigateway.Cors.DEFAULT_HEADERS, "Idempotency-Key", "If-Match", "If-None-Match"]
#: API Gateway's own answers in the function's error shape. Gateway response templates only substitute
#: variables (no VTL, no escaping): messageString arrives quoted, responseType is an enum name, and nothing
#: else is safe to embed.
GATEWAY_TEMPLATE = (
    '{{"error":"{code}","message":$context.error.messageString,"details":["$context.error.responseType"]}}'
)


@dataclass(frozen=True)
class WriteAuthorization:
    """How writes (POST /reviews, reports) are authorized: an API Gateway authorizer, IAM, the function's
    token, or not at all."""

    authorizer: apigateway.IAuthorizer | None
    iam: bool
    write_token: bool

    @property
    def principal_supplies_reviewer(self) -> bool:
        """API Gateway authenticates the caller, who then is the reviewer (the body may omit reviewer_id)."""
        return self.authorizer is not None or self.iam


@dataclass(frozen=True)
class ModeratorAuthorization:
    """How the moderation routes are authorized: IAM (no authorizer), or an authorizer with scopes."""

    authorizer: apigateway.IAuthorizer | None
    scopes: tuple[str, ...]


class Access(Enum):
    """Who may call a method."""

    PUBLIC = "anyone (reads)"
    WRITE = "the API's write authorization"
    OWNER = "the review's author, authenticated by the write authorizer or IAM"
    MODERATOR = "moderators"
    VERIFIER = "IAM principals granted grant_verify_purchase (the shop's order system)"


PUBLIC_READS_REASON = (
    "Reads are public by design: reviews are published content. Writes carry the authorization "
    "(authorizer, iam_write_authorization or write_token_parameter_name)."
)


@dataclass(frozen=True)
class ApiMethods:
    """The API and the methods the construct's grants and tools name."""

    api: apigateway.RestApi
    access_log_group: logs.LogGroup
    #: (HTTP method, resource path) -> method, for every method but preflights.
    methods: dict[tuple[str, str], apigateway.Method]


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
    moderator_authorization: ModeratorAuthorization,
    web_acl_arn: str | None,
    access_log_group_name: str | None,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
) -> ApiMethods:
    """Create the API, its stage (access and error logs, tracing, throttling) and every route's method."""
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
        description="Product reviews API: /reviews and /moderation.",
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
    routes = _Routes(
        api,
        function,
        write_authorization,
        moderator_authorization,
        cors=(list(cors_allow_origins), cors_max_age),
    )
    owners = write_authorization.principal_supplies_reviewer
    # The API root and /moderation serve nothing, so they get no preflight either.
    reviews = routes.resource(api.root, contract.RESOURCE_PATH, ["GET", "POST"])
    review = routes.resource(reviews, "{review_id}", ["GET", *(["PATCH", "DELETE"] if owners else [])])
    reports = routes.resource(review, "reports", ["POST"])
    votes = routes.resource(review, "votes", ["POST"])
    verified_purchase = routes.resource(review, "verified-purchase", ["PUT"])
    moderation = api.root.add_resource("moderation")
    queue = routes.resource(moderation, "queue", ["GET"])
    moderated = routes.resource(moderation.add_resource("reviews"), "{review_id}", ["GET", "DELETE"])
    decision = routes.resource(moderated, "decision", ["POST"])
    erasures = routes.resource(moderation, "erasures", ["POST"])
    summaries = routes.resource(api.root, contract.RESOURCE_SUMMARIES.lstrip("/"), ["GET"])

    routes.add(reviews, "GET", Access.PUBLIC, query=contract.LIST_QUERY_PARAMETERS)
    routes.add(
        reviews,
        "POST",
        Access.WRITE,
        model=(
            "ReviewModel",
            "A review, as POST /reviews accepts it.",
            review_schema(reviewer_from_principal=owners),
        ),
    )
    routes.add(review, "GET", Access.PUBLIC)
    routes.add(summaries, "GET", Access.PUBLIC, query=contract.SUMMARY_QUERY_PARAMETERS)
    if owners:
        routes.add(review, "PATCH", Access.OWNER, model=("ReviewPatchModel", "An edit.", review_patch_schema()))
        routes.add(review, "DELETE", Access.OWNER)
    routes.add(
        reports,
        "POST",
        Access.WRITE,
        model=("ReportModel", "A report of abuse.", report_schema(reporter_from_principal=owners)),
    )
    routes.add(
        votes, "POST", Access.WRITE, model=("VoteModel", "A helpful vote.", vote_schema(voter_from_principal=owners))
    )
    routes.add(verified_purchase, "PUT", Access.VERIFIER)
    routes.add(queue, "GET", Access.MODERATOR, query=contract.QUEUE_QUERY_PARAMETERS)
    routes.add(moderated, "GET", Access.MODERATOR)
    routes.add(moderated, "DELETE", Access.MODERATOR)
    routes.add(decision, "POST", Access.MODERATOR, model=("DecisionModel", "A decision.", decision_schema()))
    routes.add(erasures, "POST", Access.MODERATOR, model=("ErasureModel", "An erasure.", erasure_schema()))

    if web_acl_arn is not None:
        wafv2.CfnWebACLAssociation(
            scope, "WebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=web_acl_arn
        )
    _add_gateway_responses(api, cors_allow_origins)
    _accept_api_findings(api, waf=web_acl_arn is not None)
    return ApiMethods(api=api, access_log_group=access_log_group, methods=routes.methods)


class _Routes:
    """Adds resources (with their CORS preflight) and methods (with their authorization, models and the
    scanner findings their access implies)."""

    def __init__(
        self,
        api: apigateway.RestApi,
        function: lambda_.IFunction,
        write: WriteAuthorization,
        moderators: ModeratorAuthorization,
        *,
        cors: tuple[list[str], Duration],
    ) -> None:
        self.api = api
        self.integration = apigateway.LambdaIntegration(function)
        self.write = write
        self.moderators = moderators
        self.cors = cors
        self.methods: dict[tuple[str, str], apigateway.Method] = {}
        # Parameters are validated at the edge; bodies by the function, with the same JSON Schemas as the
        # models, because only it can say which field failed and why: API Gateway's validationErrorString
        # cannot be put in a gateway response's JSON (it is not escaped) nor in a header (only request values).
        self.validator = api.add_request_validator(
            "RequestValidator", validate_request_body=False, validate_request_parameters=True
        )

    def resource(self, parent: apigateway.IResource, path_part: str, methods: list[str]) -> apigateway.Resource:
        """A child resource whose preflight allows ``methods``. OPTIONS never carries an authorizer, so
        browsers can always ask."""
        resource = parent.add_resource(path_part)
        origins, max_age = self.cors
        resource.add_cors_preflight(
            allow_origins=origins,
            allow_methods=[*methods, "OPTIONS"],
            allow_headers=CORS_ALLOW_HEADERS,
            max_age=max_age,
        )
        return resource

    def add(
        self,
        resource: apigateway.Resource,
        verb: str,
        access: Access,
        *,
        query: tuple[str, ...] = (),
        model: tuple[str, str, dict[str, Any]] | None = None,
    ) -> apigateway.Method:
        parameters = {f"method.request.querystring.{name}": False for name in query}
        if "{review_id}" in resource.path:
            parameters[f"method.request.path.{contract.REVIEW_ID_PARAMETER}"] = True
        models = None
        if model is not None:
            model_id, description, schema = model
            # The runtime's schema, as the API's documented model (SDKs and exports read it); the function
            # enforces it.
            models = {
                "application/json": self.api.add_model(
                    model_id,
                    content_type="application/json",
                    description=f"{description} The function validates bodies with the same schema.",
                    schema=json_schema(schema),
                )
            }
        authorizer, authorization_type, scopes = self._authorization(access)
        method = resource.add_method(
            verb,
            self.integration,
            request_parameters=parameters or None,
            request_models=models,
            request_validator=self.validator,
            authorizer=authorizer,
            authorization_type=authorization_type,
            authorization_scopes=list(scopes) or None,
        )
        self.methods[(verb, resource.path)] = method
        self._accept_findings(method, access)
        return method

    def _authorization(
        self, access: Access
    ) -> tuple[apigateway.IAuthorizer | None, apigateway.AuthorizationType | None, tuple[str, ...]]:
        if access is Access.PUBLIC:
            return None, None, ()
        if access is Access.VERIFIER:
            return None, apigateway.AuthorizationType.IAM, ()
        if access is Access.MODERATOR:
            if self.moderators.authorizer is None:
                return None, apigateway.AuthorizationType.IAM, ()
            return self.moderators.authorizer, None, self.moderators.scopes
        iam = apigateway.AuthorizationType.IAM if self.write.iam else None
        return self.write.authorizer, iam, ()

    def _accept_findings(self, method: apigateway.Method, access: Access) -> None:
        """Acknowledge, with reasons, the findings this method's access is designed to raise."""
        if access is Access.PUBLIC:
            acknowledge_nag(
                method,
                "AwsSolutions::AwsSolutions-APIG4",
                "AwsSolutions::AwsSolutions-COG4",
                reason=PUBLIC_READS_REASON,
            )
            skip_checkov(method, "CKV_AWS_59", reason=PUBLIC_READS_REASON)
            return
        authorizer = self.moderators.authorizer if access is Access.MODERATOR else self.write.authorizer
        iam = self.moderators.authorizer is None if access is Access.MODERATOR else self.write.iam
        if access is Access.VERIFIER:
            authorizer, iam = None, True
        if authorizer is None and not iam:
            reason = (
                "Writes need the bearer write token, which the function checks against the SSM SecureString "
                "(write_token_parameter_name)."
                if self.write.write_token
                else "Writes are open, the default until authorization is configured (authorizer, "
                "iam_write_authorization or write_token_parameter_name); synth warns tap-reviews:writesOpen."
            )
            acknowledge_nag(
                method, "AwsSolutions::AwsSolutions-APIG4", "AwsSolutions::AwsSolutions-COG4", reason=reason
            )
            skip_checkov(method, "CKV_AWS_59", reason=reason)
        elif authorizer is None or authorizer.authorization_type != apigateway.AuthorizationType.COGNITO:
            acknowledge_nag(
                method,
                "AwsSolutions::AwsSolutions-COG4",
                reason=f"Only {access.value} may call this method, authorized by IAM or the caller's own "
                "authorizer; a Cognito user pool is one choice.",
            )


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


def _accept_api_findings(api: apigateway.RestApi, *, waf: bool) -> None:
    """Acknowledge, with reasons, the scanner findings that are design choices of this API."""
    acknowledge_nag(
        api,
        "AwsSolutions::AwsSolutions-APIG2",
        reason="Parameters are validated at the edge; bodies by the function, with the same JSON Schemas as the "
        "API's models, because only the function can tell a client which field failed and why (API Gateway's "
        "validation message cannot be carried by a gateway response).",
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
