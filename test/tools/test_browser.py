"""CORS as a browser enforces it: headless Chromium (Debian's, driven by Playwright) on a shop's page calls
`tap-reviews local` on another origin, and reads every answer, the function's and API Gateway's own."""

from __future__ import annotations

import http.server
import os
import shutil
import socketserver
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from local_server import start_server

from tap_reviews import cloud_assembly
from tap_reviews.local.dynamodb_local import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: What a sandboxed machine needs: no GPU, no sandbox as root, and none of Chromium's calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_PORT, OTHER_PAGE_PORT = free_port(), free_port()
#: The shop's page and another site, both on this machine; the API is on 127.0.0.1, another origin.
SHOP = f"http://localhost:{PAGE_PORT}"
ELSEWHERE = f"http://localhost:{OTHER_PAGE_PORT}"

APP = f"""
import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from tap_reviews import ProductReviewsApi

app = cdk.App()
stack = cdk.Stack(app, "BrowserShop")
ProductReviewsApi(
    stack,
    "Reviews",
    environment_suffix="browser",
    cors_allow_origins=["{SHOP}"],
    throttle=apigateway.ThrottleSettings(rate_limit=1, burst_limit=1),
)
app.synth()
"""

#: Run in the page: one fetch, and what a script there can read of its answer (or the error it got).
FETCH = """async ({url, method, body, headers}) => {
  try {
    const response = await fetch(url, {method, body, headers});
    return {status: response.status, body: await response.text(), retryAfter: response.headers.get("Retry-After")};
  } catch (error) {
    return {error: String(error)};
  }
}"""

#: Run in the page: the same GET several times at once, as a page that loads many widgets would.
FETCH_AT_ONCE = """async ({url, times}) => Promise.all(Array.from({length: times}, async () => {
  const response = await fetch(url);
  return {status: response.status, body: await response.text(), retryAfter: response.headers.get("Retry-After")};
}))"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"<!doctype html><title>shop</title><h1>A product page</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def pages() -> Iterator[None]:
    servers = [socketserver.ThreadingTCPServer(("127.0.0.1", port), _Page) for port in (PAGE_PORT, OTHER_PAGE_PORT)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-app")
    (folder / "app.py").write_text(APP)
    assembly = cloud_assembly.synthesize(f"{sys.executable} {folder / 'app.py'}", folder / "cdk.out")
    running = start_server("--assembly", str(assembly), log_dir=folder / "logs")
    yield running.url
    assert running.stop() == 0


@pytest.fixture(scope="module")
def browser(pages) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is needed: apt-get install chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def fetch_from(browser: Any, origin: str, url: str, method: str = "GET", body: str | None = None, **headers: str):
    page = browser.new_page()
    try:
        page.goto(origin + "/")
        return page.evaluate(FETCH, {"url": url, "method": method, "body": body, "headers": headers})
    finally:
        page.close()


def test_the_shops_page_posts_with_a_preflight_and_reads_the_listing(browser, api):
    import json

    review = json.dumps({"product_id": "p-browser", "reviewer_id": "r-1", "rating": 5, "comment": "from a page"})
    # JSON and an Idempotency-Key make this a preflighted request; the preflight is answered as configured.
    created = fetch_from(
        browser, SHOP, f"{api}/reviews", "POST", review,
        **{"Content-Type": "application/json", "Idempotency-Key": "browser-test-key-000001"},
    )  # fmt: skip
    assert created.get("status") == 201, created
    listing = fetch_from(browser, SHOP, f"{api}/reviews?product_id=p-browser")
    assert listing["status"] == 200
    assert [r["comment"] for r in json.loads(listing["body"])["reviews"]] == ["from a page"]


def test_the_shops_page_reads_api_gateways_own_answers_and_the_functions_errors(browser, api):
    import json

    unknown = fetch_from(browser, SHOP, f"{api}/nowhere")
    assert unknown.get("status") == 403, unknown  # a browser reads it: not "TypeError: Failed to fetch"
    assert json.loads(unknown["body"])["error"] == "missing_authentication_token"
    invalid = fetch_from(
        browser, SHOP, f"{api}/reviews", "POST", '{"product_id": "p-browser", "rating": 9}',
        **{"Content-Type": "application/json"},
    )  # fmt: skip
    assert invalid["status"] == 400
    assert json.loads(invalid["body"])["details"] == ["reviewer_id: required", "rating: at most 5"]
    # The stage allows 1 request a second, burst 1, per method. Five GETs sent at once from one page arrive
    # within well under the 4 s it takes to refill enough tokens for all of them, even on a busy machine (two
    # sequential page loads once took over a second in CI), so some are throttled, and the page can read
    # that, and when to retry.
    page = browser.new_page()
    try:
        page.goto(SHOP + "/")
        statuses = page.evaluate(FETCH_AT_ONCE, {"url": f"{api}/reviews?product_id=p-1", "times": 5})
    finally:
        page.close()
    throttled = [answer for answer in statuses if answer.get("status") == 429]
    assert throttled, statuses
    assert json.loads(throttled[0]["body"])["error"] == "throttled" and throttled[0]["retryAfter"] == "1"


def test_a_page_on_an_origin_that_is_not_listed_is_blocked_by_the_browser(browser, api):
    blocked = fetch_from(
        browser, ELSEWHERE, f"{api}/reviews", "POST", '{"product_id": "p-x", "reviewer_id": "r", "rating": 1}',
        **{"Content-Type": "application/json"},
    )  # fmt: skip
    assert blocked == {"error": "TypeError: Failed to fetch"}
