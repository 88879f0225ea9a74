"""`tap-reviews local` as a user runs it: the installed console script in a process of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from conftest import REPO_ROOT
from dynamodb_engine import NPM_DIR

from tap_reviews.local.dynamodb_local import free_port

#: The console script projen's pyproject declares, installed into the project's environment.
CLI = Path(sys.executable).parent / "tap-reviews"


def synthesize_example(outdir: Path) -> Path:
    """The example app's cloud assembly, synthesized the way the CDK CLI runs an app (CDK_OUTDIR)."""
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "app.py")],
        env={**os.environ, "CDK_OUTDIR": str(outdir)},
        check=True,
        capture_output=True,
    )
    return outdir


@dataclass
class LocalServer:
    """A running `tap-reviews local`; ``url`` is the stage URL (``http://127.0.0.1:PORT/prod``)."""

    process: subprocess.Popen[str]
    port: int
    stage: str
    log_dir: Path
    stdout: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.stage}"

    def stop(self) -> int:
        """Ctrl-C, then the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    @property
    def stderr(self) -> str:
        return (self.log_dir / "stderr.log").read_text()


def start_server(*args: str, log_dir: Path, stage: str = "prod", timeout: float = 90) -> LocalServer:
    """Start `tap-reviews local ARGS --port <free>` from test/dynamodb_local (where `npm ci` put DynamoDB Local)."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout = open(log_dir / "stdout.log", "w")
    stderr = open(log_dir / "stderr.log", "w")
    process = subprocess.Popen(
        [str(CLI), "local", *args, "--port", str(port)],
        cwd=NPM_DIR,
        stdout=stdout,
        stderr=stderr,
        text=True,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
    )
    server = LocalServer(process=process, port=port, stage=stage, log_dir=log_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tap-reviews local exited with {process.returncode}: {server.stderr[-2000:]}")
        if "listening on" in (log_dir / "stdout.log").read_text():
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"tap-reviews local did not start within {timeout} s: {server.stderr[-2000:]}")


@dataclass
class Reply:
    status: int
    #: Looked up case-insensitively, as HTTP header names are (uvicorn sends them in lower case).
    headers: Message
    body: Any


def request(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, retry_throttled: bool = True
) -> Reply:
    """One HTTP request; a 429 is retried after a pause (as a polite client does) unless told otherwise."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    for _ in range(50):
        http_request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(http_request, timeout=30) as response:
                status, reply_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, reply_headers, raw = error.code, error.headers, error.read()
        if status == 429 and retry_throttled:
            time.sleep(0.2)
            continue
        return Reply(status, reply_headers, json.loads(raw) if raw else None)
    raise AssertionError(f"{method} {url} stayed throttled")
