"""The ``tap-reviews`` command: ``tap-reviews local`` serves a synthesized ProductReviewsApi on this machine;
``tap-reviews cost`` estimates what a deployment costs a month."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

EXIT_USAGE = 2


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tap-reviews", description="Tools for the tap-reviews construct library.")
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser(
        "local",
        help="serve a synthesized ProductReviewsApi on 127.0.0.1, with DynamoDB Local",
        description="Serve the ProductReviewsApi of a synthesized stack on 127.0.0.1: its table on DynamoDB "
        "Local, its function's code from the asset, its routes, validation, CORS and throttling from the template.",
    )
    source = local.add_mutually_exclusive_group()
    source.add_argument("--app", help='a CDK app command to synthesize first, e.g. "python app.py"')
    source.add_argument("--assembly", type=Path, help="a synthesized cloud assembly directory (default: cdk.out)")
    local.add_argument("--stack", help="the stack to serve (default: the only one with a ProductReviewsApi)")
    local.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default: 3000)")
    storage = local.add_mutually_exclusive_group()
    storage.add_argument("--data-dir", type=Path, help="keep DynamoDB Local's data in this directory across restarts")
    storage.add_argument("--in-memory", action="store_true", help="keep data in memory only (the default)")
    storage.add_argument("--dynamodb-endpoint", help="use this DynamoDB endpoint instead of starting DynamoDB Local")
    _add_cost_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "cost":
            return _cost(args)
        return _local(args)
    except CliError as error:
        print(f"tap-reviews: {error}", file=sys.stderr)
        return EXIT_USAGE


def _local(args: argparse.Namespace) -> int:
    from .local import assembly, dynamodb_local
    from .local.gateway import LocalGateway, load_handler, make_server
    from .openapi import openapi_document

    try:
        if args.app:
            assembly_dir = assembly.synthesize(args.app, assembly.temporary_outdir())
        else:
            assembly_dir = args.assembly or Path("cdk.out")
        api = assembly.load(assembly_dir, args.stack)
    except assembly.AssemblyError as error:
        raise CliError(str(error)) from error
    try:
        server = make_server(args.port, log=_log)
    except OSError as error:
        raise CliError(f"cannot listen on 127.0.0.1:{args.port} ({error.strerror}): pass --port N") from error
    engine = None
    try:
        if args.dynamodb_endpoint:
            endpoint = args.dynamodb_endpoint
        else:
            if args.data_dir:
                args.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                engine = dynamodb_local.start(
                    search=dynamodb_local.npm_package_dirs(Path.cwd()), data_dir=args.data_dir
                )
            except dynamodb_local.EngineUnavailable as error:
                raise CliError(str(error)) from error
            endpoint = engine.endpoint
        _configure_environment(endpoint, api.environment)
        _ensure_table(api.create_table)
        handler = load_handler(api)
        stage_url = f"http://127.0.0.1:{server.server_address[1]}/{api.stage_name}"
        gateway = LocalGateway(api, handler, openapi_document(_post_schema(api), server_url=stage_url))
        server.gateway = gateway
        stopping = _stop_on_signals()  # before the banner: whoever reads "listening on" may signal at once
        _banner(api, stage_url, endpoint, args.data_dir)
        _serve(server, stopping)
    finally:
        forced = False
        try:
            server.server_close()  # waits for requests in flight
        except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM: stop without waiting
            forced = True
        finally:
            if engine is not None:
                engine.stop()
        if forced:
            _log("stopped without waiting for requests in flight (second signal)")
            os._exit(130)  # request threads are not daemons: a normal exit would wait for them again
    _log("stopped")
    return 0


def _post_schema(api: Any) -> dict[str, Any] | None:
    schemas = [route.body_schema for route in api.routes.values() if route.body_schema is not None]
    return schemas[0] if schemas else None


def _configure_environment(endpoint: str, function_environment: dict[str, str]) -> None:
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    # DynamoDB Local accepts any credentials; keep real ones if the user has them.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.update(function_environment)


def _ensure_table(create_table: dict[str, Any]) -> None:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("dynamodb")
    try:
        client.create_table(**create_table)
        client.get_waiter("table_exists").wait(TableName=create_table["TableName"])
        _log(f"created table {create_table['TableName']}")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise CliError(f"cannot create table {create_table['TableName']}: {error}") from error
        _log(f"using existing table {create_table['TableName']}")
    except BotoCoreError as error:
        raise CliError(f"cannot reach DynamoDB at {os.environ['AWS_ENDPOINT_URL_DYNAMODB']}: {error}") from error


def _banner(api: Any, stage_url: str, endpoint: str, data_dir: Path | None) -> None:
    storage = f"data in {data_dir}" if data_dir else "in memory"
    lines = [
        f"tap-reviews local: stack {api.stack_name}, stage {api.stage_name}, listening on {stage_url}/",
        f"  DynamoDB: {endpoint} ({storage}), table {api.table_name}",
        f"  function: {api.handler} from {api.asset_dir}",
        f"  throttling: {api.rate_limit:g} requests/s, burst {api.burst_limit}",
        *(f"  {method:7} {stage_url}{path}" for path, method in sorted(api.routes)),
        f"  OpenAPI: http://127.0.0.1:{stage_url.split(':')[2].split('/')[0]}/openapi.json",
        *(f"  warning: {warning}" for warning in api.warnings),
        "try:",
        f"  curl -X POST {stage_url}/reviews -H 'Content-Type: application/json' "
        '-d \'{"product_id": "p-1", "reviewer_id": "r-1", "rating": 5}\'',
        "Ctrl-C stops (requests in flight finish first).",
    ]
    print("\n".join(lines), flush=True)


def _stop_on_signals() -> threading.Event:
    """An event that Ctrl-C or SIGTERM sets; a second signal raises KeyboardInterrupt (stop without waiting).

    The first signal only sets the event: raised as KeyboardInterrupt inside serve_forever, it could land
    between a request thread's creation and its start, and server_close() then fails to join that thread.
    """
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        if stopping.is_set():
            raise KeyboardInterrupt
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return stopping


def _serve(server: Any, stopping: threading.Event) -> None:
    """Serve until ``stopping`` is set, then stop accepting and close the connections waiting for a request.

    The caller's server_close() then waits for the requests in flight.
    """
    serving = threading.Thread(target=server.serve_forever, name="tap-reviews-local-accept")
    serving.start()
    while serving.is_alive() and not stopping.wait(0.5):
        pass
    _log("shutting down")
    server.shutdown()
    serving.join()
    server.close_idle_connections()


def _log(line: str) -> None:
    print(f"[tap-reviews local] {line}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------
# tap-reviews cost


#: Optional ``cost`` flags: (flag, dataclass, field, type, help). Defaults come from tap_reviews.cost.
_COST_OPTIONS = (
    (
        "--product-listing-share",
        "Workload",
        "product_listing_share",
        float,
        "share of GETs that list a product (the rest list a reviewer)",
    ),
    ("--review-bytes", "Workload", "average_review_bytes", int, "average stored review size in bytes"),
    ("--page-size", "Workload", "reviews_per_page", int, "reviews a GET returns on average"),
    ("--idempotent-share", "Workload", "idempotent_post_share", float, "share of POSTs sending Idempotency-Key"),
    ("--peak-factor", "Workload", "peak_factor", float, "peak request rate over the average rate"),
    ("--months-stored", "Workload", "months_of_reviews_stored", float, "months of reviews the table holds"),
    ("--post-ms", "Workload", "post_duration_ms", float, "average Lambda duration of a POST (ms)"),
    ("--get-ms", "Workload", "get_duration_ms", float, "average Lambda duration of a GET (ms)"),
    (
        "--preflights-per-review",
        "Workload",
        "preflights_per_review",
        float,
        "CORS preflight (OPTIONS) requests per review",
    ),
    ("--memory-size", "DeploymentProps", "memory_size", int, "function memory in MB"),
    (
        "--target-utilization",
        "DeploymentProps",
        "target_utilization_percent",
        float,
        "auto-scaling target utilization (percent)",
    ),
    ("--log-retention-days", "DeploymentProps", "log_retention_days", int, "log retention in days"),
    ("--rate-limit", "DeploymentProps", "throttle_rate_limit", float, "the stage's throttle rate limit (requests/s)"),
)


def _add_cost_parser(commands: Any) -> None:
    from . import cost

    defaults = {"Workload": cost.Workload(0, 0), "DeploymentProps": cost.DeploymentProps()}
    parser = commands.add_parser(
        "cost",
        help="estimate the monthly AWS bill of a ProductReviewsApi deployment",
        description="Estimate what a ProductReviewsApi deployment costs a month for a workload, line by line, "
        "with provisioned and on-demand DynamoDB billing, and the volume at which the cheaper mode flips. "
        "Defaults are the construct's defaults; prices are us-east-1 list prices from tap_reviews.prices.",
    )
    # Numbers are parsed here, not by argparse, so a bad value is one line of error.
    parser.add_argument("--reviews-per-day", required=True, metavar="N", help="reviews posted a day")
    parser.add_argument(
        "--reads-per-review", required=True, metavar="R", help="GET /reviews requests per review posted"
    )
    parser.add_argument(
        "--billing-mode",
        default="both",
        metavar="MODE",
        help="provisioned, on-demand or both (default: both, with the comparison and the flip volume)",
    )
    for flag, owner, name, _kind, text in _COST_OPTIONS:
        parser.add_argument(flag, metavar="X", help=f"{text} (default: {getattr(defaults[owner], name):g})")
    for side in ("read", "write"):
        bounds = getattr(defaults["DeploymentProps"], f"{side}_capacity")
        parser.add_argument(
            f"--{side}-capacity",
            metavar="MIN:MAX",
            help=f"{side} capacity auto-scaling bounds of the table and its index "
            f"(default: {bounds.min_capacity}:{bounds.max_capacity})",
        )
    parser.add_argument("--no-pitr", action="store_true", help="without point-in-time recovery (default: with)")
    parser.add_argument("--lambda-insights", action="store_true", help="with the Lambda Insights extension")
    parser.add_argument("--write-token", action="store_true", help="with write_token_parameter_name set")
    parser.add_argument(
        "--flip-search-up-to",
        default="1000000",
        metavar="N",
        help="highest reviews-per-day volume the flip search compares (default: 1000000)",
    )


def _parse_number(flag: str, text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        article = "an integer" if kind is int else "a number"
        raise CliError(f"{flag} must be {article}, got {text!r}") from None


def _parse_bounds(flag: str, text: str) -> Any:
    from .settings import CapacityBounds

    low, colon, high = text.partition(":")
    if not colon:
        raise CliError(f"{flag} must be MIN:MAX, e.g. 5:100, got {text!r}")
    try:
        return CapacityBounds(min_capacity=_parse_number(flag, low, int), max_capacity=_parse_number(flag, high, int))
    except ValueError as error:
        raise CliError(f"{flag}: {error}") from None


def _cost(args: argparse.Namespace) -> int:
    import re

    from . import cost

    mode = args.billing_mode
    if mode not in ("both", *cost.BILLING_MODES):
        raise CliError(f"--billing-mode must be provisioned, on-demand or both, got {mode!r}")
    values: dict[str, dict[str, Any]] = {
        "Workload": {
            "reviews_per_day": _parse_number("--reviews-per-day", args.reviews_per_day, float),
            "reads_per_review": _parse_number("--reads-per-review", args.reads_per_review, float),
        },
        "DeploymentProps": {
            "billing_mode": cost.PROVISIONED if mode == "both" else mode,
            "point_in_time_recovery": not args.no_pitr,
            "lambda_insights": args.lambda_insights,
            "write_token": args.write_token,
        },
    }
    flags = {"reviews_per_day": "--reviews-per-day", "reads_per_review": "--reads-per-review"}
    for flag, owner, name, kind, _text in _COST_OPTIONS:
        flags[name] = flag
        text = getattr(args, _dest_of(flag))
        if text is not None:
            values[owner][name] = _parse_number(flag, text, kind)
    for side in ("read", "write"):
        text = getattr(args, f"{side}_capacity")
        if text is not None:
            values["DeploymentProps"][f"{side}_capacity"] = _parse_bounds(f"--{side}-capacity", text)
    search_up_to = _parse_number("--flip-search-up-to", args.flip_search_up_to, int)
    try:
        workload = cost.Workload(**values["Workload"])
        props = cost.DeploymentProps(**values["DeploymentProps"])
        flip = None
        if mode == "both":
            flip = cost.find_billing_mode_flip(workload, props, max_reviews_per_day=search_up_to)
    except ValueError as error:
        # Name the flag, not the dataclass field: "--peak-factor must be at least 1, got 0.5."
        field_pattern = r"\b(?:Workload|DeploymentProps)\.(\w+)"
        message = re.sub(field_pattern, lambda match: flags.get(match.group(1), match.group(0)), str(error))
        raise CliError(message.replace("max_reviews_per_day", "--flip-search-up-to")) from None
    print("\n".join(_cost_report(cost, workload, props, mode, flip)))
    return 0


def _dest_of(flag: str) -> str:
    """The argparse destination of a ``--flag``."""
    return flag.lstrip("-").replace("-", "_")


def _cost_report(cost: Any, workload: Any, props: Any, mode: str, flip: Any) -> list[str]:
    from .prices import PRICE_SOURCE

    gets_per_day = workload.reviews_per_day * workload.reads_per_review
    lines = [
        f"tap-reviews cost: {workload.reviews_per_day:,.0f} reviews/day, "
        f"{workload.reads_per_review:g} reads per review "
        f"({gets_per_day:,.0f} GETs/day, {workload.product_listing_share:.0%} by product), "
        f"peak x{workload.peak_factor:g}, {props.memory_size} MB function",
        f"prices: {PRICE_SOURCE}",
    ]
    if mode == "both":
        comparison = cost.compare_billing_modes(workload, props)
        estimates = [comparison.provisioned, comparison.on_demand]
    else:
        comparison = None
        estimates = [cost.estimate(workload, props)]
    for estimate in estimates:
        lines += ["", *_estimate_table(cost, estimate)]
    if comparison is not None:
        cheaper = comparison.cheaper_mode
        dearer = comparison.on_demand if cheaper == cost.PROVISIONED else comparison.provisioned
        share = comparison.savings_usd / dearer.total_usd if dearer.total_usd else 0.0
        lines += [
            "",
            f"cheaper: {cheaper}, by ${comparison.savings_usd:,.2f} a month "
            f"({share:.1%} less than {dearer.billing_mode}).",
            _flip_sentence(cost, workload, props, flip),
        ]
    lines += ["", "assumptions:", *(f"  - {text}" for text in cost.ASSUMPTIONS)]
    return lines


def _estimate_table(cost: Any, estimate: Any) -> list[str]:
    props = estimate.props
    if estimate.billing_mode == cost.PROVISIONED:
        title = (
            f"DynamoDB provisioned (read {props.read_capacity.min_capacity}-{props.read_capacity.max_capacity} RCU, "
            f"write {props.write_capacity.min_capacity}-{props.write_capacity.max_capacity} WCU, "
            f"target {props.target_utilization_percent:g}%)"
        )
    else:
        title = "DynamoDB on-demand (PAY_PER_REQUEST)"
    header = ("service", "item", "quantity", "unit", "unit price", "USD/month")
    rows = [
        (
            line.service,
            line.item,
            _quantity(line.quantity),
            line.unit,
            _price(line.unit_price_usd),
            f"{line.monthly_usd:,.2f}",
        )
        for line in estimate.line_items
    ]
    total = ("total", "", "", "", "", f"{estimate.total_usd:,.2f}")
    widths = [max(len(row[column]) for row in (header, *rows, total)) for column in range(len(header))]
    right = {2, 4, 5}

    def render(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  " + "  ".join(cells).rstrip()

    rule = "  " + "-" * (sum(widths) + 2 * (len(widths) - 1))
    return [
        f"{title}: ${estimate.total_usd:,.2f} a month",
        render(header),
        rule,
        *(render(row) for row in rows),
        rule,
        render(total),
        *(f"  warning: {warning}" for warning in estimate.warnings),
    ]


def _quantity(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.4f}" if value < 1 else f"{value:,.2f}"


def _price(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".")


def _flip_sentence(cost: Any, workload: Any, props: Any, flip: Any) -> str:
    low, high = flip.low_volume_mode, flip.high_volume_mode
    searched = f"searched 1 to {flip.searched_up_to:,} reviews/day at {workload.reads_per_review:g} reads per review"
    if flip.searched_up_to < 1:
        return f"flip: none searched ({flip.search_limit})."
    if flip.first_flip is None:
        ratio = max(flip.provisioned_write_cost_ratio, flip.provisioned_read_cost_ratio)
        why = (
            f"above the capacity floor provisioned capacity costs {ratio:.2f}x on-demand per request unit at peak "
            f"factor {workload.peak_factor:g} and {props.target_utilization_percent:g}% target utilization"
        )
        why += (
            ", so with capacity held at peak all month (an upper bound) it never catches up"
            if ratio >= 1
            else ", so it would win at higher volumes"
        )
        return (
            f"flip: none, {low} is cheaper at every volume ({searched}; the search stops there because "
            f"{flip.search_limit}); {why}."
        )
    if flip.settled_from == flip.first_flip:
        return f"flip: at {flip.first_flip:,} reviews/day; {low} is cheaper below it, {high} from it ({searched})."
    if flip.settled_from is None:
        return (
            f"flip: {high} is first cheaper at {flip.first_flip:,} reviews/day, and the modes still alternate at "
            f"{flip.searched_up_to:,} ({searched})."
        )
    return (
        f"flip: {low} is cheaper below {flip.first_flip:,} reviews/day, {high} from {flip.settled_from:,}; in "
        f"between they alternate as provisioned capacity moves in whole units ({searched})."
    )


if __name__ == "__main__":
    sys.exit(main())
