"""The Lambda function: runtime, sizing, concurrency, tracing, log group, environment, permissions."""

import pytest
from aws_cdk.assertions import Match

from tap_reviews.function_code.reviews_runtime import contract, listings


def only(template, resource_type):
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, f"expected one {resource_type}, found {len(resources)}"
    logical_id, resource = next(iter(resources.items()))
    return logical_id, resource


def function_log_group_id(template):
    (log_group_id,) = [
        logical_id
        for logical_id, log_group in template.find_resources("AWS::Logs::LogGroup").items()
        if str(log_group["Properties"].get("LogGroupName", "")).startswith("/aws/lambda/")
    ]
    return log_group_id


def test_function_defaults_follow_seed_004_on_the_latest_python_and_arm64(defaults):
    table_id, _ = only(defaults, "AWS::DynamoDB::Table")
    log_group_id = function_log_group_id(defaults)
    defaults.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "ReviewProcessor-dev",
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "Handler": "reviews_runtime.handler.handler",
            "MemorySize": 256,
            "Timeout": 28,
            # No reservation by default: a new account's concurrency (often 10) could not hold one.
            "ReservedConcurrentExecutions": Match.absent(),
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

    from tap_reviews._construct.function import PYTHON_RUNTIME

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


def test_function_may_only_use_the_table_actions_the_runtime_needs_on_the_table_and_its_indexes(defaults):
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
    # TransactWriteItems is authorized per item: PutItem (review, locator, marker, idempotency record),
    # UpdateItem (review, summary), DeleteItem (deletions, erasure). No Scan, no BatchWriteItem.
    granted = sorted(_as_list(statement["Action"]))
    assert granted == [
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ]
    # Every call the runtime makes is granted (DynamoDB Local checks no IAM, so only this catches a missing one).
    per_item = {"transact_write_items": ["PutItem", "UpdateItem", "DeleteItem"]}
    for call in _runtime_dynamodb_calls():
        needed = per_item.get(call) or ["".join(word.title() for word in call.split("_")).replace("Items", "Item")]
        for action in needed:
            assert f"dynamodb:{action}" in granted, (call, action)
    # Each index by name: Table.grant's index/* would cover every index added later. A Query of a local index
    # is authorized against the index's ARN too (aws/aws-cdk#1540: AccessDenied on table/T/index/<local>).
    # The range indexes: per slot of star ranges, one by date and one by helpfulness.
    local = ["ByDateIndex", "ByRatingIndex", "ByHelpfulIndex", "ByRatingHelpfulIndex", "ByVerifiedIndex"]
    ranges = [f"By{order}InRange{slot}Index" for order in ("Date", "Helpful") for slot in range(7)]
    assert statement["Resource"] == [
        {"Fn::GetAtt": [table_id, "Arn"]},
        *(
            {"Fn::Join": ["", [{"Fn::GetAtt": [table_id, "Arn"]}, f"/index/{index}"]]}
            for index in (*local, "ReviewerIdIndex", "ModerationQueueIndex", *ranges)
        ),
    ]
    # Every index a listing reads, in every order and filter, is granted.
    granted_indexes = {resource["Fn::Join"][1][1].removeprefix("/index/") for resource in statement["Resource"][1:]}
    for verified in (False, True):
        for order in contract.SORT_ORDERS:
            for low in range(1, 6):
                for high in range(low, 6):
                    listing = listings.Listing("p", order, low, high, verified)
                    assert listings.stream(listing).index_name in granted_indexes, (order, low, high, verified)


def test_the_throttles_metric_counts_every_operation_the_runtime_issues():
    from tap_reviews._construct.monitoring import RUNTIME_OPERATIONS

    operations = {"".join(word.title() for word in call.split("_")) for call in _runtime_dynamodb_calls()}
    assert set(RUNTIME_OPERATIONS) == operations


