"""`tap-reviews local` keeps the promises of the OpenAPI document it serves, under schemathesis.

The example app's TapStackdev runs in the console script (API Gateway emulation -> the real handler ->
DynamoDB Local, in memory). Schemathesis loads the document from the server's ``/openapi.json``, so the
``servers`` entry it advertises must be the stage URL every request goes to, and sends each operation
requests from each of its phases: the document's examples (it has none today), the coverage phase's
boundary values and undeclared-method probes, and a bounded number of fuzzed ones, valid and invalid
alike. Every answer must:

* not be a server error: nothing a client sends earns a 5xx;
* carry a status code the operation documents;
* have the documented content type, a body matching the documented schema for that status, and the
  documented response headers (``Location`` on a 201) in their documented types;
* not be a 429: requests are paced below the stage's 10 requests/s, so a throttled one is a gateway bug.

No check assumes that a schema-valid request must succeed: the document allows ``GET /reviews`` with both
``product_id`` and ``reviewer_id`` or neither (OpenAPI cannot say "exactly one"), and the API rightly
answers 400.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import settings
from local_server import LocalServer, start_server, synthesize_example
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: Fuzzed requests per operation (the coverage phase adds its own fixed set of boundary cases).
MAX_EXAMPLES_PER_OPERATION = 12
#: Below the example stage's throttle (10 requests/s, burst 20), so no request is turned away for rate.
REQUEST_RATE = "8/s"
CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
BOUNDED_AND_REPEATABLE = settings(
    max_examples=MAX_EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None
)


@pytest.fixture(scope="module")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The example app's TapStackdev served in memory; it must shut down cleanly afterwards."""
    assembly = synthesize_example(tmp_path_factory.mktemp("example.out"))
    server = start_server(
        "--assembly",
        str(assembly),
        "--stack",
        "TapStackdev",
        "--in-memory",
        log_dir=tmp_path_factory.mktemp("server-logs"),
    )
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def served_document(local_api: LocalServer) -> schemathesis.BaseSchema:
    """The OpenAPI document as the server serves it, its requests paced to stay under the stage's throttle."""
    # A fresh Config: no schemathesis.toml on the machine changes what this test does.
    document = schemathesis.openapi.from_url(
        f"http://127.0.0.1:{local_api.port}/openapi.json", config=schemathesis.Config()
    )
    # No base_url override: the document's own servers[0] must lead to the stage.
    assert document.get_base_url() == local_api.url
    document.config.update(rate_limit=REQUEST_RATE)
    return document


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32's pytest integration reads ``node._nodeid``, which pytest 9.2 no longer has.

    Giving the node one back (its own id) is all it needs; on a pytest that has it this does nothing.
    """
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


served_api = schemathesis.pytest.from_fixture("served_document")


def assert_answer_is_documented(case: schemathesis.Case) -> None:
    """Send the case to the stage; its answer must pass every conformance check and not be throttled."""
    response = case.call_and_validate(checks=CONFORMANCE_CHECKS)
    assert response.status_code != 429, "throttled although requests are paced below the stage's rate limit"


# The public operations (the moderators' need a signed caller, which tools/test_local.py covers). Writes go
# first, so the listings fuzzed after them have reviews to show (and their schema to meet).
@served_api.include(method="POST", path_regex="^/reviews").parametrize()
@BOUNDED_AND_REPEATABLE
def test_writes_answer_as_documented(case: schemathesis.Case) -> None:
    assert_answer_is_documented(case)


@served_api.include(path_regex="^/(reviews|summaries)").exclude(method="POST").parametrize()
@BOUNDED_AND_REPEATABLE
def test_reads_answer_as_documented(case: schemathesis.Case) -> None:
    assert_answer_is_documented(case)
