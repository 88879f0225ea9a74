"""What users meet: the built wheel, installed into a fresh virtual environment outside the repo.

A user's app there instantiates ProductReviewsApi with its own props and synthesizes; the Lambda
asset in its cloud assembly must hold the runtime code, so a packaging slip fails here.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

USER_APP = """
import aws_cdk as cdk
import tap_reviews
from tap_reviews import CapacityBounds, ProductReviewsApi, ThrottleSettings

print("tap_reviews from", tap_reviews.__file__)
app = cdk.App()
stack = cdk.Stack(app, "ShopReviews", env=cdk.Environment(region="eu-west-1"))
ProductReviewsApi(
    stack,
    "Reviews",
    environment_suffix="shop",
    throttle=ThrottleSettings(rate_limit=25, burst_limit=50),
    read_capacity=CapacityBounds(min_capacity=2, max_capacity=40),
)
app.synth()
"""


@pytest.fixture(scope="module")
def user_app(tmp_path_factory):
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the wheel (pip install uv)"
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([uv, "build", "--wheel", "-o", str(work / "dist"), str(REPO_ROOT)], check=True, capture_output=True)
    (wheel,) = (work / "dist").glob("tap_reviews-*.whl")
    venv = work / "venv"
    subprocess.run([uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "--python", str(python), str(wheel)], check=True, capture_output=True)
    app_dir = work / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(USER_APP)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update({"CDK_OUTDIR": str(app_dir / "cdk.out"), "JSII_DEPRECATED": "fail"})
    result = subprocess.run(
        [str(python), "-I", "app.py"], cwd=app_dir, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, app_dir / "cdk.out"


def test_the_installed_wheel_is_what_the_app_imports(user_app):
    stdout, _ = user_app
    location = Path(stdout.split("tap_reviews from", 1)[1].strip())
    assert "site-packages" in location.parts
    assert REPO_ROOT not in location.parents


def test_users_props_reach_the_template(user_app):
    _, outdir = user_app
    template = json.loads((outdir / "ShopReviews.template.json").read_text())
    by_type = {}
    for resource in template["Resources"].values():
        by_type.setdefault(resource["Type"], []).append(resource["Properties"])
    assert by_type["AWS::DynamoDB::Table"][0]["TableName"] == "ProductReviews-shop"
    assert by_type["AWS::ApiGateway::Stage"][0]["MethodSettings"][0]["ThrottlingRateLimit"] == 25
    targets = by_type["AWS::ApplicationAutoScaling::ScalableTarget"]
    assert {t["MinCapacity"] for t in targets if "Read" in t["ScalableDimension"]} == {2}
    assert {t["MinCapacity"] for t in targets if "Write" in t["ScalableDimension"]} == {5}


def test_the_lambda_asset_from_the_wheel_holds_the_runtime(user_app):
    _, outdir = user_app
    manifest = json.loads((outdir / "ShopReviews.assets.json").read_text())
    (asset,) = [f["source"]["path"] for f in manifest["files"].values() if f["source"].get("packaging") == "zip"]
    files = {p.relative_to(outdir / asset).as_posix() for p in (outdir / asset).rglob("*") if p.is_file()}
    runtime_sources = REPO_ROOT / "src" / "tap_reviews" / "function_code" / "reviews_runtime"
    assert "reviews_runtime/handler.py" in files
    assert files == {f"reviews_runtime/{source.name}" for source in runtime_sources.glob("*.py")}


def test_the_wheel_installs_the_cli_and_ships_the_openapi_document(user_app):
    _, outdir = user_app
    venv = outdir.parent.parent / "venv"
    (openapi,) = venv.glob("lib/python*/site-packages/tap_reviews/openapi.json")
    assert json.loads(openapi.read_text())["paths"]["/reviews"]["post"]["operationId"] == "createReview"
    result = subprocess.run(
        [str(venv / "bin" / "tap-reviews"), "local", "--assembly", str(outdir), "--stack", "Nope"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "tap-reviews: no stack 'Nope' in the assembly; it has: ShopReviews."
