"""Full synthesized templates, so any change to the infrastructure shows up in review.

Asset hashes are replaced by a placeholder: they change with every edit of the runtime code, which
test_function_asset.py checks on its own. Update with ``pytest --snapshot-update`` only on purpose.
"""

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalized(template: dict) -> dict:
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("variant", ["Defaults", "EveryPropCustomized", "OnDemand", "UnnamedTwice"])
def test_template_matches_snapshot(synthesized, json_snapshot, variant):
    assert normalized(synthesized.template(variant).to_json()) == json_snapshot


def test_normalization_hides_only_asset_hashes(synthesized):
    template = json.dumps(synthesized.template("Defaults").to_json())
    hashes = set(ASSET_HASH.findall(template))
    assert len(hashes) == 1, "one asset (the function code) in the default template"
    assert f"{hashes.pop()}.zip" in template
