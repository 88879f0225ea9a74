"""Read a ProductReviewsApi out of a synthesized cloud assembly: everything local serving needs, from the template.

Nothing is configured twice: table keys and indexes, the function's asset, handler and environment, the
API's routes, validators, models, CORS preflight and gateway responses, and the stage's throttling all
come from the stack's template and asset manifest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..function_code.reviews_runtime import contract

#: API Gateway's account-level default throttling, used when a stage sets none.
DEFAULT_RATE_LIMIT = 10000.0
DEFAULT_BURST_LIMIT = 5000
#: Lambda's timeout when a function's template sets none.
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3


class AssemblyError(RuntimeError):
    """The assembly cannot be served; the message says why and what to do."""


@dataclass(frozen=True)
class Route:
    """One method the API serves (OPTIONS preflights are kept apart)."""

    path: str
    method: str
    authorization: str
    body_schema: dict[str, Any] | None


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
    warnings: list[str] = field(default_factory=list)

    @property
    def paths(self) -> set[str]:
        return {path for path, _ in self.routes} | set(self.preflights)


def synthesize(app_command: str, outdir: Path) -> Path:
    """Run a CDK app the way the CDK CLI does (CDK_OUTDIR) and return its cloud assembly directory."""
    result = subprocess.run(
        app_command, shell=True, env={**os.environ, "CDK_OUTDIR": str(outdir)}, capture_output=True, text=True
    )
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise AssemblyError(f"`{app_command}` failed with exit code {result.returncode}: {last_line}")
    if not (outdir / "manifest.json").exists():
        raise AssemblyError(f"`{app_command}` wrote no cloud assembly: does it call app.synth()?")
    return outdir


def temporary_outdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tap-reviews-local-"))


def stacks_in(assembly_dir: Path) -> dict[str, dict[str, Any]]:
    """The assembly's CloudFormation stacks by artifact id."""
    manifest_path = assembly_dir / "manifest.json"
    if not manifest_path.exists():
        raise AssemblyError(f"{assembly_dir} is not a cloud assembly (no manifest.json): pass --app or --assembly.")
    manifest = json.loads(manifest_path.read_text())
    return {
        name: artifact
        for name, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == "aws:cloudformation:stack"
    }


def load(assembly_dir: Path, stack: str | None) -> LocalApi:
    """The ProductReviewsApi in ``stack`` (or in the only stack that has one)."""
    stacks = stacks_in(assembly_dir)
    templates = {name: _template(assembly_dir, artifact) for name, artifact in stacks.items()}
    if stack is not None:
        if stack not in stacks:
            raise AssemblyError(f"no stack {stack!r} in the assembly; it has: {', '.join(sorted(stacks)) or 'none'}.")
        candidates = [stack]
    else:
        candidates = [name for name in sorted(stacks) if _reviews_functions(templates[name])]
        if not candidates:
            raise AssemblyError(
                f"no stack in the assembly holds a ProductReviewsApi (stacks: {', '.join(sorted(stacks))})."
            )
        if len(candidates) > 1:
            raise AssemblyError(
                f"several stacks hold a ProductReviewsApi ({', '.join(candidates)}): pass --stack NAME."
            )
    name = candidates[0]
    return _read_stack(assembly_dir, name, templates[name])


def _template(assembly_dir: Path, artifact: dict[str, Any]) -> dict[str, Any]:
    template: dict[str, Any] = json.loads((assembly_dir / artifact["properties"]["templateFile"]).read_text())
    return template


