"""A ProductReviewsApi as its synthesized template defines it: everything local serving needs.

Nothing is configured twice: table keys and indexes, the function's asset, handler and environment, the
API's routes, validators, models, CORS preflight and gateway responses, and the stage's throttling all
come from the stack's template and asset manifest (read by ``tap_reviews.cloud_assembly``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cloud_assembly import AssemblyError, ReviewsStack, ref

#: API Gateway's account-level default throttling, used when a stage sets none.
DEFAULT_RATE_LIMIT = 10000.0
DEFAULT_BURST_LIMIT = 5000
#: Lambda's timeout when a function's template sets none.
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class Route:
    """One method the API serves (OPTIONS preflights are kept apart)."""

    path: str
    method: str
    authorization: str
    #: The body schema API Gateway checks before the function (its validator checks bodies), or None.
    body_schema: dict[str, Any] | None
    #: The method's request model, documented whether or not API Gateway checks it.
    model: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The route as the error catalogue names it: ``POST /reviews``."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Preflight:
    """What a resource's CORS OPTIONS method answers."""

    headers: dict[str, str]
    #: Origins the preflight echoes back (CDK's response template for a list of origins).
    echoed_origins: tuple[str, ...]


@dataclass(frozen=True)
class GatewayResponse:
    """An answer API Gateway gives itself (DEFAULT_4XX, BAD_REQUEST_BODY, ...), as the template customizes it."""

    status: int | None
    headers: dict[str, str]
    template: str | None


@dataclass(frozen=True)
class LocalApi:
    """A ProductReviewsApi as one stack's template defines it."""

    stack_name: str
    stage_name: str
    rate_limit: float
    burst_limit: int
    routes: dict[tuple[str, str], Route]
    preflights: dict[str, Preflight]
    gateway_responses: dict[str, GatewayResponse]
    table_name: str
    create_table: dict[str, Any]
    asset_dir: Path
    handler: str
    environment: dict[str, str]
    #: The function's timeout; the handler sees the time it has left, as in Lambda.
    timeout_seconds: int

    @property
    def paths(self) -> set[str]:
        return {path for path, _ in self.routes} | set(self.preflights)


