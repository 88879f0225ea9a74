"""What users meet: the wheel the projen `package` task builds, installed into a fresh virtual environment
outside the repo, with the lowest aws-cdk-lib and constructs the dependency ranges allow.

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
from aws_cdk import aws_apigateway as apigateway, aws_dynamodb as dynamodb
import tap_reviews
from tap_reviews import AlarmThresholds, ProductReviewsApi

print("tap_reviews from", tap_reviews.__file__)
app = cdk.App()
stack = cdk.Stack(app, "ShopReviews", env=cdk.Environment(region="eu-west-1"))
ProductReviewsApi(
    stack,
    "Reviews",
    environment_suffix="shop",
    throttle=apigateway.ThrottleSettings(rate_limit=25, burst_limit=50),
    read_capacity=dynamodb.EnableScalingProps(min_capacity=2, max_capacity=40),
    alarm_thresholds=AlarmThresholds(server_error_rate_percent=1),
)
app.synth()
"""


def built_distributions(work: Path) -> dict[str, list[Path]]:
    """Run the projen `package` task (the release workflow runs the same command) into ``work/dist``."""
    dist = work / "dist"
    subprocess.run(
        ["npx", "--yes", "projen", "package", "--out-dir", str(dist)], cwd=REPO_ROOT, check=True, capture_output=True
    )
    return {"wheel": sorted(dist.glob("tap_reviews-*.whl")), "sdist": sorted(dist.glob("tap_reviews-*.tar.gz"))}


@pytest.fixture(scope="module")
def distributions(tmp_path_factory) -> dict[str, list[Path]]:
    return built_distributions(tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="module")
def user_app(tmp_path_factory, distributions):
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the wheel (pip install uv)"
    work = tmp_path_factory.mktemp("wheel")
    (wheel,) = distributions["wheel"]
    venv = work / "venv"
    subprocess.run([uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    # The floor of each dependency range, named explicitly (a resolution strategy would only apply to the
    # wheel itself, not to its dependencies): the oldest versions we claim to support.
    floors = [f"{package}=={declared_floor(package)}" for package in ("aws-cdk-lib", "constructs")]
    subprocess.run(
        [uv, "pip", "install", "--python", str(python), str(wheel), *floors], check=True, capture_output=True
    )
    app_dir = work / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(USER_APP)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update({"CDK_OUTDIR": str(app_dir / "cdk.out"), "JSII_DEPRECATED": "fail"})
    result = subprocess.run([str(python), "-I", "app.py"], cwd=app_dir, env=env, capture_output=True, text=True)
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


def declared_floor(package: str) -> str:
    import tomllib

    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (spec,) = [d for d in dependencies if d.startswith(package + ">=")]
    return spec.split(">=")[1].split(",")[0]


def test_the_app_ran_on_the_lowest_supported_aws_cdk_lib_and_constructs(user_app):
    _, outdir = user_app
    venv = outdir.parent.parent / "venv"
    for package, module in (("aws-cdk-lib", "aws_cdk_lib"), ("constructs", "constructs")):
        (dist_info,) = venv.glob(f"lib/python*/site-packages/{module}-*.dist-info")
        assert dist_info.name == f"{module}-{declared_floor(package)}.dist-info"


def test_package_metadata_is_fit_for_pypi(user_app):
    _, outdir = user_app
    venv = outdir.parent.parent / "venv"
    (dist_info,) = venv.glob("lib/python*/site-packages/tap_reviews-*.dist-info")
    metadata = (dist_info / "METADATA").read_text()
    for line in (
        "License-Expression: Apache-2.0",
        "Classifier: Framework :: AWS CDK :: 2",
        "Classifier: Typing :: Typed",
        "Requires-Python: >=3.11",
        "Keywords: aws-cdk,cdk,construct,dynamodb,api-gateway",
        "Description-Content-Type: text/markdown",
    ):
        assert line in metadata, line
    assert "Project-URL: Repository, " in metadata
    assert "# tap-reviews" in metadata  # the README is the long description
    assert (dist_info / "licenses" / "LICENSE").exists()
    (typed,) = venv.glob("lib/python*/site-packages/tap_reviews/py.typed")
    assert typed.exists()


def test_the_sdist_holds_the_sources_runtime_and_license(distributions):
    import tarfile

    (sdist,) = distributions["sdist"]
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "LICENSE",
        "README.md",
        "pyproject.toml",
        "src/tap_reviews/function_code/reviews_runtime/handler.py",
        "src/tap_reviews/openapi.json",
        "src/tap_reviews/py.typed",
    } <= names
