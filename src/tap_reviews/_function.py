"""The Lambda function that serves /reviews, with its own log group."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .function_code.reviews_runtime import contract

#: The asset root shipped as the function's code: the runtime package and nothing else.
FUNCTION_CODE_DIR = Path(__file__).parent / "function_code"
#: Files that may appear beside the runtime on a developer's machine but must never be deployed.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]
#: The newest Python Lambda runtime in the supported aws-cdk-lib range.
PYTHON_RUNTIME = lambda_.Runtime.PYTHON_3_14
#: Lambda Insights extension added when ``lambda_insights`` is on (arm64 builds exist for it).
LAMBDA_INSIGHTS_VERSION = lambda_.LambdaInsightsVersion.VERSION_1_0_498_0
#: DynamoDB actions the runtime performs, and nothing more. TransactWriteItems is authorized per item:
#: PutItem (review, idempotency record) and UpdateItem (summary); GetItem reads summaries and records.
TABLE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:Query")


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
    """Create the function and its log group, and let it read and write the table."""
    log_group = logs.LogGroup(
        scope,
        "FunctionLogGroup",
        log_group_name=f"/aws/lambda/{function_name}" if function_name else None,
        retention=log_retention,
        removal_policy=removal_policy,
    )
    function = lambda_.Function(
        scope,
        "Function",
        function_name=function_name,
        description="Serves the product reviews API (POST and GET /reviews).",
        runtime=PYTHON_RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler=contract.HANDLER,
        code=lambda_.Code.from_asset(str(FUNCTION_CODE_DIR), exclude=ASSET_EXCLUDES),
        memory_size=memory_size,
        timeout=timeout,
        reserved_concurrent_executions=reserved_concurrency,
        tracing=lambda_.Tracing.ACTIVE,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
        insights_version=LAMBDA_INSIGHTS_VERSION if lambda_insights else None,
        environment={contract.ENV_TABLE_NAME: table.table_name, **environment},
    )
    table.grant(function, *TABLE_ACTIONS)
    if write_token_parameter_name:
        function.add_environment(contract.ENV_WRITE_TOKEN_PARAMETER, write_token_parameter_name)
        _grant_write_token_read(function, write_token_parameter_name)
    return function, log_group


def _grant_write_token_read(function: lambda_.Function, parameter_name: str) -> None:
    """Let the function read (and decrypt) exactly one SecureString: GetParameter, and KMS only via SSM."""
    stack = Stack.of(function)
    parameter_arn = stack.format_arn(service="ssm", resource="parameter", resource_name=parameter_name.lstrip("/"))
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[parameter_arn])
    )
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
