"""``tap-reviews local``: serve a synthesized ProductReviewsApi on 127.0.0.1, with DynamoDB Local.

Needs the ``local`` extra (``pip install 'tap-reviews[local]'``: boto3, which the function's code uses, and
uvicorn, the HTTP server); without it the command says so in one line and exits 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from . import EXIT_INTERRUPTED, CliError, add_assembly_options

#: What the local server needs beyond the package itself, and the extra that installs it.
EXTRA_MODULES = ("boto3", "uvicorn")
INSTALL_EXTRA = "pip install 'tap-reviews[local]'"


class ForcedStop(Exception):
    """A second Ctrl-C or SIGTERM: stop without waiting for requests in flight (exit code 130)."""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "local",
        help="serve a synthesized ProductReviewsApi on 127.0.0.1, with DynamoDB Local",
        description="Serve the ProductReviewsApi of a synthesized stack on 127.0.0.1: its table on DynamoDB "
        "Local, its function's code from the asset, its routes, validation, CORS and throttling from the template.",
    )
    add_assembly_options(parser)
    parser.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default: 3000)")
    storage = parser.add_mutually_exclusive_group()
    storage.add_argument("--data-dir", type=Path, help="keep DynamoDB Local's data in this directory across restarts")
    storage.add_argument("--in-memory", action="store_true", help="keep data in memory only (the default)")
    storage.add_argument("--dynamodb-endpoint", help="use this DynamoDB endpoint instead of starting DynamoDB Local")
    parser.add_argument(
        "--caller",
        metavar="ID",
        help="stand in for the caller an authorizer or IAM would authenticate: methods behind one run as ID "
        "(local only, nothing is verified; without it they answer 401)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        metavar="N",
        help="execution environments: requests the function runs at once, each in a process of its own as "
        "in Lambda (default: 4; more requests wait for a free one)",
    )
    parser.add_argument(
        "--no-throttle",
        action="store_true",
        help="lift the stage's throttling locally (to seed data faster than the deployed rate allows)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise CliError(f"tap-reviews local needs {', '.join(missing)}: {INSTALL_EXTRA}")
    from ..cloud_assembly import AssemblyError, assembly_from, load
    from ..local import api as local_api

    try:
        # The synthesized assembly (with --app, a temporary folder) is removed once the server stops.
        with assembly_from(args.app, args.assembly) as assembly_dir:
            return _serve(args, local_api.read(load(assembly_dir, args.stack)))
    except AssemblyError as error:
        raise CliError(str(error)) from error
    except ForcedStop:
        _log("stopped without waiting for requests in flight (second signal)")
        os._exit(EXIT_INTERRUPTED)  # request threads are not daemons: a normal exit would wait for them again


def _serve(args: argparse.Namespace, api: Any) -> int:
    from ..local import dynamodb_local
    from ..local.environments import DEFAULT_CONCURRENCY, FunctionEnvironments
    from ..local.gateway import LocalGateway
    from ..local.server import make_server
    from ..openapi import openapi_document

    concurrency = DEFAULT_CONCURRENCY if args.concurrency is None else args.concurrency
    if concurrency < 1:
        raise CliError(f"--concurrency must be at least 1, got {concurrency}")
    try:
        server = make_server(args.port, log=_log)
    except OSError as error:
        raise CliError(f"cannot listen on 127.0.0.1:{args.port} ({error.strerror}): pass --port N") from error
    engine = None
    environments = None
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
        stage_url = f"http://127.0.0.1:{server.server_address[1]}/{api.stage_name}"
        models = {route.name: route.model for route in api.routes.values() if route.model is not None}
        routes = [route.name for route in api.routes.values()]
        environments = FunctionEnvironments(api.asset_dir, api.handler, api.environment, concurrency)
        environments.start()
        server.gateway = LocalGateway(
            api,
            environments,
            openapi_document(models, routes=routes, server_url=stage_url),
            caller=args.caller,
            throttle=not args.no_throttle,
        )
        stopping = _stop_on_signals()  # before the banner: whoever reads "listening on" may signal at once
        _banner(api, stage_url, endpoint, args, concurrency)
        _serve_until(server, stopping)
    finally:
        forced = False
        try:
            server.shutdown()  # closes idle connections, waits for requests in flight
        except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM while waiting
            forced = True
            raise ForcedStop() from None
        finally:
            if environments is not None:
                environments.close(wait=not forced)  # unforced, no request is in flight any more
            if engine is not None:
                engine.stop()
    _log("stopped")
    return 0


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
        _check_existing_table(client, create_table)
        _log(f"using existing table {create_table['TableName']}")
    except BotoCoreError as error:
        raise CliError(f"cannot reach DynamoDB at {os.environ['AWS_ENDPOINT_URL_DYNAMODB']}: {error}") from error


def _check_existing_table(client: Any, create_table: dict[str, Any]) -> None:
    """Refuse a table kept in ``--data-dir`` whose indexes are not the template's (an older tap-reviews made
    it): its listings would fail on every request. Indexes, local ones above all, cannot be added later."""
    table = client.describe_table(TableName=create_table["TableName"])["Table"]
    kinds = ("LocalSecondaryIndexes", "GlobalSecondaryIndexes")
    found = {index["IndexName"] for kind in kinds for index in table.get(kind, [])}
    wanted = {index["IndexName"] for kind in kinds for index in create_table.get(kind, [])}
    if not wanted <= found:
        raise CliError(
            f"the table {create_table['TableName']} in the data directory lacks the indexes "
            f"{', '.join(sorted(wanted - found))} (an older tap-reviews made it, and DynamoDB adds local indexes "
            "only with a new table): start with another --data-dir, or delete this one."
        )


def _banner(api: Any, stage_url: str, endpoint: str, args: argparse.Namespace, concurrency: int) -> None:
    storage = f"data in {args.data_dir}" if args.data_dir else "in memory"
    deployed = f"{api.rate_limit:g} requests/s, burst {api.burst_limit}"
    authorized = sorted({route.authorization for route in api.routes.values()} - {"NONE"})
    if not authorized:
        caller = []
    elif args.caller is None:
        caller = [f"  caller: none; methods behind {', '.join(authorized)} refuse requests (pass --caller ID)"]
    else:
        caller = [
            f"  caller: {args.caller}, a local stand-in for the caller {', '.join(authorized)} would authenticate "
            "(nothing is verified)"
        ]
    lines = [
        f"tap-reviews local: stack {api.stack_name}, stage {api.stage_name}, listening on {stage_url}/",
        f"  DynamoDB: {endpoint} ({storage}), table {api.table_name}",
        f"  function: {api.handler} from {api.asset_dir}, {concurrency} execution environment(s)",
        f"  throttling: off (--no-throttle; deployed: {deployed})" if args.no_throttle else f"  throttling: {deployed}",
        *caller,
        *(f"  {method:7} {stage_url}{path}" for path, method in sorted(api.routes)),
        f"  OpenAPI: http://127.0.0.1:{stage_url.split(':')[2].split('/')[0]}/openapi.json",
        "try:",
        f"  curl -X POST {stage_url}/reviews -H 'Content-Type: application/json' "
        '-d \'{"product_id": "p-1", "reviewer_id": "r-1", "rating": 5}\'',
        "Ctrl-C stops (requests in flight finish first).",
    ]
    print("\n".join(lines), flush=True)


def _stop_on_signals() -> threading.Event:
    """An event that Ctrl-C or SIGTERM sets; a second signal raises KeyboardInterrupt (stop without waiting).

    The first signal only sets the event, which the main thread turns into a graceful shutdown; uvicorn
    runs in another thread, so it installs no signal handlers of its own.
    """
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        if stopping.is_set():
            raise KeyboardInterrupt
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return stopping


def _serve_until(server: Any, stopping: threading.Event) -> None:
    """Serve (uvicorn, in a thread of its own) until ``stopping`` is set or the server ends.

    The caller's ``server.shutdown()`` then stops accepting, closes the connections waiting for a request
    and waits for the requests in flight.
    """
    serving = server.serve_in_thread()
    while serving.is_alive() and not stopping.wait(0.5):
        pass
    _log("shutting down")


def _log(line: str) -> None:
    print(f"[tap-reviews local] {line}", file=sys.stderr, flush=True)
