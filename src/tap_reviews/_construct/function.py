"""The Lambda function that serves /reviews, with its own log group."""

from __future__ import annotations

from collections.abc import Mapping

import jsii
from aws_cdk import CfnResource, Duration, IStableListProducer, Lazy, RemovalPolicy, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..function_code.reviews_runtime import contract
from .asset import runtime_code
from .findings import acknowledge_nag, skip_checkov

#: The newest Python Lambda runtime in the supported aws-cdk-lib range.
PYTHON_RUNTIME = lambda_.Runtime.PYTHON_3_14
#: Lambda Insights extension added when ``lambda_insights`` is on (arm64 builds exist for it).
LAMBDA_INSIGHTS_VERSION = lambda_.LambdaInsightsVersion.VERSION_1_0_498_0
#: DynamoDB actions the runtime performs, and nothing more. TransactWriteItems is authorized per item:
#: PutItem (review, locator, marker, idempotency record), UpdateItem (review, summary) and DeleteItem
#: (deletions and erasure); GetItem reads reviews, locators, summaries and records; BatchGetItem reads
#: many products' summaries; Query lists.
TABLE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
)
#: The indexes the runtime queries: the listing indexes (local), a reviewer's reviews, the moderation queue,
#: and the range indexes. A Query of any index, local ones too, is authorized against the index's own ARN
#: (``table/<name>/index/<index>``), not the table's.
INDEXES = (
    *(index_name for index_name, *_ in contract.LISTING_INDEXES),
    *contract.GLOBAL_INDEX_NAMES,
)


def build_reviews_function(
    scope: Construct,
    *,
    function_name: str | None,
    table: dynamodb.Table,
    environment: Mapping[str, str],
    memory_size: int,
    timeout: Duration,
    reserved_concurrency: int | None,
    lambda_insights: bool,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    write_token_parameter_name: str | None,
) -> tuple[lambda_.Function, logs.LogGroup]:
    """Create the function, its log group and its role, and let it read and write the table."""
    # A role of our own: CDK's default one carries the AWS managed AWSLambdaBasicExecutionRole (logs:* on
    # every log group); this one may write to its own log group only.
    function, role, log_group = runtime_function(
        scope,
        "Function",
        log_group_id="FunctionLogGroup",
        role_id="FunctionRole",
        function_name=function_name,
        description="Serves the product reviews API (/reviews and /moderation).",
        role_description="Runs the product reviews function: its own log group, the reviews table, X-Ray.",
        logs_hold="no bodies, headers or secrets",
        handler=contract.HANDLER,
        memory_size=memory_size,
        timeout=timeout,
        log_retention=log_retention,
        removal_policy=removal_policy,
        environment={contract.ENV_TABLE_NAME: table.table_name, **environment},
        reserved_concurrent_executions=reserved_concurrency,
        insights_version=LAMBDA_INSIGHTS_VERSION if lambda_insights else None,
    )
    # The table and its indexes, named: Table.grant would allow index/* (every index, now and later).
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(TABLE_ACTIONS),
            resources=[table.table_arn, *(f"{table.table_arn}/index/{index}" for index in INDEXES)],
        )
    )
    if table.encryption_key is not None:
        table.encryption_key.grant_encrypt_decrypt(role)
        acknowledge_nag(
            role,
            "AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
            "AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            reason="The key actions DynamoDB needs to use the table's customer managed key, on that key only.",
        )
    if write_token_parameter_name:
        function.add_environment(contract.ENV_WRITE_TOKEN_PARAMETER, write_token_parameter_name)
        _grant_write_token_read(function, write_token_parameter_name)
    _accept_function_findings(
        function,
        role,
        lambda_insights=lambda_insights,
        write_token=bool(write_token_parameter_name),
        reserved=reserved_concurrency is not None,
    )
    depend_on_policy_only(function, role)
    return function, log_group


def runtime_function(
    scope: Construct,
    function_id: str,
    *,
    log_group_id: str,
    role_id: str,
    function_name: str | None,
    description: str,
    role_description: str,
    logs_hold: str,
    handler: str,
    memory_size: int,
    timeout: Duration,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    environment: Mapping[str, str],
    reserved_concurrent_executions: int | None = None,
    insights_version: lambda_.LambdaInsightsVersion | None = None,
) -> tuple[lambda_.Function, iam.Role, logs.LogGroup]:
    """A function running the runtime package (arm64, X-Ray, JSON logs), with a log group of its own and a
    role that may write to that log group only; ``logs_hold`` says what its logs never contain (checkov's
    CKV_AWS_158 reason)."""
    log_group = logs.LogGroup(
        scope,
        log_group_id,
        log_group_name=f"/aws/lambda/{function_name}" if function_name else None,
        retention=log_retention,
        removal_policy=removal_policy,
    )
    skip_checkov(
        log_group,
        "CKV_AWS_158",
        reason=f"CloudWatch Logs encrypts log data at rest; these logs hold {logs_hold}.",
    )
    role = iam.Role(
        scope, role_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=role_description
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        function_id,
        function_name=function_name,
        description=description,
        runtime=PYTHON_RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler=handler,
        code=runtime_code(),
        role=role,
        memory_size=memory_size,
        timeout=timeout,
        reserved_concurrent_executions=reserved_concurrent_executions,
        tracing=lambda_.Tracing.ACTIVE,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
        insights_version=insights_version,
        environment=dict(environment),
    )
    return function, role, log_group


