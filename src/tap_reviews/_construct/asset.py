"""The functions' code asset: the runtime package as the wheel ships it, without docstrings and comments.

Docstrings and comments are for people reading the source (in the wheel, on GitHub); the function never
reads them. They are blanked, not deleted: every line stays where it was, so a traceback from the deployed
function points at the same line numbers as the source. It halves the zipped asset (benchmark 5) and the
interpreter parses less at a cold start. The blanking happens at synth, in the app's own Python (CDK's
local bundling); nothing else changes, and a file that would not compile afterwards stops the synth.
"""

from __future__ import annotations

import ast
import io
import shutil
import tokenize
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

#: The asset root shipped as the functions' code: the runtime package and nothing else.
FUNCTION_CODE_DIR = Path(__file__).parent.parent / "function_code"
#: Files that may appear beside the runtime on a developer's machine but must never be deployed.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]


def _docstrings(tree: ast.AST) -> list[ast.Expr]:
    """The docstring statements of the module, its classes and its functions."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.append(first)
    return found


def blank_docs(source: str) -> str:
    """``source`` with each docstring replaced by ``""`` and each comment removed, on the same lines.

    Raises:
        SyntaxError: the result would not compile (it always does for source that compiles).
    """
    lines = source.splitlines(keepends=True)
    # (line index, start column, end line index, end column, replacement), applied from the end.
    edits: list[tuple[int, int, int, int, str]] = []
    for statement in _docstrings(ast.parse(source)):
        assert statement.end_lineno is not None and statement.end_col_offset is not None
        edits.append(
            (statement.lineno - 1, statement.col_offset, statement.end_lineno - 1, statement.end_col_offset, '""')
        )
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            (row, column), (end_row, end_column) = token.start, token.end
            edits.append((row - 1, column, end_row - 1, end_column, ""))
    for row, column, end_row, end_column, replacement in sorted(edits, reverse=True):
        first, last = lines[row], lines[end_row]
        ending = "\n" if last.endswith("\n") else ""
        tail = last[end_column:].rstrip("\n")
        head = first[:column]
        merged = (head + replacement + tail).rstrip() if not replacement else head + replacement + tail
        # The lines the replaced text spanned stay, empty, so every later line keeps its number.
        lines[row : end_row + 1] = [merged + ending] + ["\n"] * (end_row - row)
    result = "".join(lines)
    compile(result, "<asset>", "exec")
    if result.count("\n") != source.count("\n"):
        raise SyntaxError("blanking docstrings moved lines")
    return result


@jsii.implements(ILocalBundling)
class _BlankDocs:
    """CDK local bundling: copy the runtime into the asset with its docstrings and comments blanked."""

    def try_bundle(self, output_dir: str, options: Any) -> bool:  # noqa: ARG002 - CDK passes the options
        out = Path(output_dir)
        for path in sorted(FUNCTION_CODE_DIR.rglob("*")):
            relative = path.relative_to(FUNCTION_CODE_DIR)
            if any(part in ("__pycache__", ".mypy_cache", ".pytest_cache") for part in relative.parts):
                continue
            if path.is_dir() or path.suffix == ".pyc":
                continue
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".py":
                target.write_text(blank_docs(path.read_text(encoding="utf-8")), encoding="utf-8")
            else:
                shutil.copyfile(path, target)
        return True


def runtime_code() -> lambda_.Code:
    """The runtime package as the functions' code (the same asset for every function of the construct)."""
    return lambda_.Code.from_asset(
        str(FUNCTION_CODE_DIR),
        exclude=ASSET_EXCLUDES,
        # Local bundling always succeeds, so the image is never pulled; CDK requires one to be named.
        bundling=BundlingOptions(
            image=DockerImage.from_registry("public.ecr.aws/docker/library/python:3.14"),
            # jsii hands the options to try_bundle as one positional struct (its signature has no
            # keyword-only parameters), which the generated protocol cannot express.
            local=cast(ILocalBundling, _BlankDocs()),
        ),
    )
