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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.builders import PROGRAMME_AHEAD

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PHONE = "13800000000"
PROGRAMME = PROGRAMME_AHEAD  # the local stack has no test clock


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

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, f"{self.url}{path}", json=body, headers=headers, timeout=30)

    def ready(self, phone: str, new_password: str) -> str:
        """Log in with the password from the outbox and change it: a token for every route."""
        initial = self.password_of(phone)
        token = self.call("POST", "/auth/login", body={"phone": phone, "password": initial}).json()["token"]
        changed = self.call(
            "POST", "/auth/password", token, {"old_password": initial, "new_password": new_password}
        )
        assert changed.status_code == 200
        return str(changed.json()["token"])

    def allocated_batch(
        self, admin: str, region: str, contact_phone: str, base_phone: str
    ) -> tuple[str, str, str, str]:
        """(programme, base, batch, contact token): a programme open until 2099, a primary batch in
        session today (Shanghai's today is within a day of the machine's), a region that
        asked for it and got it through the office's allocation."""
        today = date.today()
        pid = self.call("POST", "/programmes", admin, PROGRAMME).json()["programme_id"]
        base = self.call(
            "POST",
            "/bases",
            admin,
            {
                "name": "北京市第一实验小学",
                "stages": ["primary"],
                "city": "北京",
                "contact": {"name": "王老师", "phone": base_phone},
            },
        ).json()["base_id"]
        batch = self.call(
            "POST",
            f"/programmes/{pid}/batches",
            admin,
            {
                "base_id": base,
                "stage": "primary",
                "start_date": (today - timedelta(days=2)).isoformat(),
                "end_date": (today + timedelta(days=9)).isoformat(),
                "study_type": "placement",
            },
        ).json()["batch_id"]
        assert (
            self.call(
                "POST",
                "/regions",
                admin,
                {"name": region, "contact": {"name": "联系人", "phone": contact_phone}},
            ).status_code
            == 201
        )
        contact = self.ready(contact_phone, "Region-Secret-2026")
        demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
        asked = self.call("POST", f"/programmes/{pid}/demands", contact, demand)
        assert asked.status_code == 201
        approved = self.call("POST", f"/demands/{asked.json()['demand_id']}/approve", admin)
        assert approved.status_code == 200
        assert self.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).json()[
            "assignments"
        ]
        return pid, base, batch, contact

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
    api_port, moto_port, web_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "YANXIU_MOTO_PORT": str(moto_port),
        "YANXIU_WEB_PORT": str(web_port),
        "YANXIU_ADMIN_PHONE": ADMIN_PHONE,
    }
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
            err = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"local stack did not serve /health: {err[-2000:]}")
        time.sleep(0.3)
    yield Stack(url, moto_port, process)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def next_morning() -> str:
    """08:05 tomorrow in Shanghai: past any quiet hours."""
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    return f"{tomorrow.isoformat()}T08:05:00+08:00"
