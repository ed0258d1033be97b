"""The browser tier's harness: the local stack (`yanxiu run`, as `make run` starts it) on free
ports with the built web client, Debian's chromium driven by Playwright exactly as
test_showcase_xss.py drives it, and a Visit per viewport that records console errors, saves a
screenshot of every page under build/screenshots/, and checks every form control's
accessible name and that a page's main action is reachable and operable by keyboard."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Error, Locator, Page, ViewportSize, sync_playwright

from tests.e2e.conftest import ADMIN_PHONE, Stack, free_port

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist" / "index.html"
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 375, "height": 667}
TIMEOUT_MS = 15_000

# Every visible input, select and textarea, and whether it has an accessible name: aria-label,
# aria-labelledby, a <label for> / wrapping label, or a title (a placeholder is not a label).
UNNAMED = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter((el) => el.type !== 'hidden' && (el.offsetParent !== null || el.type === 'file'))
  .filter((el) => {
    const byAria = (el.getAttribute('aria-label') || '').trim();
    const byIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map((id) => (document.getElementById(id)?.textContent || '').trim()).join('');
    const byLabel = Array.from(el.labels || []).map((l) => l.textContent.trim()).join('');
    return !(byAria || byIds || byLabel || (el.title || '').trim());
  })
  .map((el) => el.outerHTML.slice(0, 160))
"""


HAS_FOCUS = "(el) => el === document.activeElement || el.contains(document.activeElement)"
TOP_OF_PAGE = "() => { document.activeElement && document.activeElement.blur(); window.focus(); }"
LOADED = "(img) => img.complete && img.naturalWidth > 0"


@dataclass
class WebStack(Stack):
    web: str = ""

    def sms_password(self, phone: str) -> str:
        return self.password_of(phone)


@pytest.fixture(scope="module")
def web_stack() -> Iterator[WebStack]:
    if not DIST.is_file():
        pytest.fail("web/dist is not built: `make web` (make test builds it first)")
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
    web = f"http://127.0.0.1:{web_port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"{web}/api/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"local stack did not serve: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.3)
    yield WebStack(f"http://127.0.0.1:{api_port}", moto_port, process, web=web)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium or a failure: a machine without it must not pass this tier by skipping it."""
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as err:
            pytest.fail(f"Chromium did not launch from {CHROMIUM} (make test installs it): {err}")
        yield launched
        launched.close()


@dataclass
class Visit:
    """One person in one browser context (a viewport), with what the page logged."""

    context: BrowserContext
    page: Page
    base: str
    tag: str
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def settle(self) -> None:
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(150)

    def shot(self, name: str) -> Path:
        """A screenshot of the page as it stands, after the form-control and console checks."""
        self.settle()
        self.check_labels(name)
        self.check_console(name)
        SHOTS.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size or DESKTOP
        path = SHOTS / f"{name}-{size['width']}x{size['height']}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_labels(self, where: str) -> None:
        unnamed = self.page.evaluate(UNNAMED)
        assert not unnamed, f"{where}: form controls without an accessible name: {unnamed}"

    def check_console(self, where: str) -> None:
        bad = [e for e in self.errors if not any(p.search(e) for p in self.allowed)]
        assert not bad, f"{where}: console errors: {bad}"

    def tab_to(self, target: Locator, limit: int = 80) -> None:
        """Press Tab from where the focus is until `target` has it: reachable by keyboard."""
        for _ in range(limit):
            if target.evaluate(HAS_FOCUS):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{self.tag}: {target} not reached with {limit} presses of Tab")

    def press(self, target: Locator, key: str = "Enter") -> None:
        """Operate a control by keyboard: Tab to it from the top of the page, then a key."""
        self.page.evaluate(TOP_OF_PAGE)
        self.tab_to(target)
        self.page.keyboard.press(key)


def open_visit(browser: Browser, base: str, viewport: ViewportSize, tag: str) -> Visit:
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="block"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    visit = Visit(context, page, base, tag)
    page.on("console", lambda m: visit.errors.append(f"{m.text} @ {page.url}") if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(f"uncaught: {e} @ {page.url}"))
    return visit
