"""`tap-reviews local` as HTTP/1.1 clients meet it: chunked bodies, `Expect: 100-continue`, pipelined and
kept-alive requests, HEAD, and paths as API Gateway matches them. Two real clients (httpx and curl) and
raw sockets (for what clients do not let you send on purpose); h11 parses the raw replies.

Every reply must be the one API Gateway would give, and a connection must never fall out of step: after
each odd request, the next request on the same connection is answered correctly.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import h11
import httpx
import pytest
from local_server import start_server, synthesize_example

from tap_reviews import cloud_assembly
from tap_reviews.local import api as local_api
from tap_reviews.local.gateway import LocalGateway
from tap_reviews.local.server import IDLE_CONNECTION_TIMEOUT_SECONDS, MAX_PAYLOAD_BYTES, GatewayApp

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def assembly(tmp_path_factory) -> Path:
    return synthesize_example(tmp_path_factory.mktemp("example.out"))


@pytest.fixture(scope="module")
def server(assembly, tmp_path_factory):
    running = start_server(
        "--assembly", str(assembly), "--stack", "TapStackdev", "--no-throttle",
        log_dir=tmp_path_factory.mktemp("http-logs"),
    )  # fmt: skip
    yield running
    assert running.stop() == 0


def review(product: str, rating: int = 4) -> dict:
    return {"product_id": product, "reviewer_id": f"r-{uuid.uuid4().hex[:6]}", "rating": rating}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


# --- raw HTTP/1.1 over a socket, parsed by h11 -------------------------------------------------------------


class Raw:
    """One TCP connection: write any bytes, read replies parsed by h11 (informational ones included)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.conn = h11.Connection(h11.CLIENT)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self, method: str = "GET") -> tuple[int, dict[str, str], bytes, list[int]]:
        """The next final reply (status, headers, body) and the informational statuses before it."""
        # h11 matches replies to requests it sent; raw bytes were written by hand, so tell it the method.
        if self.conn.our_state is h11.IDLE:
            self.conn.send(h11.Request(method=method, target="/", headers=[("Host", "local")]))
            self.conn.send(h11.EndOfMessage())
        informational: list[int] = []
        status, headers, body = 0, {}, b""
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(65536))
                continue
            if isinstance(event, h11.InformationalResponse):
                informational.append(event.status_code)
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = {name.decode().lower(): value.decode() for name, value in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
                    self.conn.start_next_cycle()
                return status, headers, body, informational
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("closed before a reply")

    def closed_within(self, seconds: float) -> bool:
        self.sock.settimeout(seconds)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()


def post_head(server, length_header: str, extra: str = "") -> bytes:
    return (
        f"POST /{server.stage}/reviews HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
        f"{length_header}\r\n{extra}\r\n"
    ).encode()


def get_request(server, product: str, head: bool = False) -> bytes:
    method = "HEAD" if head else "GET"
    return f"{method} /{server.stage}/reviews?product_id={product} HTTP/1.1\r\nHost: local\r\n\r\n".encode()


# --- the faults --------------------------------------------------------------------------------------------


def test_a_chunked_post_is_stored_and_the_next_request_on_the_connection_is_answered(server):
    """The reported fault: a chunked POST was refused as invalid and its body then read as the next request."""
    product = unique("p-chunked")
    body = json.dumps(review(product, 5)).encode()
    raw = Raw(server.port)
    try:
        encoded = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in chunks(body, 7)) + b"0\r\n\r\n"
        raw.send(post_head(server, "Transfer-Encoding: chunked") + encoded)
        status, _, created, _ = raw.reply("POST")
        assert status == 201, created
        raw.send(get_request(server, product))
        status, _, listing, _ = raw.reply()
        assert status == 200
        assert [r["review_id"] for r in json.loads(listing)["reviews"]] == [json.loads(created)["review"]["review_id"]]
    finally:
        raw.close()


def test_httpx_streams_a_chunked_body_and_keeps_its_connection(server):
    product = unique("p-httpx")
    body = json.dumps(review(product, 3)).encode()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        # An iterator body has no length: httpx sends it chunked.
        created = client.post("/reviews", content=chunks(body, 5), headers=JSON)
        assert created.request.headers.get("transfer-encoding") == "chunked"
        assert created.status_code == 201, created.text
        listing = client.get("/reviews", params={"product_id": product})
        assert listing.status_code == 200
        assert listing.json()["summary"]["review_count"] == 1
        # A refused body over the same connection is the function's 400, in JSON, and the connection goes on.
        refused = client.post(
            "/reviews", content=chunks(b'{"rating": 9}', 4), headers={"Content-Type": "application/json"}
        )
        assert refused.status_code == 400 and refused.json()["error"] == "validation_failed"
        assert client.get("/reviews", params={"product_id": product}).json()["summary"]["review_count"] == 1