def _quoted(value: str) -> str:
    """API Gateway's static mapping values are quoted: ``'value'``."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def read(stack: ReviewsStack) -> LocalApi:
    """The API of ``stack``, as local serving needs it; AssemblyError when the template cannot be served."""
    resources = stack.resources
    function_id, function = stack.function_id, stack.function
    table_id = stack.table_id
    table = resources[table_id]["Properties"]
    table_name = stack.literal(table.get("TableName"), "the table's name") or f"{stack.name}-{table_id}"
    environment = {}
    for name, value in function.get("Environment", {}).get("Variables", {}).items():
        if isinstance(value, str):
            environment[name] = value
        elif ref(value) == table_id:
            environment[name] = table_name
        else:
            raise AssemblyError(
                f"environment variable {name} of {function_id} is not a value the local server can resolve."
            )
    methods = {
        logical_id: resource["Properties"]
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::ApiGateway::Method"
        and function_id in json.dumps(resource["Properties"].get("Integration", {}).get("Uri", ""))
    }
    if not methods:
        raise AssemblyError(f"no API Gateway method of stack {stack.name!r} invokes {function_id}.")
    (api_id,) = {ref(method["RestApiId"]) or "" for method in methods.values()}
    api_resources = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if ref(resource.get("Properties", {}).get("RestApiId")) == api_id
    }
    paths = _resource_paths(api_id, api_resources)
    routes = {}
    preflights = {}
    for logical_id, resource in api_resources.items():
        if resource["Type"] != "AWS::ApiGateway::Method":
            continue
        method = resource["Properties"]
        path = paths[ref(method["ResourceId"]) or ""]
        if method["HttpMethod"] == "OPTIONS":
            preflights[path] = _preflight(method)
            continue
        if logical_id not in methods:
            continue
        routes[(path, method["HttpMethod"])] = Route(
            path=path,
            method=method["HttpMethod"],
            authorization=method.get("AuthorizationType", "NONE"),
            body_schema=_body_schema(method, resources),
            model=_model(method, resources),
        )
    (stage,) = [r["Properties"] for r in api_resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    settings: dict[str, Any] = next(
        (s for s in stage.get("MethodSettings", []) if s.get("HttpMethod") == "*" and s.get("ResourcePath") == "/*"), {}
    )
    return LocalApi(
        stack_name=stack.name,
        stage_name=stack.literal(stage["StageName"], "the stage name"),
        rate_limit=float(stack.literal(settings.get("ThrottlingRateLimit", DEFAULT_RATE_LIMIT), "the throttle rate")),
        burst_limit=int(stack.literal(settings.get("ThrottlingBurstLimit", DEFAULT_BURST_LIMIT), "the throttle burst")),
        routes=routes,
        preflights=preflights,
        gateway_responses={
            r["Properties"]["ResponseType"]: GatewayResponse(
                status=int(r["Properties"]["StatusCode"]) if "StatusCode" in r["Properties"] else None,
                # As mapped: 'static' (quoted) or method.request.header.<name>; the gateway resolves them.
                headers={
                    name.removeprefix("gatewayresponse.header."): value
                    for name, value in r["Properties"].get("ResponseParameters", {}).items()
                },
                template=r["Properties"].get("ResponseTemplates", {}).get("application/json"),
            )
            for r in api_resources.values()
            if r["Type"] == "AWS::ApiGateway::GatewayResponse"
        },
        table_name=table_name,
        create_table=create_table_request(table_name, table),
        asset_dir=_asset_dir(stack.assembly_dir, stack.name, function),
        handler=function["Handler"],
        environment=environment,
        timeout_seconds=int(stack.literal(function.get("Timeout", LAMBDA_DEFAULT_TIMEOUT_SECONDS), "the timeout")),
    )


def _resource_paths(api_id: str, api_resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Path of every API resource by logical id ('' is the API root)."""
    parents = {
        logical_id: (ref(r["Properties"]["ParentId"]), r["Properties"]["PathPart"])
        for logical_id, r in api_resources.items()
        if r["Type"] == "AWS::ApiGateway::Resource"
    }

    def path_of(logical_id: str) -> str:
        if logical_id in ("", api_id):
            return "/"
        parent, part = parents[logical_id]
        parent_path = path_of(parent or "")
        return f"{parent_path.rstrip('/')}/{part}"

    return {"": "/", api_id: "/", **{logical_id: path_of(logical_id) for logical_id in parents}}


def _preflight(method: dict[str, Any]) -> Preflight:
    (response,) = method["Integration"]["IntegrationResponses"]
    headers = {
        name.removeprefix("method.response.header."): _quoted(value)
        for name, value in response.get("ResponseParameters", {}).items()
    }
    template = response.get("ResponseTemplates", {}).get("application/json", "")
    return Preflight(headers=headers, echoed_origins=tuple(re.findall(r'\$origin == "([^"]+)"', template)))


def _model(method: dict[str, Any], resources: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    model_id = ref(method.get("RequestModels", {}).get("application/json"))
    return resources[model_id]["Properties"]["Schema"] if model_id else None


def _body_schema(method: dict[str, Any], resources: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    validator_id = ref(method.get("RequestValidatorId"))
    if validator_id is None or not resources[validator_id]["Properties"].get("ValidateRequestBody"):
        return None
    return _model(method, resources)


def create_table_request(table_name: str, table: dict[str, Any]) -> dict[str, Any]:
    """CreateTable for DynamoDB Local: the template's keys and indexes, on-demand (capacity means nothing here)."""
    return {
        "TableName": table_name,
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
        **{
            kind: [{key: index[key] for key in ("IndexName", "KeySchema", "Projection")} for index in table[kind]]
            for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes")
            if table.get(kind)
        },
    }


def _asset_dir(assembly_dir: Path, stack_name: str, function: dict[str, Any]) -> Path:
    key = function["Code"]["S3Key"]
    key = key.get("Fn::Sub", "") if isinstance(key, dict) else key
    asset_hash = str(key).removesuffix(".zip")
    manifest = assembly_dir / f"{stack_name}.assets.json"
    if manifest.exists():
        source = json.loads(manifest.read_text()).get("files", {}).get(asset_hash, {}).get("source", {})
        if source.get("packaging") == "zip" and source.get("path"):
            return assembly_dir / str(source["path"])
    raise AssemblyError(f"the function's code asset {asset_hash} is not in the assembly's asset manifest.")
