"""A loopback HTTP server for the demo site: static files with `{{BASE}}` replaced by the server's URL.

Files are read from disk on every request, so a test (or a person) can add articles while it runs.
Supports ETag / Last-Modified with 304 answers, like a real newsroom server, so a second crawl is cheap.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

SITE_DIR = Path(__file__).resolve().parent / "site"
PLACEHOLDER = b"{{BASE}}"
TEXT_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".html": "text/html",
    ".txt": "text/plain",
    ".json": "application/json",
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet: the crawler logs what matters
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        path = self._resolve(urlsplit(self.path).path)
        if path is None:
            self._send(404, b"not found\n", "text/plain", body=body)
            return
        data = path.read_bytes().replace(PLACEHOLDER, self.server.base_url.encode())
        etag = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
        modified = email.utils.formatdate(int(path.stat().st_mtime), usegmt=True)
        if self.headers.get("If-None-Match") == etag or (
            not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == modified
        ):
            self._send(304, b"", None, body=False, extra={"ETag": etag, "Last-Modified": modified})
            return
        ctype = TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith(("text/", "application/xml", "application/rss", "application/json")):
            ctype += "; charset=utf-8"
        self._send(200, data, ctype, body=body, extra={"ETag": etag, "Last-Modified": modified})

    def _resolve(self, url_path: str) -> Path | None:
        root = self.server.root
        candidate = (root / unquote(url_path).lstrip("/")).resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if root not in candidate.parents and candidate != root:
            return None
        return candidate if candidate.is_file() else None

    def _send(self, status: int, data: bytes, ctype: str | None, body: bool, extra: dict | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)) if status != 304 else "0")
        self.end_headers()
        if body and status != 304:
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    base_url: str


class DemoServer:
    """Serve `root` on 127.0.0.1 (a free port unless given) in a background thread; use as a context manager."""

    def __init__(self, root: str | Path = SITE_DIR, port: int = 0, host: str = "127.0.0.1") -> None:
        self._httpd = _Server((host, port), _Handler)
        self._httpd.root = Path(root).resolve()
        self._httpd.base_url = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return self._httpd.base_url

    def start(self) -> DemoServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the onrecord demo site on loopback.")
    parser.add_argument("--dir", default=str(SITE_DIR), help="site folder (default: the bundled demo)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    args = parser.parse_args()
    server = DemoServer(args.dir, args.port)
    print(server.base_url, flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()


if __name__ == "__main__":
    main()
