"""The Lambda function: runtime, sizing, concurrency, tracing, log group, environment, permissions."""

from aws_cdk.assertions import Match


def only(template, resource_type):
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, f"expected one {resource_type}, found {len(resources)}"
    logical_id, resource = next(iter(resources.items()))
    return logical_id, resource


def test_function_defaults_follow_seed_004_on_the_latest_python_and_arm64(defaults):
    table_id, _ = only(defaults, "AWS::DynamoDB::Table")
    log_group_id, _ = only(defaults, "AWS::Logs::LogGroup")
    defaults.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "ReviewProcessor-dev",
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "Handler": "reviews_runtime.handler.handler",
            "MemorySize": 256,
            "Timeout": 28,
            "ReservedConcurrentExecutions": 50,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": log_group_id}},
            "Environment": {
                "Variables": {
                    "TABLE_NAME": {"Ref": table_id},
                    "ALLOWED_ORIGINS": "*",
                    "ENVIRONMENT_SUFFIX": "dev",
                }
            },
            "Layers": Match.absent(),
        },
    )


def test_function_runs_on_the_newest_python_runtime_aws_cdk_lib_knows():
    from aws_cdk import aws_lambda as lambda_

    from tap_reviews._function import PYTHON_RUNTIME

    versions = [
        tuple(int(part) for part in name.split("_")[1:])
        for name in dir(lambda_.Runtime)
        if name.startswith("PYTHON_3_")
    ]
    newest = "python" + ".".join(str(part) for part in max(versions))
    assert PYTHON_RUNTIME.name == newest


def test_function_has_a_dedicated_log_group_kept_one_week(defaults):
    defaults.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"LogGroupName": "/aws/lambda/ReviewProcessor-dev", "RetentionInDays": 7},
            "DeletionPolicy": "Retain",
        },
    )


def test_function_may_only_use_the_table_actions_the_runtime_needs_on_the_table_and_its_index(defaults):
    table_id, _ = only(defaults, "AWS::DynamoDB::Table")
    policies = defaults.find_resources("AWS::IAM::Policy")
    dynamodb_statements = [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(str(a).startswith("dynamodb:") for a in _as_list(statement["Action"]))
    ]
    assert len(dynamodb_statements) == 1
    statement = dynamodb_statements[0]
    # TransactWriteItems is authorized per item: PutItem (review, idempotency record), UpdateItem (summary).
    assert sorted(_as_list(statement["Action"])) == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ]
    resources = statement["Resource"]
    assert {"Fn::GetAtt": [table_id, "Arn"]} in resources
    index_arn = {"Fn::Join": ["", [{"Fn::GetAtt": [table_id, "Arn"]}, "/index/*"]]}
    assert index_arn in resources
    assert len(resources) == 2


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _statements(template):
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_without_a_write_token_the_function_gets_no_ssm_or_kms_access(defaults):
    actions = {action for statement in _statements(defaults) for action in _as_list(statement["Action"])}
    assert not [action for action in actions if action.startswith(("ssm:", "kms:"))]
    defaults.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"WRITE_TOKEN_PARAMETER": Match.absent()})}},
    )


PARAMETER_ARN = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ssm:us-east-2:123456789012:parameter/tap/auth/token"]]
}


def test_write_token_parameter_is_readable_with_get_parameter_only_and_decryptable_only_through_ssm(customized):
    customized.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"WRITE_TOKEN_PARAMETER": "/tap/auth/token"})}},
    )
    ssm_and_kms = [
        statement
        for statement in _statements(customized)
        if any(action.startswith(("ssm:", "kms:")) for action in _as_list(statement["Action"]))
    ]
    assert ssm_and_kms == [
        {"Action": "ssm:GetParameter", "Effect": "Allow", "Resource": PARAMETER_ARN},
        {
            "Action": "kms:Decrypt",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": {"Fn::Join": ["", ["ssm.us-east-2.", {"Ref": "AWS::URLSuffix"}]]},
                    "kms:EncryptionContext:PARAMETER_ARN": PARAMETER_ARN,
                }
            },
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kms:us-east-2:123456789012:key/*"]]
            },
        },
    ]


def test_custom_sizing_concurrency_insights_and_retention(customized):
    customized.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "ReviewProcessor-qa",
            "MemorySize": 512,
            "Timeout": 10,
            "ReservedConcurrentExecutions": 5,
            "Layers": [Match.string_like_regexp("LambdaInsightsExtension-Arm64")],
            "Environment": {
                "Variables": Match.object_like(
                    {"ALLOWED_ORIGINS": "https://shop.example.com,https://admin.example.com"}
                )
            },
        },
    )
    customized.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"LogGroupName": "/aws/lambda/ReviewProcessor-qa", "RetentionInDays": 30},
            "DeletionPolicy": "Delete",
        },
    )


def test_no_reserved_concurrency_leaves_the_property_out(synthesized):
    synthesized.template("NoReservedConcurrency").has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": Match.absent()}
    )


def test_seed_000_concurrency_of_1000_synthesizes_with_a_quota_warning(synthesized):
    synthesized.template("SeedZeroConcurrency").has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": 1000}
    )
    warnings = synthesized.warnings("SeedZeroConcurrency")
    assert len(warnings) == 1
    assert "reserved_concurrency=1000" in warnings[0]
    assert "keeps 100 unreserved" in warnings[0]


def test_default_props_synthesize_without_any_warning(synthesized):
    assert synthesized.warnings("Defaults") == []
    assert synthesized.warnings("EveryPropCustomized") == []
