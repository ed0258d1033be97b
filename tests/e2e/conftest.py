"""The local stack over HTTP: `make run`'s entry point (`yanxiu run`) in a subprocess."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PHONE = "13800000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    url: str
    moto_port: int
    process: subprocess.Popen[bytes]

    def outbox(self) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "yanxiu_local.cli", "outbox", "--json"],
            env={**os.environ, "YANXIU_MOTO_PORT": str(self.moto_port)},
            capture_output=True,
            check=True,
            timeout=30,
            cwd=ROOT,
        )
        return json.loads(out.stdout)

    def run_job(self, *args: str) -> str:
        """`yanxiu run-job ...` against this stack, as a developer would run it."""
        out = subprocess.run(
            [sys.executable, "-m", "yanxiu_local.cli", "run-job", *args],
            env={**os.environ, "YANXIU_MOTO_PORT": str(self.moto_port)},
            capture_output=True,
            check=True,
            timeout=120,
            cwd=ROOT,
            text=True,
        )
        return out.stdout

    def password_of(self, phone: str) -> str:
        texts = [
            m["text"] for m in self.outbox()["sms"] if m["phone"].endswith(phone) and "初始密码" in m["text"]
        ]
        found = re.search(r"初始密码：(\S+?)。", texts[-1])
        assert found
        return found.group(1)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    api_port, moto_port = free_port(), free_port()
    env = {**os.environ, "YANXIU_MOTO_PORT": str(moto_port), "YANXIU_ADMIN_PHONE": ADMIN_PHONE}
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "yanxiu_local.cli", "run", "--port", str(api_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(
                f"local stack did not serve /health: {process.stderr.read().decode()[-2000:]}"
            )
        time.sleep(0.3)
    yield Stack(url, moto_port, process)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
