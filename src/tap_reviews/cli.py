"""The ``tap-reviews`` command: ``tap-reviews local`` serves a synthesized ProductReviewsApi on this machine."""

from __future__ import annotations

import argparse
import os
import signal
import sys
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
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
        _banner(api, stage_url, endpoint, args.data_dir)
        _serve(server)
    finally:
        server.server_close()  # waits for requests in flight
        if engine is not None:
            engine.stop()
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
        "-d '{\"product_id\": \"p-1\", \"reviewer_id\": \"r-1\", \"rating\": 5}'",
        "Ctrl-C stops (requests in flight finish first).",
    ]
    print("\n".join(lines), flush=True)


def _serve(server: Any) -> None:
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _log("shutting down")


def _log(line: str) -> None:
    print(f"[tap-reviews local] {line}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