def test_function_role_has_no_managed_policies_and_writes_only_to_its_own_log_group(defaults):
    ((role_id, role),) = defaults.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": Match.object_like(
                    {"Statement": [Match.object_like({"Principal": {"Service": "lambda.amazonaws.com"}})]}
                )
            }
        },
    ).items()
    assert "ManagedPolicyArns" not in role["Properties"]
    log_statements = [s for s in _statements(defaults) if any(a.startswith("logs:") for a in _as_list(s["Action"]))]
    assert log_statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [function_log_group_id(defaults), "Arn"]},
        }
    ]
    (function,) = defaults.find_resources("AWS::Lambda::Function").values()
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    # Grants before the function runs; the role itself is ordered by the GetAtt (no cfn-lint W3005).
    (policy_id,) = defaults.find_resources("AWS::IAM::Policy")
    assert function["DependsOn"] == [policy_id]


def test_dependencies_users_add_to_the_function_are_kept(synthesized):
    template = synthesized.template("ExtraDependency")
    (topic_id,) = template.find_resources("AWS::SNS::Topic")
    (topic_policy_id,) = template.find_resources("AWS::SNS::TopicPolicy")
    (policy_id,) = template.find_resources("AWS::IAM::Policy")
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    # Only the role itself is dropped (its GetAtt orders it already).
    assert function["DependsOn"] == sorted([topic_id, topic_policy_id, policy_id])


def test_a_customer_managed_table_key_is_usable_by_the_function_and_nothing_else(customized):
    (key_id,) = customized.find_resources("AWS::KMS::Key")
    key = {"Fn::GetAtt": [key_id, "Arn"]}
    by_role = {}
    for policy in customized.find_resources("AWS::IAM::Policy").values():
        (role,) = policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Resource") == key:
                by_role.setdefault(role["Ref"], []).append(statement["Action"])
    function_role = next(r for r in by_role if r.startswith("ReviewsFunctionRole"))
    events_role = next(r for r in by_role if r.startswith("ReviewsEventsRole"))
    assert by_role == {
        # The API's function reads and writes the table.
        function_role: [["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"]],
        # The events function (event_bus is set here) only reads the table's stream.
        events_role: [["kms:Decrypt", "kms:DescribeKey"]],
    }


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
        if "ssm:GetParameter" in _as_list(statement["Action"]) or "Condition" in statement
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
            "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kms:us-east-2:123456789012:key/*"]]},
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


@pytest.mark.parametrize(("variant", "reserved"), [("ReservedConcurrency", 50), ("SeedZeroConcurrency", 1000)])
def test_any_reservation_synthesizes_with_the_account_concurrency_rule(synthesized, variant, reserved):
    synthesized.template(variant).has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": reserved}
    )
    (concurrency_warning,) = [w for w in synthesized.warnings(variant) if "concurrency" in w]
    assert concurrency_warning.startswith(
        f"reserved_concurrency={reserved} needs the account's Lambda concurrency quota in this region to be at "
        f"least {reserved + 100}: Lambda keeps 100 unreserved (account concurrency >= reserved + 100)."
    )
    assert "decreases account's UnreservedConcurrentExecution below its minimum value" in concurrency_warning


def test_default_props_synthesize_with_only_the_open_writes_warning(synthesized):
    (warning,) = synthesized.warnings("Defaults")
    assert warning.startswith("POST /reviews is open to anyone on the internet: set authorizer")
    for variant in ("CognitoWrites", "IamWrites"):
        assert synthesized.warnings(variant) == [], variant
    # EveryPropCustomized reserves 5 executions, so it carries the concurrency rule and nothing else.
    (warning,) = synthesized.warnings("EveryPropCustomized")
    assert warning.startswith("reserved_concurrency=5 needs")


def _runtime_dynamodb_calls() -> set[str]:
    """The DynamoDB client methods the runtime calls (``dynamodb().<method>(...)``), read from its source."""
    import ast
    from pathlib import Path

    import tap_reviews.function_code.reviews_runtime as runtime

    calls = set()
    for source in Path(runtime.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "dynamodb"
            ):
                calls.add(node.attr)
    assert {"transact_write_items", "query", "get_item", "batch_get_item"} <= calls  # the scan finds them
    return calls
