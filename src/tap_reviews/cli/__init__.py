"""The ``tap-reviews`` command, one module per subcommand: ``local`` serves a synthesized ProductReviewsApi on
this machine; ``cost`` prices one. A problem the user can fix is one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_USAGE = 2
#: What a shell reports for a process ended by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def add_assembly_options(parser: argparse.ArgumentParser) -> None:
    """``--app`` or ``--assembly``, and ``--stack``: which synthesized stack to read."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--app", help='a CDK app command to synthesize first, e.g. "python app.py"')
    source.add_argument("--assembly", type=Path, help="a synthesized cloud assembly directory (default: cdk.out)")
    parser.add_argument("--stack", help="the stack to read (default: the only one with a ProductReviewsApi)")


def _parser() -> argparse.ArgumentParser:
    from . import cost, local

    parser = argparse.ArgumentParser(prog="tap-reviews", description="Tools for the tap-reviews construct library.")
    parser.add_argument("--version", action="version", version=f"tap-reviews {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    local.add_parser(commands)
    cost.add_parser(commands)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tap-reviews")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CliError as error:
        print(f"tap-reviews: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl-C before a command installed its own handling (while synthesizing, say)
        print("tap-reviews: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
