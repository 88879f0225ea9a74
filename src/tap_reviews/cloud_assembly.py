"""A synthesized cloud assembly, read: the stack that holds a ProductReviewsApi, and its resources.

What the tools share (``tap-reviews local`` serves the stack, ``tap-reviews cost`` prices it): running a
CDK app the way the CDK CLI does, finding the stack, and reading its template. Nothing is configured
twice: every tool takes what it needs from the template. Imports nothing from aws_cdk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .function_code.reviews_runtime import contract


class AssemblyError(RuntimeError):
    """The assembly cannot be used; the message says why and what to do."""


def ref(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` points at, or None for anything else."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


@dataclass(frozen=True)
class ReviewsStack:
    """One stack's template, with the ProductReviewsApi's function found in it."""

    name: str
    assembly_dir: Path
    template: dict[str, Any]
    #: Logical id of the function whose handler is the reviews runtime's.
    function_id: str

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The properties of every resource of ``resource_type``, by logical id."""
        return {
            logical_id: resource.get("Properties", {})
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == resource_type
        }

    @property
    def function(self) -> dict[str, Any]:
        """The reviews function's properties."""
        properties: dict[str, Any] = self.resources[self.function_id]["Properties"]
        return properties

    @property
    def table_id(self) -> str:
        """Logical id of the table the function's ``TABLE_NAME`` names."""
        table_id = ref(self.function.get("Environment", {}).get("Variables", {}).get(contract.ENV_TABLE_NAME))
        if table_id is None or table_id not in self.resources:
            raise AssemblyError(f"the function {self.function_id} names no table in {contract.ENV_TABLE_NAME}.")
        return table_id

    def literal(self, value: Any, what: str) -> Any:
        """``value`` if the template holds it as a literal; AssemblyError if it is resolved only at deploy time."""
        if isinstance(value, (dict, list)):
            raise AssemblyError(
                f"{what} of stack {self.name!r} is resolved only at deploy time ({json.dumps(value)[:80]}): "
                "synthesize with a literal value to use this tool."
            )
        return value


def _reviews_functions(template: dict[str, Any]) -> list[str]:
    return [
        logical_id
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == "AWS::Lambda::Function"
        and resource.get("Properties", {}).get("Handler") == contract.HANDLER
    ]


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


def load(assembly_dir: Path, stack: str | None) -> ReviewsStack:
    """The stack named ``stack``, or the only stack that holds a ProductReviewsApi; AssemblyError otherwise."""
    stacks = stacks_in(assembly_dir)
    templates = {
        name: json.loads((assembly_dir / artifact["properties"]["templateFile"]).read_text())
        for name, artifact in stacks.items()
    }
    if stack is not None:
        if stack not in stacks:
            raise AssemblyError(f"no stack {stack!r} in the assembly; it has: {', '.join(sorted(stacks)) or 'none'}.")
        name = stack
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
        (name,) = candidates
    functions = _reviews_functions(templates[name])
    if not functions:
        raise AssemblyError(f"stack {name!r} holds no ProductReviewsApi (no function with handler {contract.HANDLER}).")
    if len(functions) > 1:
        raise AssemblyError(f"stack {name!r} holds {len(functions)} ProductReviewsApi; one at a time is supported.")
    return ReviewsStack(name=name, assembly_dir=assembly_dir, template=templates[name], function_id=functions[0])


def synthesize(app_command: str, outdir: Path) -> Path:
    """Run a CDK app the way the CDK CLI does (``CDK_OUTDIR``) and return its cloud assembly directory."""
    result = subprocess.run(
        app_command, shell=True, env={**os.environ, "CDK_OUTDIR": str(outdir)}, capture_output=True, text=True
    )
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise AssemblyError(f"`{app_command}` failed with exit code {result.returncode}: {last_line}")
    if not (outdir / "manifest.json").exists():
        raise AssemblyError(f"`{app_command}` wrote no cloud assembly: does it call app.synth()?")
    return outdir


@contextmanager
def assembly_from(app: str | None, assembly: Path | None) -> Iterator[Path]:
    """The assembly to read: ``app`` synthesized into a temporary folder (removed afterwards), else
    ``assembly``, else ``cdk.out``."""
    if app is None:
        yield assembly or Path("cdk.out")
        return
    outdir = Path(tempfile.mkdtemp(prefix="tap-reviews-"))
    try:
        yield synthesize(app, outdir)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
