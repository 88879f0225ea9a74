"""Versioning from conventional commits: `uv run projen bump` (this script) raises VERSION in .projenrc.py,
re-synthesizes pyproject.toml and writes the new section of CHANGELOG.md.

Commit subjects follow Conventional Commits (https://www.conventionalcommits.org): `feat: ...` is a minor
release, `fix: ...` / `perf: ...` a patch, `!` after the type (or `BREAKING CHANGE:` in the body) a major
one -- a minor one while the version is 0.x. Other subjects do not release anything on their own.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVENTIONAL = re.compile(r"(?P<type>[a-z]+)(\((?P<scope>[^)]*)\))?(?P<breaking>!)?: (?P<subject>.+)")
VERSION_LINE = re.compile(r'^VERSION = "(?P<version>\d+\.\d+\.\d+)"$', re.MULTILINE)
CHANGELOG_TITLE = "# Changelog"
SECTIONS = (("breaking", "Breaking changes"), ("feat", "Features"), ("fix", "Fixes"), ("perf", "Performance"))


@dataclass(frozen=True)
class Commit:
    type: str
    subject: str
    breaking: bool


def parse(message: str) -> Commit | None:
    """The conventional commit in ``message`` (subject line, then body), or None."""
    subject, _, body = message.partition("\n")
    match = CONVENTIONAL.fullmatch(subject.strip())
    if match is None:
        return None
    scope = f"**{match['scope']}:** " if match["scope"] else ""
    breaking = bool(match["breaking"]) or "BREAKING CHANGE:" in body
    return Commit(type=match["type"], subject=scope + match["subject"], breaking=breaking)


def next_version(current: str, commits: list[Commit]) -> str | None:
    """The semantic version after ``commits``, or None when none of them releases anything."""
    major, minor, patch = (int(part) for part in current.split("."))
    if any(commit.breaking for commit in commits):
        return f"{major + 1}.0.0" if major > 0 else f"0.{minor + 1}.0"
    if any(commit.type == "feat" for commit in commits):
        return f"{major}.{minor + 1}.0"
    if any(commit.type in ("fix", "perf") for commit in commits):
        return f"{major}.{minor}.{patch + 1}"
    return None


def changelog_section(version: str, commits: list[Commit], on: date) -> str:
    """The CHANGELOG.md section for ``version``: breaking changes, features, fixes, performance."""
    lines = [f"## {version} ({on.isoformat()})", ""]
    for key, title in SECTIONS:
        entries = [c for c in commits if (c.breaking if key == "breaking" else c.type == key and not c.breaking)]
        if entries:
            lines += [f"### {title}", "", *(f"- {c.subject}" for c in entries), ""]
    return "\n".join(lines)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def commits_since_last_tag(root: Path) -> list[Commit]:
    described = subprocess.run(
        ["git", "describe", "--tags", "--match", "v*", "--abbrev=0"], cwd=root, capture_output=True, text=True
    )
    revisions = f"{described.stdout.strip()}..HEAD" if described.returncode == 0 else "HEAD"
    messages = _git(root, "log", "--format=%B%x00", revisions).split("\x00")
    return [commit for commit in map(parse, (m.strip() for m in messages if m.strip())) if commit]


def bump(root: Path, *, synthesize: bool, on: date) -> str:
    projenrc = root / ".projenrc.py"
    match = VERSION_LINE.search(projenrc.read_text())
    if match is None:
        raise SystemExit('.projenrc.py has no `VERSION = "X.Y.Z"` line')
    commits = commits_since_last_tag(root)
    version = next_version(match["version"], commits)
    if version is None:
        raise SystemExit("nothing to release: no feat, fix, perf or breaking commit since the last tag")
    projenrc.write_text(VERSION_LINE.sub(f'VERSION = "{version}"', projenrc.read_text(), count=1))
    changelog = root / "CHANGELOG.md"
    text = changelog.read_text() if changelog.exists() else f"{CHANGELOG_TITLE}\n"
    # The title and its introduction stay on top; the new section goes before the newest release.
    preamble, marker, releases = text.partition("\n## ")
    section = changelog_section(version, commits, on)
    earlier = f"## {releases}" if marker else ""
    changelog.write_text(f"{preamble.rstrip()}\n\n{section}\n{earlier}".rstrip("\n") + "\n")
    if synthesize:
        subprocess.run(
            [sys.executable, ".projenrc.py"], cwd=root, check=True, env={**os.environ, "PROJEN_DISABLE_POST": "true"}
        )
        # uv.lock records the project's own version: without this, `uv sync --locked` fails the release.
        subprocess.run(["uv", "lock"], cwd=root, check=True, capture_output=True)
    return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["bump"])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--no-synth", action="store_true", help="do not re-run projen (tests)")
    args = parser.parse_args()
    version = bump(args.root, synthesize=not args.no_synth, on=date.today())
    print(
        f"v{version}: review CHANGELOG.md, commit it with .projenrc.py, pyproject.toml and uv.lock as "
        f"`chore(release): v{version}`, tag v{version}, push the tag"
    )


if __name__ == "__main__":
    main()
