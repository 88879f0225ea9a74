"""`tap-reviews local` and a table kept in --data-dir: the template's table is created, and an older one
(without the listing indexes) is refused with what to do, since local indexes cannot be added later."""

from __future__ import annotations

import uuid

import boto3
import pytest
from conftest import table_definition_from_template

from tap_reviews.cli import CliError
from tap_reviews.cli.local import _ensure_table


def test_a_table_without_the_listing_indexes_is_refused_and_the_templates_is_used(dynamodb_endpoint, defaults):
    client = boto3.client("dynamodb")
    request = table_definition_from_template(defaults, f"local-{uuid.uuid4().hex[:8]}")
    older = {key: value for key, value in request.items() if key != "LocalSecondaryIndexes"}
    older["AttributeDefinitions"] = [
        a for a in request["AttributeDefinitions"] if not a["AttributeName"].startswith("listed_")
    ]
    older["GlobalSecondaryIndexes"] = [
        index for index in request["GlobalSecondaryIndexes"] if "InRange" not in index["IndexName"]
    ]
    client.create_table(**older)
    with pytest.raises(CliError, match=r"lacks the indexes ByDateInRange0Index, .*ByDateIndex, .*another --data-dir"):
        _ensure_table(request)
    # A table with the local indexes but not the range indexes (the tap-reviews before them) is refused too.
    without_ranges = {**request, "TableName": f"local-{uuid.uuid4().hex[:8]}"}
    without_ranges["GlobalSecondaryIndexes"] = older["GlobalSecondaryIndexes"]
    without_ranges["AttributeDefinitions"] = [
        a for a in request["AttributeDefinitions"] if not a["AttributeName"].startswith("listed_range_")
    ]
    client.create_table(**without_ranges)
    with pytest.raises(CliError, match=r"lacks the indexes ByDateInRange0Index, .*ByHelpfulInRange6Index \("):
        _ensure_table({**request, "TableName": without_ranges["TableName"]})
    fresh = {**request, "TableName": f"local-{uuid.uuid4().hex[:8]}"}
    _ensure_table(fresh)
    _ensure_table(fresh)  # kept from an earlier run: used as it is
    indexes = client.describe_table(TableName=fresh["TableName"])["Table"]["LocalSecondaryIndexes"]
    assert len(indexes) == 5
