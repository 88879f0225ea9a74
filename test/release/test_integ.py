"""The integ-runner app in test/integ/ synthesizes, and says what a real-account run will do and check.

The app is built in-process and synthesized once for the module; the tests read its cloud assembly: the
integ manifest integ-runner reads, the test-case stack it deploys and the assertion stack whose custom
resources call the API.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template

# test/ is on sys.path (pytest prepends it, as for conftest's dynamodb_engine), so test/integ/ imports as integ.
from integ import integ_reviews_api
from integ.integ_reviews_api import ASSERTION_STACK_NAME, INTEG_TEST_ID, TEST_STACK_NAME, build_integ_test

#: The UUID part of the id of the stack it appears in: ``Fn::Select`` 2 of the id split at "/".
STACK_UUID = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
HTTP_CALL_TYPE = "Custom::DeployAssert@HttpCall"
POSTED_REVIEW = {
    "product_id": "integ-<stack-uuid>",
    "reviewer_id": "integ-reviewer",
    "rating": 5,
    "comment": "integ",
}


@pytest.fixture(scope="module")
def integ_assembly(tmp_path_factory: pytest.TempPathFactory) -> cx_api.CloudAssembly:
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("integ.out")))
    build_integ_test(app)
    return app.synth()


@pytest.fixture(scope="module")
def test_case_stack(integ_assembly: cx_api.CloudAssembly) -> Template:
    return Template.from_json(integ_assembly.get_stack_by_name(TEST_STACK_NAME).template)


@pytest.fixture(scope="module")
def http_calls(integ_assembly: cx_api.CloudAssembly) -> dict[str, dict[str, Any]]:
    """The assertion stack's HTTP calls by method, each with its logical id under ``LogicalId``."""
    resources = integ_assembly.get_stack_by_name(ASSERTION_STACK_NAME).template["Resources"]
    calls = {}
    for logical_id, resource in resources.items():
        if resource["Type"] == HTTP_CALL_TYPE:
            method = resource["Properties"]["parameters"]["fetchOptions"]["method"]
            assert method not in calls, f"two {method} calls"
            calls[method] = {**resource, "LogicalId": logical_id}
    return calls


def render(value: Any) -> str:
    """A CloudFormation string as text: ``<stack-uuid>`` for STACK_UUID, ``<token>`` for any other intrinsic."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(render(part) for part in parts)
    return "<stack-uuid>" if value == STACK_UUID else "<token>"


def expected_result(call: dict[str, Any]) -> dict[str, Any]:
    """What the call's response must look like: the decoded ``expected`` of an ``object_like`` assertion."""
    expected = json.loads(render(call["Properties"]["expected"]))
    assert set(expected) == {"$ObjectLike"}, "the assertion is not an object_like one"
    return expected["$ObjectLike"]


def test_integ_runner_finds_the_app_by_its_python_file_name() -> None:
    # integ-runner's Python preset discovers files matching ^integ_.*\.py$ and runs them with python3.
    assert re.fullmatch(r"integ_.*\.py", Path(integ_reviews_api.__file__).name)


def test_integ_manifest_names_the_test_case_and_its_stacks(integ_assembly: cx_api.CloudAssembly) -> None:
    manifest = json.loads(Path(integ_assembly.directory, "integ.json").read_text())

    assert manifest["testCases"] == {
        f"{INTEG_TEST_ID}/DefaultTest": {
            "stacks": [TEST_STACK_NAME],
            "assertionStack": ASSERTION_STACK_NAME,
            "assertionStackName": ASSERTION_STACK_NAME,
        }
    }


def test_stacks_are_environment_agnostic(integ_assembly: cx_api.CloudAssembly) -> None:
    # integ-runner picks the region (--parallel-regions); a stack pinned to another one deploys there.
    for stack_name in (TEST_STACK_NAME, ASSERTION_STACK_NAME):
        environment = integ_assembly.get_stack_by_name(stack_name).environment
        assert (environment.account, environment.region) == ("unknown-account", "unknown-region")


