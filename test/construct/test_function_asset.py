"""The Lambda asset in the cloud assembly: exactly the runtime package, runnable without aws_cdk."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

EXPECTED_FILES = {
    f"reviews_runtime/{module}.py"
    for module in (
        "__init__",
        "auth",
        "changes",
        "clients",
        "contract",
        "deadline",
        "dynamo",
        "errors",
        "etag",
        "handler",
        "idempotency",
        "ids",
        "lifecycle",
        "listings",
        "moderation",
        "paging",
        "policy",
        "protocol",
        "publisher",
        "reviews",
        "schema",
        "store",
        "summaries",
        "telemetry",
        "validation",
        "views",
        "votes",
    )
}


@pytest.fixture(scope="module")
def asset_dir(synthesized) -> Path:
    template = synthesized.template("Defaults").to_json()
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    asset_hash = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    manifest = json.loads((synthesized.directory("Defaults") / "Defaults.assets.json").read_text())
    source = manifest["files"][asset_hash]["source"]
    assert source["packaging"] == "zip"
    return synthesized.directory("Defaults") / source["path"]


def test_asset_holds_exactly_the_runtime_package(asset_dir):
    files = {p.relative_to(asset_dir).as_posix() for p in asset_dir.rglob("*") if p.is_file()}
    assert files == EXPECTED_FILES


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_runtime_imports_only_the_standard_library_and_boto3(asset_dir):
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore"}
    for path in asset_dir.rglob("*.py"):
        assert imported_modules(path) <= allowed, path


# A realistic API Gateway REST proxy event (format 1.0): null body and query, multi-value headers.
def event(method, path="/reviews", body=None, query=None):
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", "Origin": "https://shop.example.com"},
        "multiValueHeaders": {
            "Content-Type": ["application/json"],
            "Origin": ["https://shop.example.com"],
        },
        "queryStringParameters": query,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"requestId": "req-1", "stage": "prod", "httpMethod": method, "resourcePath": path},
        "body": body,
        "isBase64Encoded": False,
    }


ANSWERS_WITHOUT_STORAGE = [
    (event("POST", body=None), 400, "empty_body"),
    (event("POST", body="{not json"), 400, "malformed_json"),
    (event("POST", body="[1, 2]"), 400, "validation_failed"),
    (
        event("POST", body=json.dumps({"product_id": "p1", "reviewer_id": "r1", "rating": "abc"})),
        400,
        "validation_failed",
    ),
    (event("GET", query=None), 400, "invalid_query"),
    (event("GET", query={"product_id": "p1\n"}), 400, "invalid_query"),
    (event("GET", query={"product_id": "p1", "limit": "\u00b2"}), 400, "invalid_query"),
    (
        event("POST", body=json.dumps({"product_id": "p1\n", "reviewer_id": "r1", "rating": 3})),
        400,
        "validation_failed",
    ),
    (event("DELETE"), 405, "method_not_allowed"),
    (event("GET", path="/nowhere"), 404, "not_found"),
]

RUN_FROM_ASSET = """
import importlib.abc, json, os, sys
class Forbid(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"aws_cdk", "constructs", "tap_reviews", "jsii"}:
            raise ImportError(f"the runtime imported {name}")
