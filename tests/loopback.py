"""A loopback HTTP server for crawler tests: routes of our own pages with the misbehaviours real servers have."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0  # seconds before answering (timeouts)
    etag: str | None = None  # answer 304 to a matching If-None-Match
    handler: Callable[[Handler], None] | None = None  # full control (flaky, stateful)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path)
        if route is None:
            return self.send(404, b"not found", {"Content-Type": "text/plain"})
        if route.delay:
            time.sleep(route.delay)
        if route.handler:
            return route.handler(self)
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
            if self.headers.get("If-None-Match") == route.etag:
                return self.send(304, b"", {"ETag": route.etag})
        self.send(route.status, route.body, headers)

    def send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.hits if p == path)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
