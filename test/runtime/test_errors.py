"""The error catalogue is the one list: the handler, the OpenAPI document, the gateway responses and the
README's error table name exactly its codes, no more and no fewer."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from conftest import REPO_ROOT

import tap_reviews
from tap_reviews.function_code.reviews_runtime import errors
from tap_reviews.function_code.reviews_runtime.errors import Error
from tap_reviews.openapi import openapi_document

RUNTIME = Path(errors.__file__).parent
CATALOGUE = {error.code for error in Error}


def readme_codes() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text()
    table = text.split("<!-- errors:begin")[1].split("<!-- errors:end -->")[0]
    return re.findall(r"^\| \d{3} \| `([a-z_]+)` \|", table, flags=re.MULTILINE)


def test_readme_lists_each_catalogue_code_once():
    codes = readme_codes()
    assert sorted(codes) == sorted(CATALOGUE)
    assert len(codes) == len(set(codes))


def openapi_codes(document: dict) -> tuple[set[str], dict[tuple[str, str], set[str]]]:
    """The Error schema's codes, and the codes each operation's responses name, by (status, operationId)."""
    enum = set(document["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    by_response = {}
    for operation in (op for path in document["paths"].values() for op in path.values()):
        for status, response in operation["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            for part in schema.get("allOf", []):
                if "properties" in part:
                    by_response[(status, operation["operationId"])] = set(part["properties"]["error"]["enum"])
    return enum, by_response


def test_openapi_names_exactly_the_catalogue_codes_with_their_statuses():
    shipped = json.loads((Path(tap_reviews.__file__).parent / "openapi.json").read_text())
    for document in (openapi_document(), shipped):
        enum, by_response = openapi_codes(document)
        assert enum == CATALOGUE
        for (status, _), codes in by_response.items():
            assert codes <= CATALOGUE
            assert {Error[code.upper()].status for code in codes} == {int(status)}
        routed = {error.code for error in Error if error.routes}
        assert set().union(*by_response.values()) == routed


def referenced_catalogue_entries(path: Path) -> set[str]:
    return {
        node.attr
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Error"
    }


def test_every_catalogue_entry_is_answered_by_the_runtime_or_by_api_gateway(defaults):
    used = set().union(
        *(referenced_catalogue_entries(path) for path in RUNTIME.glob("*.py") if path != Path(errors.__file__))
    )
    answered_by_the_gateway = {error.name for error in Error if error.gateway_responses}
    assert used | answered_by_the_gateway == {error.name for error in Error}
    # ApiError takes a catalogue entry, never a free status or code.
    for path in RUNTIME.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ApiError":
                first = node.args[0]
                assert isinstance(first, ast.Attribute) and getattr(first.value, "id", None) == "Error", path
    # The template's gateway responses are exactly the catalogue's, each answering its entry's code.
    templates = {
        r["Properties"]["ResponseType"]: r["Properties"]["ResponseTemplates"]["application/json"]
        for r in defaults.find_resources("AWS::ApiGateway::GatewayResponse").values()
    }
    expected = {response_type: error.code for error in Error for response_type in error.gateway_responses}
    assert {
        t: json.loads(body.replace("$context.error.messageString", '"m"'))["error"] for t, body in templates.items()
    } == expected
