"""`tap-reviews local` runs the function as Lambda does: each concurrent request in an execution environment
of its own (a worker process), kept warm, replaced when it dies, untouched by the terminal's Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tap_reviews.local.environments import EnvironmentLost, FunctionEnvironments
from tap_reviews.local.gateway import LambdaContext

#: A function whose answers show where and how it ran.
HANDLER = """
import os, time

calls = 0  # module state: per execution environment, as in Lambda

def handler(event, context):
    global calls
    calls += 1
    if event.get("exit"):
        os._exit(3)
    if event.get("raise"):
        raise LookupError("the handler failed")
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "calls": calls, "remaining_ms": context.get_remaining_time_in_millis(),
            "colour": os.environ.get("COLOUR"), "request_id": context.aws_request_id}
"""


@pytest.fixture(scope="module")
def asset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("asset")
    (folder / "function.py").write_text(HANDLER)
    return folder


@pytest.fixture(scope="module")
def environments(asset):
    started = FunctionEnvironments(asset, "function.handler", {"COLOUR": "teal"}, concurrency=2)
    started.start()
    yield started
    started.close()


def context(seconds: float = 28) -> LambdaContext:
    return LambdaContext(aws_request_id="req-1", ends_at=time.monotonic() + seconds)


def test_concurrent_requests_run_at_once_in_environments_of_their_own(environments):
    with ThreadPoolExecutor(2) as clients:
        started = time.monotonic()
        answers = list(clients.map(lambda _: environments({"sleep": 1.0}, context()), range(2)))
        elapsed = time.monotonic() - started
    assert len({answer["pid"] for answer in answers}) == 2 and os.getpid() not in {a["pid"] for a in answers}
    assert elapsed < 1.9  # in parallel: two 1 s calls, not one after the other
    assert {answer["colour"] for answer in answers} == {"teal"}  # the function's environment variables
    assert all(answer["request_id"] == "req-1" for answer in answers)


def test_an_environment_stays_warm_and_the_context_tells_the_time_left(environments):
    first, second = environments({}, context(10)), environments({}, context(10))
    # Both environments together have served more calls: module state lives on between requests.
    assert max(first["calls"], second["calls"]) >= 2
    assert 9_000 < second["remaining_ms"] <= 10_000


def test_a_handlers_exception_comes_back_as_itself_with_the_workers_traceback(environments):
    with pytest.raises(LookupError, match="the handler failed") as raised:
        environments({"raise": True}, context())
    assert 'raise LookupError("the handler failed")' in str(raised.value.__cause__)


def test_an_environment_that_dies_is_replaced(environments):
    with pytest.raises(EnvironmentLost):
        environments({"exit": True}, context())
    assert environments({}, context())["calls"] == 1  # a fresh environment answers the next request


def test_ctrl_c_in_the_terminal_does_not_reach_a_request_in_flight(environments):
    with ThreadPoolExecutor(2) as clients:
        pids = {answer["pid"] for answer in clients.map(lambda _: environments({"sleep": 0.3}, context()), range(2))}
        in_flight = clients.submit(environments, {"sleep": 1.0}, context())
        time.sleep(0.3)
        for pid in pids:  # the terminal signals the whole process group: every environment gets it
            os.kill(pid, signal.SIGINT)
        assert in_flight.result(timeout=10)["pid"] in pids
    assert environments({}, context())["pid"] in pids  # and both are still there


def test_environments_exit_when_the_server_is_killed(asset, tmp_path):
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from tap_reviews.local.environments import FunctionEnvironments
        from tap_reviews.local.gateway import LambdaContext

        environments = FunctionEnvironments({str(asset)!r}, "function.handler", {{}}, concurrency=2)
        environments.start()
        print(environments({{}}, LambdaContext("r", time.monotonic() + 5))["pid"], flush=True)
        os._exit(9)  # as a second Ctrl-C or kill -9 ends the server: nothing is shut down
        """
    )
    server = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert server.returncode == 9, server.stderr
    worker = int(server.stdout.split()[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{worker}").exists():
        time.sleep(0.1)
    assert not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]


def test_concurrency_below_one_is_refused(asset):
    with pytest.raises(ValueError, match="at least 1"):
        FunctionEnvironments(asset, "function.handler", {}, concurrency=0)


def test_closing_without_waiting_returns_while_a_request_is_in_flight(asset):
    """A second Ctrl-C: the server stops at once, not after the function's slowest request."""
    environments = FunctionEnvironments(asset, "function.handler", {}, concurrency=1)
    environments.start()
    with ThreadPoolExecutor(1) as client:
        client.submit(environments, {"sleep": 2}, context())
        time.sleep(0.3)
        started = time.monotonic()
        environments.close(wait=False)
        assert time.monotonic() - started < 1
