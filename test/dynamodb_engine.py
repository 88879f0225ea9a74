"""DynamoDB Local for the tests: the library's starter, pointed at the npm package pinned in test/dynamodb_local."""

from __future__ import annotations

from pathlib import Path

from tap_reviews.local import dynamodb_local
from tap_reviews.local.dynamodb_local import DynamoDBLocal, EngineUnavailable

NPM_DIR = Path(__file__).resolve().parent / "dynamodb_local"

__all__ = ["DynamoDBLocal", "EngineUnavailable", "NPM_DIR", "start"]


def start() -> DynamoDBLocal:
    """An in-memory DynamoDB Local on a free loopback port (`uv run projen test` installs the package)."""
    return dynamodb_local.start(search=dynamodb_local.npm_package_dirs(NPM_DIR))
