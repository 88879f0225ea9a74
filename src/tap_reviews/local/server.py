"""The HTTP transport of ``tap-reviews local``: a threaded HTTP/1.1 server that hands each request to the gateway.

Kept-alive connections are tracked so a shutdown can close the ones waiting for a request while requests
in flight finish.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .gateway import LocalGateway

#: A connection silent this long (idle between requests, or stalled inside one) is closed.
IDLE_CONNECTION_TIMEOUT_SECONDS = 10
#: Lambda's limit for a synchronous invocation's request payload.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


class GatewayServer(ThreadingHTTPServer):
    """Serves each connection through ``gateway`` (set before ``serve_forever``) in a thread of its own.

    To stop: ``shutdown()`` (no new connections), ``close_idle_connections()`` (kept-alive connections
    waiting for a next request are closed; a request already being read or served finishes), then
    ``server_close()``, which waits for those threads.
    """

    daemon_threads = False  # server_close() waits for requests in flight
    gateway: LocalGateway

    def __init__(self, address: tuple[str, int], handler_class: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler_class)
        self._connections_lock = threading.Lock()
        self._idle: set[socket.socket] = set()
        self._closed: set[socket.socket] = set()
        self._closing = False

    def connection_idle(self, connection: socket.socket) -> bool:
        """Note a connection waiting for its next request; False when the server is closing (close it)."""
        with self._connections_lock:
            if self._closing:
                return False
            self._idle.add(connection)
            return True

    def connection_busy(self, connection: socket.socket) -> bool:
        """Note a request arriving; False when the connection was closed for shutdown first (drop it)."""
        with self._connections_lock:
            self._idle.discard(connection)
            return connection not in self._closed

    def connection_ended(self, connection: socket.socket) -> None:
        """Forget a connection whose handler is done with it."""
        with self._connections_lock:
            self._idle.discard(connection)
            self._closed.discard(connection)

    def close_idle_connections(self) -> None:
        """Close every connection waiting for a request, and every one that finishes its request from now."""
        with self._connections_lock:
            self._closing = True
            for connection in self._idle:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._closed |= self._idle
            self._idle.clear()


def make_server(port: int, log: Callable[[str], None]) -> GatewayServer:
    """Bind 127.0.0.1:``port`` now (so a taken port fails fast); requests go to ``server.gateway``."""

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "tap-reviews-local"
        # Headers and body go out in two writes; with Nagle's algorithm a kept-alive client waited ~40 ms
        # for the second (delayed ACK) on every request.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_PAYLOAD_BYTES:
                headers = {name.lower(): value for name, value in self.headers.items()}
                answer = self.server.gateway.gateway_answer("REQUEST_TOO_LARGE", headers)  # type: ignore[attr-defined]
                self.close_connection = True
            else:
                body = self.rfile.read(length) if length else b""
                answer = self.server.gateway.handle(  # type: ignore[attr-defined]
                    self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                )
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
            log(f"{self.command} {self.path} {answer.status} {(time.perf_counter() - started) * 1000:.1f} ms")

        #: Seconds a connection may stay silent (between requests, or in the middle of one) before it is
        #: closed, so a stalled client cannot keep Ctrl-C waiting.
        timeout = IDLE_CONNECTION_TIMEOUT_SECONDS

        def handle(self) -> None:
            # http.server's keep-alive loop, telling the server when the connection waits for a request.
            server: GatewayServer = self.server  # type: ignore[assignment]
            self.close_connection = False
            try:
                while not self.close_connection and server.connection_idle(self.connection):
                    self.handle_one_request()
            finally:
                server.connection_ended(self.connection)

        def parse_request(self) -> bool:
            if not self.server.connection_busy(self.connection):  # type: ignore[attr-defined]
                self.close_connection = True  # closed for shutdown as the request came in: never served
                return False
            return super().parse_request()

        def __getattr__(self, name: str) -> Any:
            # Every method reaches the gateway (TRACE, QUERY, ...), which answers what API Gateway would,
            # instead of http.server's HTML 501.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass  # one line per request comes from _serve

    return GatewayServer(("127.0.0.1", port), RequestHandler)
