"""The function's execution environments: as in Lambda, each runs one request at a time, in a process of its own.

Lambda gives every concurrent request its own execution environment (its own interpreter, module state and
clients) and keeps it warm for the next one. ``FunctionEnvironments`` does the same with a pool of worker
processes, started with ``spawn`` (a clean interpreter: no threads or sockets of the server copied in), each
importing the handler from the asset directory once. So concurrent requests run in parallel rather than
taking turns on one interpreter lock, and module state is per environment, as deployed.

A worker ignores Ctrl-C (the terminal sends it to the whole process group): the server decides when to stop,
lets the requests in flight finish, then closes the pool. A worker whose server is gone exits on its own.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

#: Execution environments by default: requests the function runs at once (more wait for a free one).
DEFAULT_CONCURRENCY = 4
#: How often a worker checks that the server that started it still runs (seconds).
PARENT_CHECK_SECONDS = 0.5

_handler: Callable[[Any, Any], Any] | None = None


class EnvironmentLost(Exception):
    """An execution environment died during a request (the process exited or was killed); it is replaced."""


def _start(asset_dir: str, handler_path: str, environment: dict[str, str]) -> None:
    """Worker initializer: what Lambda's init phase does, once per environment."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(environment)
    sys.path.insert(0, asset_dir)
    module_name, _, function_name = handler_path.rpartition(".")
    global _handler
    _handler = getattr(importlib.import_module(module_name), function_name)
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True, name="exit-with-server").start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)  # the server was killed (or stopped without waiting): nobody will read this answer


def _invoke(event: Any, context: Any) -> Any:
    assert _handler is not None
    return _handler(event, context)


def _ready() -> None:
    time.sleep(0.05)  # busy long enough that each of the first submissions starts an environment of its own


class FunctionEnvironments:
    """A handler (``environments(event, context)``) that runs each call in one of ``concurrency`` processes.

    Args:
        asset_dir: The function's asset directory (put on the worker's ``sys.path``, as Lambda's task root).
        handler: The function's handler setting (``reviews_runtime.handler.handler``).
        environment: Environment variables of the function (on top of the server's own).
        concurrency: Environments, so requests run at once; default ``DEFAULT_CONCURRENCY``.

    An exception the handler raises comes back as it is (with the worker's traceback as its cause); a worker
    that dies mid-request raises ``EnvironmentLost`` and all environments are started afresh.
    """

    def __init__(
        self, asset_dir: Path, handler: str, environment: dict[str, str], concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.concurrency = concurrency
        self._initargs = (str(asset_dir), handler, dict(environment))
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.concurrency,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=self._initargs,
        )

    def start(self) -> None:
        """Start every environment now (init phases, imports) rather than on the first requests.

        Raises what a worker's init raised (an import error in the asset, say) as ``BrokenProcessPool``.
        """
        for future in [self._pool.submit(_ready) for _ in range(self.concurrency)]:
            future.result()

    def __call__(self, event: Any, context: Any) -> Any:
        pool = self._pool
        try:
            return pool.submit(_invoke, event, context).result()
        except BrokenProcessPool as error:
            with self._lock:
                if self._pool is pool:
                    self._pool = self._new_pool()
                    pool.shutdown(wait=False, cancel_futures=True)
            raise EnvironmentLost("an execution environment died during the request; started them afresh") from error

    def close(self, *, wait: bool = True) -> None:
        """Stop the environments once the calls in flight have answered (``wait``), or now: calls not yet
        started are dropped, and the workers exit when the server does."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