def depend_on_policy_only(function: lambda_.Function, role: iam.Role) -> None:
    """Drop the function's DependsOn to its role, which its Role GetAtt already orders (cfn-lint W3005).

    Computed at synthesis, so every other dependency (the role's policy, anything a user adds) stays.
    """
    function_resource = function.node.default_child
    role_resource = role.node.default_child
    if not isinstance(function_resource, CfnResource) or not isinstance(role_resource, CfnResource):
        raise TypeError("expected the function and its role to be CloudFormation resources")
    function_resource.add_override("DependsOn", Lazy.list(_DependenciesExcept(function_resource, role_resource)))


@jsii.implements(IStableListProducer)
class _DependenciesExcept:
    """The logical ids ``resource`` depends on, without ``excluded``."""

    def __init__(self, resource: CfnResource, excluded: CfnResource) -> None:
        self._resource = resource
        self._excluded_path = excluded.node.path

    def produce(self) -> list[str]:
        stack = Stack.of(self._resource)
        return sorted(
            stack.get_logical_id(dependency)
            for dependency in self._resource.obtain_dependencies()
            if isinstance(dependency, CfnResource) and dependency.node.path != self._excluded_path
        )


def _accept_function_findings(
    function: lambda_.Function, role: iam.Role, *, lambda_insights: bool, write_token: bool, reserved: bool
) -> None:
    """Acknowledge, with reasons, the scanner findings that are design choices of this function."""
    acknowledge_nag(
        role,
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        reason="X-Ray's PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.",
    )
    if lambda_insights:
        acknowledge_nag(
            role,
            "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "CloudWatchLambdaInsightsExecutionRolePolicy]",
            reason="lambda_insights=True: the Insights extension needs AWS's policy for it, which only writes "
            "to the /aws/lambda-insights log group.",
        )
    if write_token:
        stack = Stack.of(role)
        # cdk-nag names the resource as it renders it: unresolved region and account as pseudo parameters.
        region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
        account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
        acknowledge_nag(
            role,
            f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:{region}:{account}:key/*]",
            reason="The write token's key is the operator's choice (aws/ssm or their own); kms:Decrypt is only "
            "allowed through SSM, for that one parameter (kms:ViaService, kms:EncryptionContext).",
        )
    acknowledge_nag(
        function,
        "Serverless::Serverless-LambdaDLQ",
        reason="API Gateway invokes the function synchronously: the caller gets the error, there is no "
        "event to dead-letter.",
    )
    skip_checkov(
        function,
        "CKV_AWS_116",
        reason="API Gateway invokes the function synchronously: the caller gets the error, there is no event "
        "to dead-letter.",
    )
    if not reserved:
        skip_checkov(
            function,
            "CKV_AWS_115",
            reason="No reserved concurrency by default: reserving N needs an account concurrency quota of N + 100, "
            "which new accounts (often 10) lack, so the deploy would fail. The stage throttle bounds the load; "
            "reserved_concurrency caps it where the quota allows.",
        )
    skip_checkov(
        function,
        "CKV_AWS_117",
        reason="The function reaches only DynamoDB, SSM and X-Ray public endpoints; a VPC would add NAT or "
        "endpoint cost and cold-start time for no isolation gain.",
    )
    skip_checkov(
        function,
        "CKV_AWS_173",
        reason="The environment holds names only (table, origins, suffix, parameter name), no secrets; Lambda "
        "encrypts it at rest with an AWS managed key.",
    )


def _grant_write_token_read(function: lambda_.Function, parameter_name: str) -> None:
    """Let the function read (and decrypt) exactly one SecureString: GetParameter, and KMS only via SSM."""
    stack = Stack.of(function)
    parameter_arn = stack.format_arn(service="ssm", resource="parameter", resource_name=parameter_name.lstrip("/"))
    function.add_to_role_policy(iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[parameter_arn]))
    # SecureStrings are encrypted with aws/ssm or a customer key the operator chose; either way SSM decrypts
    # on the function's behalf, with the parameter's ARN as encryption context.
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["kms:Decrypt"],
            resources=[stack.format_arn(service="kms", resource="key", resource_name="*")],
            conditions={
                "StringEquals": {
                    "kms:ViaService": f"ssm.{stack.region}.{stack.url_suffix}",
                    "kms:EncryptionContext:PARAMETER_ARN": parameter_arn,
                }
            },
        )
    )
