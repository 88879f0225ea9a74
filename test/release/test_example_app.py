"""The example app, run the way `cdk synth` runs it: a separate process, as a user would."""

import json
import os
import subprocess
import sys

import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Match, Template
from conftest import REPO_ROOT


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """Synthesize examples/app.py once; deprecated CDK calls print a warning rather than fail."""
    outdir = tmp_path_factory.mktemp("example.out")
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "JSII_DEPRECATED": "warn",
        "REPOSITORY": "tap-reviews",
        "COMMIT_AUTHOR": "ci",
    }
    env.pop("CDK_DEFAULT_REGION", None)
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT / "examples", env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result, cx_api.CloudAssembly(str(outdir))


def test_example_synthesizes_both_stacks_in_their_regions(example):
    _, assembly = example
    stacks = {s.stack_name: s for s in assembly.stacks}
    assert set(stacks) == {"TapStackdev", "TapLambdaStackdev"}
    assert stacks["TapStackdev"].environment.region == "us-east-2"
    assert stacks["TapLambdaStackdev"].environment.region == "us-east-1"


def test_synthesis_prints_no_deprecation_warning(example):
    result, _ = example
    assert "deprecated" not in (result.stdout + result.stderr).lower()


def test_seed_004_stack_is_tagged_and_destroyable(example):
    _, assembly = example
    template = Template.from_json(assembly.get_stack_by_name("TapStackdev").template)
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Delete",
            "Properties": Match.object_like(
                {
                    "TableName": "ProductReviews-dev",
                    "Tags": Match.array_with(
                        [
                            {"Key": "Author", "Value": "ci"},
                            {"Key": "Environment", "Value": "dev"},
                            {"Key": "Repository", "Value": "tap-reviews"},
                        ]
                    ),
                }
            ),
        },
    )
    outputs = template.to_json()["Outputs"]
    assert {"ApiUrl", "TableName", "DashboardName"} <= set(outputs)
    # Seed 004's reservation, set explicitly: the library's default reserves nothing.
    template.has_resource_properties("AWS::Lambda::Function", {"ReservedConcurrentExecutions": 50})


def test_seed_000_stack_has_1000_concurrency_insights_week_long_logs_and_an_ssm_write_token(example):
    _, assembly = example
    stack = assembly.get_stack_by_name("TapLambdaStackdev")
    template = Template.from_json(stack.template)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "ReviewProcessor-tap-dev",
            "ReservedConcurrentExecutions": 1000,
            "MemorySize": 512,
            "Layers": [
                Match.string_like_regexp("arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension-Arm64")
            ],
            "Environment": {"Variables": Match.object_like({"WRITE_TOKEN_PARAMETER": "/tap/dev/auth/token"})},
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 7})
    statements = json.dumps(template.find_resources("AWS::IAM::Policy"))
    assert '"Action": "ssm:GetParameter"' in statements and ":parameter/tap/dev/auth/token" in statements
    warnings = [str(m.entry.data) for m in stack.messages if m.level == cx_api.SynthesisMessageLevel.WARNING]
    assert len(warnings) == 1 and "reserved_concurrency=1000" in warnings[0]


def test_example_cdk_json_keeps_the_cli_offline():
    cdk_json = json.loads((REPO_ROOT / "examples" / "cdk.json").read_text())
    assert cdk_json["notices"] is False
    assert cdk_json["context"]["cli-telemetry"] is False
