"""yanxiu_local/web.py, the web client's server in `make run`: the built files with the SPA
fallback, and /api/... passed to the API with the prefix taken off, as CloudFront does: the
method, query, headers and body go up; the status, headers and body (streamed, chunked when the
API sends no length) come back; an API that is down is a 503 in the contract's error shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import free_port
from yanxiu_local import web

pytestmark = pytest.mark.e2e

SEEN: list[dict[str, Any]] = []


class FakeApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        SEEN.append({"path": self.path, "headers": dict(self.headers), "body": body})
        out = json.dumps(
            {"error": {"code": "batch_full", "message": "该批次名额已满"}}, ensure_ascii=False
        ).encode()
        self.send_response(409)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self) -> None:
        # No Content-Length: the body ends with the connection, so the proxy must chunk it.
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Connection", "close")
        self.end_headers()
        for part in (b"first ", b"second"):
            self.wfile.write(part)
            self.wfile.flush()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<!doctype html><title>研修</title>", encoding="utf-8")
    (dist / "assets").mkdir()
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    api = ThreadingHTTPServer(("127.0.0.1", free_port()), FakeApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    port = free_port()
    server = web.start(port, api.server_address[1], "http://127.0.0.1:5000", dist=Path(dist))
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    api.shutdown()


def test_client_routes_get_index_html_with_its_policy(site: str) -> None:
    for path in ("/", "/login", "/region/demand"):
        r = requests.get(site + path, timeout=5)
        assert r.status_code == 200 and "<title>研修</title>" in r.text, path
        assert r.headers["Cache-Control"] == "no-cache"
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert "connect-src 'self' http://127.0.0.1:5000" in r.headers["Content-Security-Policy"]


def test_hashed_assets_are_cached_and_missing_ones_are_404_not_html(site: str) -> None:
    r = requests.get(site + "/assets/index-abc123.js", timeout=5)
    assert r.status_code == 200 and r.text == "console.log(1)"
    assert "immutable" in r.headers["Cache-Control"]
    assert requests.get(site + "/assets/gone-000.js", timeout=5).status_code == 404
    assert requests.get(site + "/../../etc/passwd", timeout=5).text.startswith("<!doctype html>")


def test_api_requests_go_up_without_the_prefix_and_come_back_whole(site: str) -> None:
    SEEN.clear()
    r = requests.post(
        site + "/api/batches/b1/trainees?limit=5",
        json={"name": "张三"},
        headers={"Authorization": "Bearer t", "Idempotency-Key": "k-1"},
        timeout=5,
    )
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "该批次名额已满"
    assert r.headers["Idempotent-Replayed"] == "true"
    (seen,) = SEEN
    assert seen["path"] == "/batches/b1/trainees?limit=5"
    assert json.loads(seen["body"]) == {"name": "张三"}
    assert seen["headers"]["Authorization"] == "Bearer t"
    assert seen["headers"]["Idempotency-Key"] == "k-1"


def test_a_body_without_length_is_streamed_chunked(site: str) -> None:
    r = requests.get(site + "/api/stream", timeout=5)
    assert r.status_code == 200
    assert r.headers.get("Transfer-Encoding") == "chunked"
    assert r.text == "first second"


def test_an_api_that_is_down_is_a_503_in_the_contract_shape(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("x")
    port = free_port()
    server = web.start(port, free_port(), "http://127.0.0.1:5000", dist=tmp_path)
    try:
        r = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "dependency_unavailable"
        assert r.headers["Retry-After"]
    finally:
        server.shutdown()