def test_synthesizes_with_only_the_open_writes_warning(integ_assembly: cx_api.CloudAssembly) -> None:
    # The assertions POST without credentials, so the test API leaves writes open and synth says so.
    messages = [
        f"{stack.stack_name}: {message.entry.data}"
        for stack in integ_assembly.stacks
        for message in stack.messages
        if message.level != cx_api.SynthesisMessageLevel.INFO
    ]

    assert len(messages) == 1
    assert messages[0].startswith("TapReviewsInteg: POST /reviews is open to anyone on the internet")


def test_assertions_are_one_post_and_one_get(http_calls: dict[str, dict[str, Any]]) -> None:
    assert set(http_calls) == {"POST", "GET"}


def test_post_sends_the_review_as_json(http_calls: dict[str, dict[str, Any]]) -> None:
    parameters = http_calls["POST"]["Properties"]["parameters"]

    assert render(parameters["url"]).endswith("/reviews")
    assert parameters["fetchOptions"]["headers"] == {"Content-Type": "application/json"}
    # The product id is the assertion stack's UUID: new for every stack integ-runner creates.
    assert json.loads(render(parameters["fetchOptions"]["body"])) == POSTED_REVIEW


def test_post_expects_201_with_the_review(http_calls: dict[str, dict[str, Any]]) -> None:
    assert expected_result(http_calls["POST"]) == {"status": 201, "body": {"review": POSTED_REVIEW}}


def test_get_lists_the_posted_product(http_calls: dict[str, dict[str, Any]]) -> None:
    url = render(http_calls["GET"]["Properties"]["parameters"]["url"])

    assert url.endswith(f"/reviews?product_id={POSTED_REVIEW['product_id']}")


def test_get_expects_200_with_exactly_the_posted_review(http_calls: dict[str, dict[str, Any]]) -> None:
    assert expected_result(http_calls["GET"]) == {
        "status": 200,
        "body": {"reviews": [POSTED_REVIEW], "count": 1, "summary": {"review_count": 1}},
    }


def test_get_runs_after_the_post_and_retries_until_it_matches(http_calls: dict[str, dict[str, Any]]) -> None:
    get = http_calls["GET"]

    assert http_calls["POST"]["LogicalId"] in get.get("DependsOn", [])
    # A waiter state machine repeats the GET: the table's queries are eventually consistent.
    assert "stateMachineArn" in get["Properties"]
    assert "stateMachineArn" not in http_calls["POST"]["Properties"], "a retried POST would add reviews"


def test_test_case_stack_holds_one_reviews_api(test_case_stack: Template) -> None:
    test_case_stack.resource_count_is("AWS::DynamoDB::Table", 1)
    test_case_stack.resource_count_is("AWS::Lambda::Function", 1)
    test_case_stack.resource_count_is("AWS::ApiGateway::RestApi", 1)
    test_case_stack.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"BillingMode": "PAY_PER_REQUEST", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False}},
    )


def test_table_and_logs_go_with_the_stack(test_case_stack: Template) -> None:
    for resource_type in ("AWS::DynamoDB::Table", "AWS::Logs::LogGroup"):
        test_case_stack.has_resource(resource_type, {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})


def test_only_the_api_gateway_logging_role_outlives_the_stack(test_case_stack: Template) -> None:
    # The account-wide API Gateway CloudWatch role setting and its role are retained by design: deleting
    # the role would break logging for every API in the account and region.
    retained = {
        resource["Type"]
        for resource in test_case_stack.to_json()["Resources"].values()
        if resource.get("DeletionPolicy") == "Retain"
    }

    assert retained == {"AWS::IAM::Role", "AWS::ApiGateway::Account"}


@pytest.mark.parametrize(
    ("resource_type", "name_property"),
    [
        ("AWS::DynamoDB::Table", "TableName"),
        ("AWS::Lambda::Function", "FunctionName"),
        ("AWS::CloudWatch::Dashboard", "DashboardName"),
        ("AWS::CloudWatch::Alarm", "AlarmName"),
        ("AWS::SSM::Parameter", "Name"),
    ],
)
def test_names_are_generated_so_runs_never_collide(
    test_case_stack: Template, resource_type: str, name_property: str
) -> None:
    resources = test_case_stack.find_resources(resource_type)

    assert resources
    assert all(name_property not in resource.get("Properties", {}) for resource in resources.values())
