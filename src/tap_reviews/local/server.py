"""The HTTP transport of ``tap-reviews local``: uvicorn, handing each request to the gateway.

HTTP/1.1 itself (chunked bodies, ``Expect: 100-continue``, pipelining, keep-alive, HEAD) is uvicorn's
(https://www.uvicorn.org), a well-kept server; what API Gateway would answer is ours (``gateway.py``). This
module is the small ASGI application between the two, plus the controls ``tap-reviews local`` needs: bind at
once (a taken port fails before DynamoDB Local starts), serve in a thread (so the command's own signal
handling decides what Ctrl-C means), and stop gracefully or at once.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn

from .gateway import Answer, LocalGateway

#: A kept-alive connection silent this long after an answer is closed; so is a request whose body stalls
#: this long between two reads (the connection is answered 408 and closed).
IDLE_CONNECTION_TIMEOUT_SECONDS = 10
#: Lambda's limit for a synchronous invocation's request payload; API Gateway answers a larger body 413.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
#: Threads that run the handler (each request's handler call blocks on DynamoDB, as in Lambda).
HANDLER_THREADS = 64

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


class _BodyTooLarge(Exception):
    pass


class _BodyStalled(Exception):
    pass


class _ClientGone(Exception):
    pass


class GatewayApp:
    """The ASGI application: read the whole request, let the gateway answer it in a handler thread, send it."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.gateway: LocalGateway | None = None
        self._log = log
        self._executor = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="tap-reviews-local-handler")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; websockets are not served (uvicorn answers an upgrade 403 itself)
        started = time.perf_counter()
        gateway = self.gateway
        assert gateway is not None, "set server.gateway before serving"
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
        target = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        method = scope["method"]
        close = False
        try:
            body = await self._body(receive, headers)
        except _ClientGone:
            self._log(f"{method} {target}: the client closed the connection before sending its body")
            return
        except _BodyTooLarge:
            answer, close = gateway.gateway_answer("REQUEST_TOO_LARGE", _lower(headers)), True
        except _BodyStalled:
            answer, close = _timeout_answer(), True
        else:
            client = scope.get("client") or ("127.0.0.1", 0)
            call = functools.partial(gateway.handle, method, target, headers, body, client[0])
            try:
                answer = await asyncio.get_running_loop().run_in_executor(self._executor, call)
            except Exception:  # the function failed: API Gateway's 502, and the traceback in the log
                self._log(f"{method} {target}: the function failed\n{traceback.format_exc()}")
                answer = gateway.gateway_answer("DEFAULT_5XX", _lower(headers))
        await _send(send, answer, close)
        self._log(f"{method} {target} {answer.status} {(time.perf_counter() - started) * 1000:.1f} ms")

    async def _body(self, receive: Receive, headers: list[tuple[str, str]]) -> bytes:
        """The request body (chunked or with a Content-Length); a 100 Continue goes out on the first read."""
        declared = chunked = None
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                declared = int(value) if value.strip().isdigit() else None
            elif lower == "transfer-encoding":
                chunked = True
        if not chunked and not declared:
            return b""  # no body (most GETs): nothing to read
        if declared is not None and declared > MAX_PAYLOAD_BYTES:
            raise _BodyTooLarge  # refused before the client sends it (no 100 Continue)
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), IDLE_CONNECTION_TIMEOUT_SECONDS)
            except TimeoutError:
                raise _BodyStalled from None
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_PAYLOAD_BYTES:
                raise _BodyTooLarge
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def close(self) -> None:
        self._executor.shutdown(wait=False)


def _lower(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def _timeout_answer() -> Answer:
    body = json.dumps({"message": "Request Timeout: the request body stalled"}).encode()
    return Answer(408, {"Content-Type": "application/json"}, body)


async def _send(send: Send, answer: Answer, close: bool) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers.items()]
    headers.append((b"content-length", str(len(answer.body)).encode()))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


class GatewayServer:
    """uvicorn serving :class:`GatewayApp` on a socket bound at construction.

    ``serve_in_thread()`` starts it; ``shutdown()`` stops accepting, closes idle connections, waits for
    requests in flight (a stalled one for at most ``IDLE_CONNECTION_TIMEOUT_SECONDS``) and returns;
    a KeyboardInterrupt while it waits (a second Ctrl-C) propagates, and the caller exits at once.
    """

    def __init__(self, port: int, log: Callable[[str], None]) -> None:
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets whose protocol says TCP, and
        # without it a kept-alive client waited ~40 ms (Nagle against delayed ACK) for each answer's body.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind(("127.0.0.1", port))
        except OSError:
            self._socket.close()
            raise
        self._socket.listen(1024)
        self.app = GatewayApp(log)
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            timeout_keep_alive=IDLE_CONNECTION_TIMEOUT_SECONDS,
            server_header=False,
            access_log=False,
            log_config=None,
            log_level=logging.WARNING,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def gateway(self) -> LocalGateway | None:
        return self.app.gateway

    @gateway.setter
    def gateway(self, gateway: LocalGateway) -> None:
        self.app.gateway = gateway

    @property
    def server_address(self) -> tuple[str, int]:
        address: tuple[str, int] = self._socket.getsockname()
        return address

    def serve_in_thread(self) -> threading.Thread:
        # Off the main thread uvicorn installs no signal handlers: Ctrl-C stays the command's.
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="tap-reviews-local-server"
        )
        self._thread.start()
        return self._thread

    def shutdown(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(0.2)  # in short waits, so a second Ctrl-C interrupts it
        self._socket.close()
        self.app.close()


def make_server(port: int, log: Callable[[str], None]) -> GatewayServer:
    """Bind 127.0.0.1:``port`` now (so a taken port fails fast); requests go to ``server.gateway``."""
    return GatewayServer(port, log)
