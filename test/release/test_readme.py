"""The README's Python examples run as written, in a fresh process, in the order a reader meets them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REPO_ROOT


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO_ROOT / "README.md").read_text(), flags=re.DOTALL)


def run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JSII_DEPRECATED": "fail", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_readmes_python_examples_run(tmp_path: Path) -> None:
    assert len(python_blocks()) == 4, "a new Python example in the README: run it here too"
    quickstart, with_props, custom_domain, cost = python_blocks()
    # The quickstart is a whole app; the CDK CLI would give it an output folder, here cdk.out.
    result = run(quickstart.replace("cdk.App()", 'cdk.App(outdir="cdk.out")'), tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cdk.out" / "Shop.template.json").exists()
    # The props example continues a stack of the reader's, and the custom domain continues that.
    app = 'import aws_cdk as cdk\napp = cdk.App(outdir="props.out")\nstack = cdk.Stack(app, "Props")\n'
    result = run(f"{app}{with_props}\n{custom_domain}\napp.synth()", tmp_path)
    assert result.returncode == 0, result.stderr
    template = (tmp_path / "props.out" / "Props.template.json").read_text()
    assert '"AWS::ApiGateway::DomainName"' in template and '"reviews.shop.example.com"' in template
    assert '"AWS::ApiGateway::BasePathMapping"' in template
    # The cost example reads the quickstart's assembly.
    result = run(cost, tmp_path)
    assert result.returncode == 0, result.stderr
    total, cheaper = result.stdout.split()
    assert float(total) > 0 and cheaper == "on-demand"


def markdown_links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_every_in_page_link_of_api_md_resolves_on_github() -> None:
    api = (REPO_ROOT / "API.md").read_text()
    anchors = github_anchors(api)
    in_page = [link[1:] for link in markdown_links(api) if link.startswith("#")]
    assert in_page, "API.md links its members"
    assert [anchor for anchor in in_page if anchor not in anchors] == []
    assert all(link.startswith(("#", "https://")) for link in markdown_links(api))


def test_the_readme_links_nothing_that_breaks_on_pypi() -> None:
    """PyPI shows the README without the repository beside it: links to files must be absolute."""
    readme = (REPO_ROOT / "README.md").read_text()
    relative = [link for link in markdown_links(readme) if not link.startswith(("https://", "http://", "#"))]
    assert relative == []
    repository = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    for link in markdown_links(readme):
        if link.startswith("https://github.com/"):
            assert link.startswith(repository), link
    assert "uuidgen" not in readme  # stock Debian lacks it, and curl then sends no Idempotency-Key at all