def test_expect_100_continue_gets_a_continue_then_the_answer(server):
    product = unique("p-expect")
    body = json.dumps(review(product)).encode()
    raw = Raw(server.port)
    try:
        raw.send(post_head(server, f"Content-Length: {len(body)}", "Expect: 100-continue\r\n"))
        # The client waits for 100 Continue before sending the body; the server sends it when it reads.
        raw.sock.settimeout(10)
        interim = raw.sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        raw.conn.receive_data(interim)
        raw.send(body)
        status, _, created, informational = raw.reply("POST")
        assert (status, informational) == (201, [100]), created
        raw.send(get_request(server, product))
        assert json.loads(raw.reply()[2])["summary"]["review_count"] == 1
    finally:
        raw.close()


def test_a_body_over_lambdas_payload_limit_is_refused_without_a_continue_and_the_connection_closed(server):
    raw = Raw(server.port)
    try:
        raw.send(post_head(server, f"Content-Length: {MAX_PAYLOAD_BYTES + 1}", "Expect: 100-continue\r\n"))
        status, headers, body, informational = raw.reply("POST")
        assert (status, informational) == (413, [])  # the client never sends the 6 MB
        assert json.loads(body)["error"] == "body_too_large"
        assert headers.get("connection") == "close" and raw.closed_within(5)
    finally:
        raw.close()


def test_a_chunked_body_over_the_limit_is_refused_and_stores_nothing(server):
    product = unique("p-large")
    padding = "x" * (MAX_PAYLOAD_BYTES + 10)
    body = json.dumps({**review(product), "comment": padding}).encode()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        refused = client.post("/reviews", content=chunks(body, 1 << 20), headers=JSON)
        assert refused.status_code == 413 and refused.json()["error"] == "body_too_large"
        assert client.get("/reviews", params={"product_id": product}).json()["summary"]["review_count"] == 0


def test_pipelined_requests_are_answered_in_order(server):
    product = unique("p-pipelined")
    bodies = [json.dumps(review(product, rating)).encode() for rating in (1, 5)]
    raw = Raw(server.port)
    try:
        # Three requests in one write, before any answer: two POSTs (one chunked) and a GET.
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(bodies[1]), bodies[1])
        raw.send(
            post_head(server, f"Content-Length: {len(bodies[0])}") + bodies[0]
            + post_head(server, "Transfer-Encoding: chunked") + chunked
            + get_request(server, product)
        )  # fmt: skip
        first, second = raw.reply("POST"), raw.reply("POST")
        assert (first[0], second[0]) == (201, 201)
        status, _, listing, _ = raw.reply()
        assert status == 200
        assert json.loads(listing)["summary"] == {
            **json.loads(listing)["summary"], "review_count": 2, "average_rating": 3.0
        }  # fmt: skip
    finally:
        raw.close()


def test_head_is_answered_without_a_body_and_the_connection_goes_on(server):
    """The API has no HEAD methods: API Gateway answers 403 (its missing-token answer), without the body."""
    product = unique("p-head")
    raw = Raw(server.port)
    try:
        raw.send(get_request(server, product, head=True))
        status, headers, body, _ = raw.reply("HEAD")
        assert status == 403 and body == b""
        assert int(headers["content-length"]) > 0  # the length the GET-like answer would have
        raw.send(get_request(server, product))
        status, _, listing, _ = raw.reply()
        assert status == 200 and json.loads(listing)["reviews"] == []
    finally:
        raw.close()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        head = client.head("/reviews", params={"product_id": product})
        assert head.status_code == 403 and head.content == b""
        assert client.get("/reviews", params={"product_id": product}).status_code == 200


