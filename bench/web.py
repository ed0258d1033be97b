"""Figure 10: the web client's first load and its login page's time to interactive.

The local stack (`yanxiu run`, the built web/dist) runs in a subprocess on free ports; accounts
of the four roles are made through the API (a programme, a region, a base, an allocated batch,
a confirmed roster of one trainee; each first password changed). Debian's chromium then, for each
role, in a fresh context (an empty cache), opens 登录, logs in and waits for 个人中心; every
JS and CSS file the browser fetched is counted at its gzip size (level 9 of the file on disk,
what a CDN's compression sends at most). The time to an interactive login page is
performance.now() when the 登录 button is enabled in the mounted app, cold, median of 7."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.env import ROOT
from bench.table import Row

DIST = ROOT / "web" / "dist"
TARGET_KB = 300
ADMIN = "13800000000"
PHONES = {"region_contact": "13900000001", "base_contact": "13600000001", "trainee": "13700000001"}
PASSWORD = "Bench-Secret-2026"  # noqa: S105 - a throwaway account of the bench's own stack
ROLE_ZH = {
    "admin": "中心办公室",
    "region_contact": "实验区联系人",
    "base_contact": "基地联系人",
    "trainee": "研修人员",
}
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
INTERACTIVE = """() => new Promise((resolve) => {
  const ready = () => {
    const b = Array.from(document.querySelectorAll('button')).find((x) => x.textContent.trim() === '登录');
    return b && !b.disabled && document.querySelector('#login-phone');
  };
  const tick = () => (ready() ? resolve(performance.now()) : requestAnimationFrame(tick));
  tick();
})"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Stack:
    def __init__(self) -> None:
        self.api, self.moto, self.web = _free_port(), _free_port(), _free_port()
        env = {**os.environ, "YANXIU_MOTO_PORT": str(self.moto), "YANXIU_WEB_PORT": str(self.web)}
        env.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "yanxiu_local.cli", "run", "--port", str(self.api)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.web}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{self.url}/api/health", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("bench web: the local stack did not start")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = requests.request(method, f"{self.url}/api{path}", json=body, headers=headers, timeout=30)
        if r.status_code >= 400:
            raise SystemExit(f"bench web: {method} {path} -> {r.status_code} {r.text[:200]}")
        return r.json() if r.text else None

    def initial_password(self, phone: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "yanxiu_local.cli", "outbox", "--json"],
            env={**os.environ, "YANXIU_MOTO_PORT": str(self.moto)},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        found = re.findall(rf'"phone": "[^"]*{phone}",\s*"text": "[^"]*初始密码：(\S+?)。', out)
        return found[-1]

    def ready(self, phone: str) -> str:
        initial = self.initial_password(phone)
        token = self.call("POST", "/auth/login", body={"phone": phone, "password": initial})["token"]
        return str(
            self.call("POST", "/auth/password", token, {"old_password": initial, "new_password": PASSWORD})[
                "token"
            ]
        )


def _people(stack: _Stack) -> None:
    """One account of each role, each past its forced password change."""
    admin = stack.ready(ADMIN)
    today = date.today()
    pid = stack.call(
        "POST",
        "/programmes",
        admin,
        {
            "name": "基准项目",
            "kind": "base_training",
            "academic_year": "2026-2027",
            "demand_deadline": "2099-07-15T23:59:59+08:00",
            "roster_deadline": "2099-08-31T23:59:59+08:00",
            "registration_deadline": "2099-09-05T23:59:59+08:00",
        },
    )["programme_id"]
    contact = {"name": "王老师", "phone": PHONES["base_contact"]}
    base = stack.call(
        "POST",
        "/bases",
        admin,
        {"name": "基准基地", "stages": ["primary"], "city": "北京", "contact": contact},
    )
    batch = stack.call(
        "POST",
        f"/programmes/{pid}/batches",
        admin,
        {
            "base_id": base["base_id"],
            "stage": "primary",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=11)).isoformat(),
            "study_type": "placement",
        },
    )["batch_id"]
    stack.call(
        "POST",
        "/regions",
        admin,
        {"name": "基准实验区", "contact": {"name": "刘老师", "phone": PHONES["region_contact"]}},
    )
    region = stack.ready(PHONES["region_contact"])
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    asked = stack.call("POST", f"/programmes/{pid}/demands", region, demand)
    stack.call("POST", f"/demands/{asked['demand_id']}/approve", admin)
    stack.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True})
    trainee = {
        "name": "张老师",
        "gender": "female",
        "phone": PHONES["trainee"],
        "unit": "一小",
        "team_role": "leader",
    }
    stack.call("POST", f"/batches/{batch}/trainees", region, trainee)
    stack.call("POST", f"/batches/{batch}/roster/confirm", region)
    stack.ready(PHONES["base_contact"])
    stack.ready(PHONES["trainee"])


def _gzip_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1024


def _asset(url: str) -> Path | None:
    m = re.search(r"/(assets/[^?#]+\.(?:js|css))", url)
    return DIST / m.group(1) if m else None


def measure() -> list[Row]:
    from playwright.sync_api import Response, sync_playwright

    if not (DIST / "index.html").is_file():
        return [Row("web first load", "not built", "-", "make bench builds web/ first (make web)")]
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    stack = _Stack()
    rows: list[Row] = []
    try:
        _people(stack)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            times = []
            for _ in range(7):
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                page.goto(f"{stack.url}/login")
                times.append(page.evaluate(INTERACTIVE))
                context.close()
            for role, phone in [("admin", ADMIN), *PHONES.items()]:
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                fetched: set[Path] = set()

                def on_response(response: Response, seen: set[Path] = fetched) -> None:
                    if (asset := _asset(response.url)) is not None:
                        seen.add(asset)

                page.on("response", on_response)
                page.goto(f"{stack.url}/login")
                page.get_by_label("手机号").fill(phone)
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_url("**/profile")
                page.get_by_role("heading", name="个人中心").wait_for()
                page.wait_for_load_state("networkidle")
                js = sum(_gzip_kb(p) for p in fetched if p.suffix == ".js")
                css = sum(_gzip_kb(p) for p in fetched if p.suffix == ".css")
                rows.append(
                    Row(
                        f"web first load 登录 + 个人中心, {ROLE_ZH[role]}",
                        f"{js + css:.0f} KB gzip",
                        f"< {TARGET_KB} KB",
                        f"JS {js:.0f} KB + CSS {css:.0f} KB in {len(fetched)} files",
                    )
                )
                context.close()
            browser.close()
        rows.append(
            Row(
                "web time to interactive 登录 (cold, local stack)",
                f"{statistics.median(times):.0f} ms",
                "-",
                f"median of 7 fresh contexts; min {min(times):.0f}, max {max(times):.0f} ms",
            )
        )
        for name, pattern in (
            ("rich-text editor (心得体会 dialog)", "RichEditor-*.js"),
            ("ECharts (研修档案 charts)", "echarts-*.js"),
        ):
            files = sorted((DIST / "assets").glob(pattern))
            if files:
                rows.append(
                    Row(
                        f"web lazy chunk: {name}",
                        f"{sum(_gzip_kb(f) for f in files):.0f} KB gzip",
                        "-",
                        "loaded only when first shown",
                    )
                )
    finally:
        stack.stop()
    return rows


if __name__ == "__main__":
    from bench.table import render

    print(render(measure()))
