"""The web client on the API's origin, as CloudFront serves it in the cloud: the built files of
web/dist (any path that is not a file gets index.html, so the client's routes load), and
/api/... passed on to the API with the /api prefix taken off, status, headers and body
streamed both ways."""

from __future__ import annotations

import http.client
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
CHUNK = 64 * 1024
# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
}
NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>研修</title>"
    "<p>网页端尚未构建：请用 <code>make run</code> 启动（它会先构建 web/），"
    "或在 web/ 中执行 <code>npm ci &amp;&amp; npm run build</code>。</p>"
)
UNAVAILABLE = (
    '{"error": {"code": "dependency_unavailable", "message": "服务暂时不可用，请稍后再试"}}'.encode()
)


def content_security_policy(storage_origin: str) -> str:
    """Scripts only from this origin; images and the presigned upload may also go to the
    storage origin (the embedded S3 here, the bucket in the cloud). Element Plus sets inline
    style attributes, hence 'unsafe-inline' for styles only."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"img-src 'self' blob: data: {storage_origin}",
            f"connect-src 'self' {storage_origin}",
            "style-src 'self' 'unsafe-inline'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "yanxiu-web"
    api_port: int = 8000
    dist: Path = DIST
    csp: str = content_security_policy("")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: `make run` prints where to go, not every file a browser fetches."""

    # Every method goes through one dispatcher: /api/ to the API, the rest to the files.
    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        if path == "/api" or path.startswith("/api/"):
            self._proxy()
        elif self.command in ("GET", "HEAD"):
            self._static(path)
        else:
            self._send(405, b"", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"})

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _static(self, path: str) -> None:
        index = self.dist / "index.html"
        if not index.is_file():
            self._send(503, NOT_BUILT.encode(), "text/html; charset=utf-8")
            return
        root = self.dist.resolve()
        target = (root / path.lstrip("/")).resolve()
        if target.is_file() and target.is_relative_to(root):
            # Vite names assets by content hash: they never change under one name.
            cache = "public, max-age=31536000, immutable" if "/assets/" in path else "no-cache"
        elif path.startswith("/assets/") or Path(path).suffix not in ("", ".html"):
            self._send(404, "未找到".encode(), "text/plain; charset=utf-8")
            return
        else:
            target, cache = index, "no-cache"
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
        if target.suffix == ".html":
            headers |= {"Content-Security-Policy": self.csp, "Referrer-Policy": "same-origin"}
        self._send(200, target.read_bytes(), kind, headers)

    def _proxy(self) -> None:
        split = urlsplit(self.path)
        upstream_path = (split.path[len("/api") :] or "/") + (f"?{split.query}" if split.query else "")
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=120)
        try:
            connection.putrequest(self.command, upstream_path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", f"127.0.0.1:{self.api_port}")
            for key, value in headers.items():
                connection.putheader(key, value)
            connection.endheaders()
            remaining = length
            while remaining > 0:  # the request body, a chunk at a time
                chunk = self.rfile.read(min(CHUNK, remaining))
                if not chunk:
                    break
                connection.send(chunk)
                remaining -= len(chunk)
            response = connection.getresponse()
        except OSError:
            connection.close()
            self._send(503, UNAVAILABLE, "application/json; charset=utf-8", {"Retry-After": "5"})
            return
        try:
            self.send_response_only(response.status, response.reason)  # upstream brings Server and Date
            known_length = response.getheader("Content-Length")
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            chunked = known_length is None and self.command != "HEAD" and response.status not in (204, 304)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while self.command != "HEAD":  # the response body, as it comes
                chunk = response.read1(CHUNK)
                if not chunk:
                    break
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            response.close()
            connection.close()


def start(port: int, api_port: int, storage_origin: str, dist: Path = DIST) -> ThreadingHTTPServer:
    """Serve in a daemon thread; the caller shuts it down."""
    handler = type(
        "WebHandler",
        (Handler,),
        {"api_port": api_port, "dist": dist, "csp": content_security_policy(storage_origin)},
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="web", daemon=True).start()
    return server
