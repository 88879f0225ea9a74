"""`tap-reviews local` in a real terminal: Ctrl-C typed into a pseudo-terminal, which signals the whole
foreground process group (not only the Python process, as `send_signal` does)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import socket
import subprocess
import sys
import termios
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from dynamodb_engine import NPM_DIR
from local_server import CLI

from tap_reviews.local.dynamodb_local import free_port

CTRL_C = b"\x03"


@dataclass
class Terminal:
    """A command running with a pseudo-terminal as its controlling terminal, in the foreground."""

    process: subprocess.Popen[bytes]
    master: int
    output: bytes = b""

    def read_until(self, pattern: bytes, timeout: float) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while (match := re.search(pattern, self.output)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} within {timeout} s; output so far:\n{self.text}")
            if select.select([self.master], [], [], min(left, 0.5))[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the other side closed: the process is gone
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"no {pattern!r} before the terminal closed; output:\n{self.text}")
                self.output += chunk
        return match

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout=timeout)
        while select.select([self.master], [], [], 0.2)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.output += chunk
        return code

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace")


def in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> Terminal:
    master, slave = os.openpty()

    def take_the_terminal() -> None:  # in the child, after setsid(): the pty becomes its controlling terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_the_terminal,
    )
    os.close(slave)
    return Terminal(process=process, master=master)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def user_app(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A user's app folder (the example app, DynamoDB Local installed beside it) and the environment to run in."""
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "node_modules").symlink_to(NPM_DIR / "node_modules")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return folder, env


def start(folder: Path, env: dict[str, str], port: int) -> Terminal:
    app = f"{sys.executable} {REPO_ROOT / 'examples' / 'app.py'}"
    terminal = in_terminal(
        [str(CLI), "local", "--app", app, "--stack", "TapStackdev", "--port", str(port)], folder, env
    )
    terminal.read_until(rb"listening on", timeout=120)
    return terminal


def dynamodb_port(terminal: Terminal) -> int:
    return int(terminal.read_until(rb"DynamoDB: http://127\.0\.0\.1:(\d+)", timeout=1).group(1))


def test_one_ctrl_c_in_a_terminal_stops_cleanly_after_the_request_in_flight(user_app):
    folder, env = user_app
    port = free_port()
    terminal = start(folder, env, port)
    engine_port = dynamodb_port(terminal)
    body = json.dumps({"product_id": "p-tty", "reviewer_id": "r-1", "rating": 5}).encode()
    post = urllib.request.Request(
        f"http://127.0.0.1:{port}/prod/reviews", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(post, timeout=30) as response:
        assert response.status == 201
    # A request whose body is still arriving when Ctrl-C is typed finishes, and DynamoDB Local (which the
    # terminal signalled too) must still be there to store it.
    in_flight = socket.create_connection(("127.0.0.1", port))
    head = (
        "POST /prod/reviews HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    in_flight.sendall(head.encode() + body[:10])
    time.sleep(0.5)
    terminal.type(CTRL_C)
    terminal.read_until(rb"shutting down", timeout=10)
    time.sleep(1)
    in_flight.sendall(body[10:])
    answer = in_flight.makefile("rb").readline()
    in_flight.close()
    assert answer.startswith(b"HTTP/1.1 201"), answer
    assert terminal.wait(timeout=30) == 0, terminal.text
    assert "stopped" in terminal.text
    assert "Traceback" not in terminal.text and "Error" not in terminal.text, terminal.text
    assert not listening(engine_port)  # DynamoDB Local was stopped, not orphaned
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # the synthesized assembly was removed


def test_a_second_ctrl_c_in_a_terminal_exits_130_and_still_stops_dynamodb_local(user_app):
    folder, env = user_app
    port = free_port()
    terminal = start(folder, env, port)
    engine_port = dynamodb_port(terminal)
    # A request being read (its body half sent) keeps the first Ctrl-C waiting.
    stalled = socket.create_connection(("127.0.0.1", port))
    stalled.sendall(
        b"POST /prod/reviews HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    time.sleep(0.5)
    terminal.type(CTRL_C)
    terminal.read_until(rb"shutting down", timeout=10)
    time.sleep(0.5)
    assert terminal.process.poll() is None
    terminal.type(CTRL_C)
    assert terminal.wait(timeout=30) == 130, terminal.text
    stalled.close()
    assert "stopped without waiting for requests in flight" in terminal.text
    assert "Traceback" not in terminal.text, terminal.text
    assert not listening(engine_port)
    assert list(Path(env["TMPDIR"]).iterdir()) == []


def test_ctrl_c_while_synthesizing_is_one_line_and_130(user_app):
    folder, env = user_app
    slow_app = folder / "slow_app.py"
    started = folder / "synthesis-started"
    slow_app.write_text(f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(60)\n")
    terminal = in_terminal([str(CLI), "local", "--app", f"{sys.executable} {slow_app}"], folder, env)
    # Ctrl-C once the app is running (a fixed sleep could land in the command's own start-up on a busy machine).
    deadline = time.monotonic() + 60
    while not started.exists():
        assert terminal.process.poll() is None and time.monotonic() < deadline, terminal.text
        time.sleep(0.05)
    terminal.type(CTRL_C)
    assert terminal.wait(timeout=30) == 130, terminal.text
    assert terminal.text.strip().splitlines()[-1].endswith("tap-reviews: interrupted")  # after the echoed ^C
    assert "Traceback" not in terminal.text
    assert list(Path(env["TMPDIR"]).iterdir()) == []
