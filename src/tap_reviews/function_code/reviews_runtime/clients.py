"""AWS clients, created once per process on first use (a cold start pays for each at most once).

They are botocore's clients, made from one botocore session: the same clients ``boto3.client()`` returns
(boto3 only adds its name to the User-Agent), without importing the ``boto3`` package, whose import also
loads s3transfer and the resource layer. Measured by the cold-start benchmark on the 2-core development
machine (2026-11-30, 12 interleaved fresh processes each), the same import, client and two calls take a
median of 194.8 ms this way against 228.7 ms through ``boto3.client()``.

Their one difference from botocore's defaults: DynamoDB's item reads (``_PlainItemsParser``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

# Imported at load (Lambda's init phase), not inside the first request: every stored or listed review needs it.
import botocore.session
from botocore.config import Config
from botocore.parsers import JSONParser, ResponseParserFactory

from . import deadline

#: Three attempts in all, 1 s to connect, 3 s to read (DynamoDB answers in milliseconds): a call that
#: cannot succeed fails within ~15 s, backoff included, and the client gets a 503. No attempt starts that
#: could outlast the function's timeout (``deadline``).
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=deadline.CONNECT_TIMEOUT_SECONDS,
    read_timeout=deadline.READ_TIMEOUT_SECONDS,
)

#: DynamoDB's outputs that carry items: their body, as JSON, is already what botocore's parser makes of it.
PLAIN_JSON_OUTPUTS = frozenset({"QueryOutput", "GetItemOutput", "BatchGetItemOutput"})
#: A binary attribute value (``{"B": "<base64>"}`` or ``"BS"``), which botocore decodes to bytes; the runtime
#: stores none, but a body that may hold one goes to botocore's parser (a false alarm would cost time,
#: never a difference).
_BINARY = re.compile(rb'"BS?"\s*:')


class _PlainItemsParser(JSONParser):
    """botocore's parser for the "json" protocol, except for a successful ``PLAIN_JSON_OUTPUTS`` body without
    binary values: that is ``json.loads`` of the body as it is.

    botocore walks every attribute value of every item through the service model to give back the same
    dicts, strings and numbers (it only decodes binary values, which the runtime never stores): on the
    development machine, 518 us for a product page of 11 items against 48 us for ``json.loads`` of its
    8.4 KB body. Errors, other outputs (and services) and the response metadata are botocore's own work.
    ``test/runtime/test_conversions.py`` holds the two to the same answers.
    """

    def _handle_json_body(self, raw_body: Any, shape: Any) -> Any:
        if shape is not None and shape.name in PLAIN_JSON_OUTPUTS and raw_body and not _BINARY.search(raw_body):
            try:
                return json.loads(raw_body)
            except ValueError:  # a damaged body: botocore's parser reads it as {} and its checksum check retries
                pass
        return super()._handle_json_body(raw_body, shape)  # type: ignore[misc] # not in the botocore stubs


class _ParserFactory(ResponseParserFactory):
    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return _PlainItemsParser()
        return super().create_parser(protocol_name)


_clients: dict[str, Any] = {}
_session: Any = None


def client(service: Literal["dynamodb", "ssm", "events"]) -> Any:
    """The shared client for ``service`` (``CLIENT_CONFIG``, the request's time budget), created on first use."""
    global _session  # noqa: PLW0603 - one session per process, like boto3's default session
    if service not in _clients:
        if _session is None:
            session = botocore.session.get_session()
            session.register_component("response_parser_factory", _ParserFactory())
            _session = session  # shared only once it parses item reads as plain JSON
        created = _session.create_client(service, config=CLIENT_CONFIG)
        deadline.watch(created)
        _clients[service] = created  # shared only once its budget checks are in place
    return _clients[service]