sys.meta_path.insert(0, Forbid())
sys.path.insert(0, sys.argv[1])
os.environ.update({"TABLE_NAME": "ProductReviews-test", "ALLOWED_ORIGINS": "*"})
module_name, _, function_name = "reviews_runtime.handler.handler".rpartition(".")
handler = getattr(__import__(module_name, fromlist=[function_name]), function_name)
events = json.load(sys.stdin)
responses = [handler(e, None) for e in events]
print(json.dumps(responses))  # after the handler's own log lines
"""


def test_handler_from_the_asset_answers_bad_requests_without_the_cdk_installed(asset_dir):
    events = [e for e, _, _ in ANSWERS_WITHOUT_STORAGE]
    result = subprocess.run(
        [sys.executable, "-I", "-c", RUN_FROM_ASSET, str(asset_dir)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        check=True,
    )
    *log_lines, last_line = result.stdout.splitlines()
    responses = json.loads(last_line)
    assert [json.loads(line)["status"] for line in log_lines] == [status for _, status, _ in ANSWERS_WITHOUT_STORAGE]
    for response, (_, status, code) in zip(responses, ANSWERS_WITHOUT_STORAGE, strict=True):
        assert response["statusCode"] == status
        assert response["headers"]["Content-Type"] == "application/json"
        assert response["headers"]["Access-Control-Allow-Origin"] == "*"
        assert json.loads(response["body"])["error"] == code


SERVE_WITHOUT_BOTO3 = """
import importlib.abc, json, sys
class Forbid(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "boto3":
            raise ImportError(f"the runtime imported {name}")
sys.meta_path.insert(0, Forbid())
sys.path.insert(0, sys.argv[1])
from reviews_runtime.handler import handler
responses, review_id = [], None
for e in json.load(sys.stdin):  # REVIEW_ID in later events: the id the first answer created
    responses.append(handler(json.loads(json.dumps(e).replace("REVIEW_ID", str(review_id))), None))
    review_id = review_id or json.loads(responses[0]["body"])["review"]["review_id"]
print(json.dumps(responses))
"""


def on_the_review(method, path, body=None):
    """An event for a route under ``/reviews/{review_id}``, naming the review the first event creates."""
    routed = event(method, path=path, body=body)
    routed["pathParameters"] = {"review_id": "REVIEW_ID"}
    routed["path"] = path.replace("{review_id}", "REVIEW_ID")
    return routed


def test_the_asset_serves_without_importing_the_boto3_package(asset_dir, reviews_table):
    """Creating, listing, reading, reporting and voting import botocore only (``clients``, ``dynamo``): boto3's
    package import (s3transfer, the resource layer) is ~35 ms that neither Lambda's init nor a request pays."""
    body = json.dumps({"product_id": "p-cold", "reviewer_id": "r1", "rating": 5, "comment": "Works."})
    events = [
        event("POST", body=body),
        event("GET", query={"product_id": "p-cold"}),
        on_the_review("POST", "/reviews/{review_id}/reports", json.dumps({"reporter_id": "r2", "reason": "spam"})),
        on_the_review("POST", "/reviews/{review_id}/votes", json.dumps({"voter_id": "r3", "helpful": True})),
        on_the_review("GET", "/reviews/{review_id}"),
    ]
    result = subprocess.run(
        [sys.executable, "-I", "-c", SERVE_WITHOUT_BOTO3, str(asset_dir)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    created, listed, reported, voted, read = json.loads(result.stdout.splitlines()[-1])
    assert [answer["statusCode"] for answer in (created, listed, reported, voted, read)] == [201, 200, 204, 204, 200]
    page = json.loads(listed["body"])
    assert [review["review_id"] for review in page["reviews"]] == [json.loads(created["body"])["review"]["review_id"]]
    assert page["summary"]["review_count"] == 1
    assert json.loads(read["body"])["review"]["helpful_votes"] == 1


def test_the_construct_and_the_cost_tool_import_without_boto3():
    """A CDK app's environment has aws-cdk-lib, not boto3: what the construct and `tap-reviews cost` read of
    the runtime (names, schemas, the error catalogue) must need nothing else."""
    code = (
        "import sys\n"
        "sys.modules['boto3'] = sys.modules['botocore'] = None\n"
        "import tap_reviews.reviews_api, tap_reviews.openapi, tap_reviews.cost, tap_reviews.cli.cost\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _without_docstrings(tree: ast.AST) -> tuple[str, list[tuple[str, int, int]]]:
    """The code's structure with docstrings emptied, and where every node but a docstring starts."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                first.value.value = ""
                docstrings.update({id(first), id(first.value)})
    places = [
        (type(node).__name__, node.lineno, node.col_offset)
        for node in ast.walk(tree)
        if hasattr(node, "lineno") and id(node) not in docstrings
    ]
    return ast.dump(tree), places


def test_the_asset_is_the_source_with_docstrings_and_comments_blanked_on_the_same_lines(asset_dir):
    import io
    import tokenize

    from tap_reviews._construct.asset import FUNCTION_CODE_DIR

    shipped_bytes = source_bytes = 0
    for deployed in asset_dir.rglob("*.py"):
        source = (FUNCTION_CODE_DIR / deployed.relative_to(asset_dir)).read_text()
        text = deployed.read_text()
        shipped_bytes, source_bytes = shipped_bytes + len(text), source_bytes + len(source)
        # The same code at the same line and column: a traceback points where the source says.
        assert _without_docstrings(ast.parse(text)) == _without_docstrings(ast.parse(source)), deployed
        assert text.count("\n") == source.count("\n")
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        assert not [token for token in tokens if token.type == tokenize.COMMENT], deployed
    assert shipped_bytes < source_bytes * 0.75  # docstrings and comments are a good share of the source


def test_a_traceback_from_the_asset_names_the_sources_line(asset_dir):
    import subprocess
    import sys

    from tap_reviews._construct.asset import FUNCTION_CODE_DIR

    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from reviews_runtime import etag; etag.if_match({}, 'x', required=True)"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(asset_dir)], capture_output=True, text=True)
    line = int(result.stderr.split('etag.py", line ')[1].split(",")[0])
    source = (FUNCTION_CODE_DIR / "reviews_runtime" / "etag.py").read_text().splitlines()
    assert "raise ApiError(" in source[line - 1]
