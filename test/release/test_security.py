"""Security gates on the shipped defaults, other prop mixes and the example app: cdk-nag (AwsSolutions and
Serverless packs), cfn-lint and checkov. Each gate also gets a deliberately insecure stack, to prove it can fail."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Validations, cx_api
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from conftest import ENV, REPO_ROOT, VARIANTS, WEB_ACL_ARN

from tap_reviews import ModerationPolicy, ProductReviewsApi

#: Prop mixes checked besides the example app's two stacks. EveryPropCustomized is not one: it turns
#: point-in-time recovery off, which the gates must (and do) report.
GATED_VARIANTS = ("Defaults", "CognitoWrites", "IamWrites")
NAG_PACKS = ("AwsSolutions", "Serverless")


@dataclass
class GateRun:
    """One app synthesized with both cdk-nag packs attached."""

    outdir: Path
    synth_error: Exception | None
    report: dict[str, Any]

    @property
    def templates(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))

    def plugin(self, name: str) -> dict[str, Any]:
        (plugin,) = [p for p in self.report["pluginReports"] if p["pluginName"] == name]
        return plugin


def synth_with_nag(outdir: Path, fill) -> GateRun:
    app = cdk.App(outdir=str(outdir))
    fill(app)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    try:
        app.synth()
        error = None
    except RuntimeError as raised:  # cdk-nag reports violations by failing synthesis
        error = raised
    return GateRun(outdir, error, json.loads((outdir / "validation-report.json").read_text()))


def load_example_app():
    spec = importlib.util.spec_from_file_location("example_app", REPO_ROOT / "examples" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gated(tmp_path_factory) -> GateRun:
    def fill(app: cdk.App) -> None:
        # One app for the gates; each stack in an account of its own, since they share the suffix "dev" and
        # fixed names that would collide in one account are refused.
        for number, name in enumerate(GATED_VARIANTS, start=1):
            VARIANTS[name](cdk.Stack(app, name, env=cdk.Environment(account=str(number) * 12, region=ENV.region)))
        hardened = cdk.Stack(app, "Hardened", env=cdk.Environment(account="9" * 12, region=ENV.region))
        ProductReviewsApi(
            hardened,
            "Reviews",
            write_token_parameter_name="/tap/auth/token",
            encryption_key=kms.Key(hardened, "TableKey", enable_key_rotation=True),
            web_acl_arn=WEB_ACL_ARN,
            lambda_insights=True,
            cors_allow_origins=["https://shop.example.com"],
            moderation=ModerationPolicy.PRE_MODERATION,
            event_bus=events.EventBus(hardened, "ShopEvents"),
        )
        with pytest.MonkeyPatch.context() as env:
            env.setenv("CDK_DEFAULT_ACCOUNT", "8" * 12)
            load_example_app().build_app(app)

    return synth_with_nag(tmp_path_factory.mktemp("gated"), fill)


@pytest.fixture(scope="module")
def insecure(tmp_path_factory) -> GateRun:
    """What a quick hand-written API looks like: open methods, no validation or access logs, managed policies."""

    def fill(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Insecure", env=ENV)
        handler = lambda_.Function(
            stack,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
        )
        apigateway.LambdaRestApi(stack, "Api", handler=handler)
        # An escape-hatch typo only CloudFormation's schema catches (MemorySize below 128 MB).
        handler.node.default_child.add_property_override("MemorySize", 64)
        # Turning a secure default off is one prop, and the gates notice.
        ProductReviewsApi(cdk.Stack(app, "NoBackups", env=ENV), "Reviews", point_in_time_recovery=False)

    return synth_with_nag(tmp_path_factory.mktemp("insecure"), fill)


def test_gates_cover_the_default_props_and_both_example_stacks(gated):
    names = {template.name.removesuffix(".template.json") for template in gated.templates}
    assert names == {*GATED_VARIANTS, "Hardened", "TapStackdev", "TapLambdaStackdev"}


@pytest.mark.parametrize("pack", NAG_PACKS)
def test_cdk_nag_finds_nothing_unacknowledged(gated, pack):
    assert gated.synth_error is None
    plugin = gated.plugin(pack)
    assert plugin["conclusion"] == "success"
    assert plugin["violations"] == []


#: Where the construct acknowledges findings, below Stack/Reviews/: each the resource's own L2 (a role for
#: its policy), never the construct, the API or the stack.
ACKNOWLEDGED_AT = {
    "Api",  # AwsSolutions-APIG2: bodies are validated by the function, with per-field details
    "FunctionRole",
    "Function",
    "Api/Default/reviews/GET",
    "Api/Default/reviews/POST",
    "Api/Default/reviews/{review_id}/GET",
    "Api/Default/summaries/GET",
    "Api/Default/reviews/{review_id}/PATCH",
    "Api/Default/reviews/{review_id}/DELETE",
    "Api/Default/reviews/{review_id}/reports/POST",
    "Api/Default/reviews/{review_id}/votes/POST",
    "Api/Default/reviews/{review_id}/verified-purchase/PUT",
    "Api/Default/moderation/queue/GET",
    "Api/Default/moderation/reviews/{review_id}/GET",
    "Api/Default/moderation/reviews/{review_id}/DELETE",
    "Api/Default/moderation/reviews/{review_id}/decision/POST",
    "Api/Default/moderation/erasures/POST",
    "Api/DeploymentStage.prod",
    "Api/CloudWatchRole",
    "ModerationBacklogSchedule",
    "EventsRole",
    "EventsFunction",
    "EventsDeadLetterQueue",
}
#: Roles given grant_write, grant_moderate or grant_verify_purchase: the grant acknowledges its review-id
#: wildcard on them.
GRANTEES = {"IamWrites/Poster", "IamWrites/Moderator", "IamWrites/OrderSystem"}


def test_every_cdk_nag_acknowledgment_is_on_its_resource_with_a_reason(gated):
    acknowledged = [a for pack in NAG_PACKS for a in gated.plugin(pack)["suppressedViolations"]]
    assert acknowledged, "the defaults have design choices to acknowledge (public reads, X-Ray)"
    for finding in acknowledged:
        (construct,) = finding["violatingConstructs"]
        if finding["acknowledgedAt"] in GRANTEES:
            assert finding["ruleName"].startswith("AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:")
            assert "/reviews/*" in finding["ruleName"]
        else:
            stack, reviews, where = finding["acknowledgedAt"].split("/", 2)
            assert reviews == "Reviews" and where in ACKNOWLEDGED_AT, finding["acknowledgedAt"]
        assert construct["constructPath"].startswith(finding["acknowledgedAt"] + "/")
        assert len(finding["reason"]) > 40, finding["reason"]
        assert finding["acknowledgedId"].endswith(finding["ruleName"])


def test_open_writes_pass_the_gates_only_with_a_synth_warning(gated):
    # The acknowledgment on an open POST is not silent: the same synth warns, on exactly those stacks.
    assembly = cx_api.CloudAssembly(str(gated.outdir))
    warned = {
        stack.stack_name
        for stack in assembly.stacks
        for message in stack.messages
        if message.level == cx_api.SynthesisMessageLevel.WARNING and "POST /reviews is open" in str(message.entry.data)
    }
    assert warned == {"Defaults", "TapStackdev"}


def test_cdk_nag_fails_an_insecure_stack(insecure):
    assert insecure.synth_error is not None
    found = {v["ruleName"] for pack in NAG_PACKS for v in insecure.plugin(pack)["violations"]}
    assert {
        "AwsSolutions-APIG1",  # no access logs
        "AwsSolutions-APIG2",  # no request validation
        "AwsSolutions-APIG4",  # no authorization
        "Serverless-LambdaDLQ",
    } <= found
    assert any(rule.startswith("AwsSolutions-IAM4") for rule in found)  # AWSLambdaBasicExecutionRole
    (no_backups,) = [v for v in insecure.plugin("AwsSolutions")["violations"] if v["ruleName"] == "AwsSolutions-DDB3"]
    assert [c["constructPath"] for c in no_backups["violatingConstructs"]] == ["NoBackups/Reviews/Table/Resource"]


def cfn_lint(templates: list[Path]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "cfn-lint"), *map(str, templates)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_cfn_lint_reports_no_error_or_warning(gated):
    result = cfn_lint(gated.templates)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_cfn_lint_flags_an_insecure_stack(insecure):
    result = cfn_lint(insecure.templates)
    assert result.returncode != 0
    assert "E3034" in result.stdout  # MemorySize 64 is below the minimum
    assert "W3005" in result.stdout  # CDK's default role is listed in DependsOn and GetAtt


def checkov(directory: Path) -> list[dict[str, Any]]:
    """checkov's CloudFormation results for every template in ``directory``, offline."""
    spec = json.loads((REPO_ROOT / "test" / "security" / "tools.json").read_text())["checkov"]
    uv = shutil.which("uv")
    assert uv, "uv runs checkov in its own environment; install it with `pip install uv`"
    result = subprocess.run(
        [
            uv,
            "tool",
            "run",
            "--from",
            spec,
            "checkov",
            "-d",
            str(directory),
            "--framework",
            "cloudformation",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def test_checkov_finds_no_failed_check_and_every_skip_has_a_reason(gated):
    (report,) = checkov(gated.outdir)
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 100
    for check in report["results"]["skipped_checks"]:
        assert len(check["check_result"].get("suppress_comment", "")) > 40, check["check_id"]


def test_checkov_flags_an_insecure_stack(insecure):
    (report,) = checkov(insecure.outdir)
    failed = {c["check_id"] for c in report["results"]["failed_checks"]}
    assert {"CKV_AWS_76", "CKV_AWS_59", "CKV_AWS_116"} <= failed  # access logs, open method, no DLQ
    assert "CKV_AWS_28" in failed  # the table without point-in-time recovery
