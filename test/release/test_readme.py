"""The README's Python examples run as written, in a fresh process, in the order a reader meets them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO_ROOT / "README.md").read_text(), flags=re.DOTALL)


def run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JSII_DEPRECATED": "fail", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_readmes_python_examples_run(tmp_path: Path) -> None:
    quickstart, with_props, cost = python_blocks()
    # The quickstart is a whole app; the CDK CLI would give it an output folder, here cdk.out.
    result = run(quickstart.replace("cdk.App()", 'cdk.App(outdir="cdk.out")'), tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cdk.out" / "Shop.template.json").exists()
    # The props example continues a stack of the reader's.
    result = run(f'import aws_cdk as cdk\nstack = cdk.Stack(cdk.App(), "Props")\n{with_props}', tmp_path)
    assert result.returncode == 0, result.stderr
    # The cost example reads the quickstart's assembly.
    result = run(cost, tmp_path)
    assert result.returncode == 0, result.stderr
    total, cheaper = result.stdout.split()
    assert float(total) > 0 and cheaper == "on-demand"
