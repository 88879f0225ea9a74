"""Versioning from conventional commits (scripts/release.py, `uv run projen bump`)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO_ROOT

spec = importlib.util.spec_from_file_location("release", REPO_ROOT / "scripts" / "release.py")
release = importlib.util.module_from_spec(spec)
sys.modules["release"] = release  # dataclasses look their module up
spec.loader.exec_module(release)


def commits(*messages: str):
    return [c for c in map(release.parse, messages) if c]


@pytest.mark.parametrize(
    ("current", "messages", "expected"),
    [
        ("0.1.0", ["fix: a", "docs: b"], "0.1.1"),
        ("0.1.0", ["fix: a", "feat(api): b"], "0.2.0"),
        ("0.1.0", ["feat!: drop a prop"], "0.2.0"),  # 0.x: breaking is a minor
        ("1.4.2", ["fix: a\n\nBREAKING CHANGE: the table key changed"], "2.0.0"),
        ("1.4.2", ["perf: faster"], "1.4.3"),
        ("1.4.2", ["docs: only", "Tidy things", "chore: deps"], None),
    ],
)
def test_next_version_follows_the_commits(current, messages, expected):
    assert release.next_version(current, commits(*messages)) == expected


def test_bump_writes_the_version_and_the_changelog_since_the_last_tag(tmp_path: Path):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    (tmp_path / ".projenrc.py").write_text('VERSION = "0.1.0"\n')
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\nNewest first.\n\n## 0.1.0 (2026-11-01)\n\n- first\n")
    git("add", ".")
    git("commit", "-qm", "feat: before the tag")
    git("tag", "v0.1.0")
    for message in ("fix(local): a crash", "feat: a prop", "chore: tidy"):
        git("commit", "-q", "--allow-empty", "-m", message)

    assert release.bump(tmp_path, synthesize=False, on=date(2026, 11, 22)) == "0.2.0"
    assert (tmp_path / ".projenrc.py").read_text() == 'VERSION = "0.2.0"\n'
    assert (tmp_path / "CHANGELOG.md").read_text() == (
        "# Changelog\n\nNewest first.\n\n## 0.2.0 (2026-11-22)\n\n### Features\n\n- a prop\n\n### Fixes\n\n"
        "- **local:** a crash\n\n"
        "## 0.1.0 (2026-11-01)\n\n- first\n"
    )


def test_the_release_workflow_tests_then_publishes_a_tag_by_trusted_publishing():
    import yaml

    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "release.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers == {"push": {"tags": ["v*.*.*"]}}
    test, publish = workflow["jobs"]["test"], workflow["jobs"]["publish"]
    assert [step["run"] for step in test["steps"] if "run" in step][-1] == "bash .ci/run"
    assert publish["needs"] == "test" and publish["environment"] == "pypi"
    assert publish["permissions"] == {"contents": "read", "id-token": "write"}  # OIDC, no stored token
    runs = [step.get("run", "") for step in publish["steps"]]
    # The build step runs exactly what the projen package task runs (not an unpinned uv run projen).
    tasks = json.loads((REPO_ROOT / ".projen" / "tasks.json").read_text())["tasks"]
    (package_step,) = tasks["package"]["steps"]
    assert package_step["exec"] in runs
    assert any("tap-reviews.invalid" in run for run in runs)  # placeholder metadata blocks publishing
    assert publish["steps"][-1]["uses"] == "pypa/gh-action-pypi-publish@release/v1"