def _reviews_functions(template: dict[str, Any]) -> list[str]:
    return [
        logical_id
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == "AWS::Lambda::Function"
        and resource.get("Properties", {}).get("Handler") == contract.HANDLER
    ]


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def _quoted(value: str) -> str:
    """API Gateway's static mapping values are quoted: ``'value'``."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def _read_stack(assembly_dir: Path, stack_name: str, template: dict[str, Any]) -> LocalApi:
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    functions = _reviews_functions(template)
    if not functions:
        raise AssemblyError(
            f"stack {stack_name!r} holds no ProductReviewsApi (no function with handler {contract.HANDLER})."
        )
    if len(functions) > 1:
        raise AssemblyError(
            f"stack {stack_name!r} holds {len(functions)} ProductReviewsApi; serving one at a time is supported."
        )
    function_id = functions[0]
    function = resources[function_id]["Properties"]
    table_id = _ref(function.get("Environment", {}).get("Variables", {}).get(contract.ENV_TABLE_NAME))
    if table_id is None or table_id not in resources:
        raise AssemblyError(f"the function {function_id} names no table in {contract.ENV_TABLE_NAME}.")
    table = resources[table_id]["Properties"]
    table_name = table.get("TableName") or f"{stack_name}-{table_id}"
    environment = {}
    for name, value in function.get("Environment", {}).get("Variables", {}).items():
        if isinstance(value, str):
            environment[name] = value
        elif _ref(value) == table_id:
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
        raise AssemblyError(f"no API Gateway method of stack {stack_name!r} invokes {function_id}.")
    (api_id,) = {_ref(method["RestApiId"]) or "" for method in methods.values()}
    api_resources = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if _ref(resource.get("Properties", {}).get("RestApiId")) == api_id
    }
    paths = _resource_paths(api_id, api_resources)
    routes = {}
    preflights = {}
    for logical_id, resource in api_resources.items():
        if resource["Type"] != "AWS::ApiGateway::Method":
            continue
        method = resource["Properties"]
        path = paths[_ref(method["ResourceId"]) or ""]
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
        )
    (stage,) = [r["Properties"] for r in api_resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    settings: dict[str, Any] = next(
        (s for s in stage.get("MethodSettings", []) if s.get("HttpMethod") == "*" and s.get("ResourcePath") == "/*"), {}
    )
    return LocalApi(
        stack_name=stack_name,
        stage_name=stage["StageName"],
        rate_limit=float(settings.get("ThrottlingRateLimit", DEFAULT_RATE_LIMIT)),
        burst_limit=int(settings.get("ThrottlingBurstLimit", DEFAULT_BURST_LIMIT)),
        routes=routes,
        preflights=preflights,
        gateway_responses={
            r["Properties"]["ResponseType"]: GatewayResponse(
                status=int(r["Properties"]["StatusCode"]) if "StatusCode" in r["Properties"] else None,
                headers={
                    name.removeprefix("gatewayresponse.header."): _quoted(value)
                    for name, value in r["Properties"].get("ResponseParameters", {}).items()
                },
                template=r["Properties"].get("ResponseTemplates", {}).get("application/json"),
            )
            for r in api_resources.values()
            if r["Type"] == "AWS::ApiGateway::GatewayResponse"
        },
        table_name=table_name,
        create_table=create_table_request(table_name, table),
        asset_dir=_asset_dir(assembly_dir, stack_name, function),
        handler=function["Handler"],
        environment=environment,
        timeout_seconds=int(function.get("Timeout", LAMBDA_DEFAULT_TIMEOUT_SECONDS)),
        warnings=[
            f"{route.method} {route.path} needs {route.authorization} authorization, which the local server "
            "cannot check: it answers 401."
            for route in routes.values()
            if route.authorization != "NONE"
        ],
    )


def _resource_paths(api_id: str, api_resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Path of every API resource by logical id ('' is the API root)."""
    parents = {
        logical_id: (_ref(r["Properties"]["ParentId"]), r["Properties"]["PathPart"])
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


def _body_schema(method: dict[str, Any], resources: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    validator_id = _ref(method.get("RequestValidatorId"))
    if validator_id is None or not resources[validator_id]["Properties"].get("ValidateRequestBody"):
        return None
    model_id = _ref(method.get("RequestModels", {}).get("application/json"))
    return resources[model_id]["Properties"]["Schema"] if model_id else None


def create_table_request(table_name: str, table: dict[str, Any]) -> dict[str, Any]:
    """CreateTable for DynamoDB Local: the template's keys and indexes, on-demand (capacity means nothing here)."""
    return {
        "TableName": table_name,
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
        **(
            {
                "GlobalSecondaryIndexes": [
                    {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
                    for index in table["GlobalSecondaryIndexes"]
                ]
            }
            if table.get("GlobalSecondaryIndexes")
            else {}
        ),
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