def test_a_percent_encoded_slash_stays_inside_its_path_segment_as_in_api_gateway(server):
    """API Gateway matches the path as sent (`%2F` does not split a segment), then decodes the parameter."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        encoded = client.get("/reviews/abc%2Fdef")
        assert encoded.status_code == 400 and encoded.json()["error"] == "invalid_review_id"
        assert client.get("/reviews/abc/def").status_code == 403  # two segments: no such resource


def test_an_idle_kept_alive_connection_is_closed_and_a_stalled_body_answered_408_within_the_timeout(server):
    """Both clients wait at once, so the test waits the 10 s once."""
    idle, stalled = Raw(server.port), Raw(server.port)
    try:
        idle.send(get_request(server, unique("p-idle")))
        assert idle.reply()[0] == 200
        stalled.send(post_head(server, "Content-Length: 10") + b"abc")  # 3 of the 10 bytes, then silence
        started = time.monotonic()
        assert idle.closed_within(IDLE_CONNECTION_TIMEOUT_SECONDS + 5)
        status, headers, body, _ = stalled.reply("POST")
        assert status == 408 and headers.get("connection") == "close", body
        assert stalled.closed_within(5)
        assert time.monotonic() - started <= IDLE_CONNECTION_TIMEOUT_SECONDS + 2
    finally:
        idle.close()
        stalled.close()


def test_curl_posts_chunked_and_with_expect_then_reads_back_on_one_connection(server, tmp_path: Path):
    if shutil.which("curl") is None:
        pytest.fail("curl is needed: apt-get install curl (.ci/run installs it)")
    product = unique("p-curl")
    payloads = [tmp_path / "first.json", tmp_path / "second.json"]
    for path, rating in zip(payloads, (2, 4), strict=True):
        path.write_text(json.dumps(review(product, rating)))
    outputs = [tmp_path / f"answer-{n}.json" for n in range(3)]
    url = f"{server.url}/reviews"
    # One curl, three transfers on one kept-alive connection: chunked, Expect: 100-continue, then a GET.
    completed = subprocess.run(
        [
            "curl", "--http1.1", "--silent", "--show-error", "--verbose",
            "-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked",
            "--data-binary", f"@{payloads[0]}", "-o", str(outputs[0]), url,
            "--next", "--http1.1", "-H", "Content-Type: application/json", "-H", "Expect: 100-continue",
            "--data-binary", f"@{payloads[1]}", "-o", str(outputs[1]), url,
            "--next", "--http1.1", "-o", str(outputs[2]), f"{url}?product_id={product}",
        ],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    log = completed.stderr
    assert log.count("< HTTP/1.1 201") == 2 and "< HTTP/1.1 100 Continue" in log, log
    assert log.count("Connected to") == 1, log  # the three transfers shared one connection
    created = [json.loads(path.read_text())["review"]["review_id"] for path in outputs[:2]]
    listing = json.loads(outputs[2].read_text())
    assert sorted(r["review_id"] for r in listing["reviews"]) == sorted(created)
    assert listing["summary"]["review_count"] == 2 and listing["summary"]["average_rating"] == 3.0


def test_a_function_that_fails_is_api_gateways_502_in_the_templates_shape(assembly):
    """The runtime answers its own errors; a crash (or a malformed proxy response) is API Gateway's 502."""

    def crashing(event, context):
        raise RuntimeError("the function crashed")

    api = local_api.read(cloud_assembly.load(assembly, "TapStackdev"))
    logged: list[str] = []
    app = GatewayApp(logged.append)
    app.gateway = LocalGateway(api, crashing, {}, throttle=False)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://local") as client:
            return await client.get(f"/{api.stage_name}/reviews", params={"product_id": "p-1"})

    try:
        answer = asyncio.run(call())
    finally:
        app.close()
    assert answer.status_code == 502
    assert answer.json() == {
        "error": "gateway_error", "message": "Internal server error", "details": ["DEFAULT_5XX"]
    }  # fmt: skip
    assert any("RuntimeError: the function crashed" in line for line in logged)


def test_an_execution_environment_that_dies_is_a_502_and_is_replaced(assembly, tmp_path):
    """A function process that exits mid-request (out of memory, os._exit) is API Gateway's 502, as a crashed
    Lambda runtime is; the next request gets a fresh environment."""
    from tap_reviews.local.environments import FunctionEnvironments

    (tmp_path / "dying.py").write_text(
        "import os\n"
        "def handler(event, context):\n"
        "    if event['queryStringParameters']['product_id'] == 'die':\n"
        "        os._exit(1)\n"
        "    return {'statusCode': 200, 'headers': {}, 'body': '{\"alive\": true}'}\n"
    )
    api = local_api.read(cloud_assembly.load(assembly, "TapStackdev"))
    environments = FunctionEnvironments(tmp_path, "dying.handler", {}, concurrency=1)
    logged: list[str] = []
    app = GatewayApp(logged.append)
    app.gateway = LocalGateway(api, environments, {}, throttle=False)

    async def calls() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://local") as client:
            path = f"/{api.stage_name}/reviews"
            return [await client.get(path, params={"product_id": product}) for product in ("die", "p-1")]

    try:
        died, alive = asyncio.run(calls())
    finally:
        app.close()
        environments.close()
    assert died.status_code == 502 and died.json()["details"] == ["DEFAULT_5XX"]
    assert any("EnvironmentLost" in line for line in logged)
    assert alive.status_code == 200 and alive.json() == {"alive": True}
