"""The XSS corpus (tests/xss_corpus.py) rendered in Chromium as showcase bodies: sanitised, no
script runs; raw, the same harness sees script run (so a broken sanitiser would fail here).

Debian's `chromium` (the Makefile's `browser` target installs it) driven by Playwright's own driver;
`playwright install` is never run. Pages are served by Playwright's router at a loopback origin:
every request is answered in-process (the page, or an empty 204), and the resolver maps every
other host to nothing, so no request leaves the machine.

Two independent witnesses, both installed before any payload is parsed:
- a recorder (an init script): alert, confirm, prompt and print push to `window.__xss`, as do the
  payloads that call `top.__xss.push`; real dialogs (frames the init script missed) are counted too;
- CSP in report-only mode, `script-src 'none'`: every inline script, event handler, javascript:
  URL and script src reports a violation (with a sample of its source) without being stopped,
  whether or not the payload calls the recorder.
After load, every element is hovered, focused and clicked (mailto: links excepted), so handlers
that need a person and javascript: links get their chance too.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Dialog, Error, Frame, Route, sync_playwright

from chalicelib.domain.artifacts import sanitize
from tests.xss_corpus import PAYLOADS

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # what `make browser` checks for
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No DNS at all: a host the router somehow missed resolves to nothing instead of going out.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
ORIGIN = "http://127.0.0.1:9"  # the discard port: never reached, the router answers first
PAGE = f"{ORIGIN}/showcase.html"
CSP_REPORT_ONLY = "script-src 'none' 'report-sample'; object-src 'none'; report-uri /csp"
SETTLE_MS = 400  # after load and after the poke: javascript: navigations, ontoggle, media errors
LOAD_TIMEOUT_MS = 15_000

RECORDER = """
window.__xss = [];
window.__csp = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + '(' + args.join(',') + ')'); };
}
window.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ': ' + (e.sample || e.blockedURI));
}, true);
"""

POKE = """
() => {
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    for (const type of ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup']) {
      el.dispatchEvent(new MouseEvent(type, {bubbles: true}));
    }
    if (typeof el.focus === 'function') el.focus();
    if (el.protocol === 'mailto:') continue;
    if (typeof el.click === 'function') el.click();
  }
}
"""

STATE = "() => ({installed: Array.isArray(window.__xss), xss: window.__xss || [], csp: window.__csp || []})"
WRITE_BODIES = (
    "(bodies) => bodies.forEach((b, i) => { document.querySelector(`#a${i} .body`).innerHTML = b; })"
)


def article(index: int, body: str) -> str:
    heading = f"<h3>学习成果 #{index}</h3>"
    return f'<article class="artifact" id="a{index}">{heading}<div class="body">{body}</div></article>'


def page_html(articles: list[str]) -> str:
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>优秀成果展示</title></head>'
        f'<body><main id="showcase">{"".join(articles)}</main></body></html>'
    )


def document_page(bodies: list[str]) -> str:
    """The bodies in the page's own source, as a server-rendered showcase would put them."""
    return page_html([article(i, body) for i, body in enumerate(bodies)])


def isolated_page(bodies: list[str]) -> str:
    """Each body in its own srcdoc frame (same origin, same CSP): one payload cannot swallow the
    next, and whatever runs is attributed to its frame's name."""
    return page_html(
        [
            article(i, f'<iframe name="p{i}" srcdoc="{html.escape(body, quote=True)}"></iframe>')
            for i, body in enumerate(bodies)
        ]
    )


@dataclass
class Executions:
    recorded: dict[str, list[str]] = field(default_factory=dict)  # frame -> recorder entries
    violations: dict[str, list[str]] = field(default_factory=dict)  # frame -> CSP samples
    dialogs: list[str] = field(default_factory=list)
    popups: int = 0

    def frames_that_ran(self) -> set[str]:
        return {f for f, v in self.recorded.items() if v} | {f for f, v in self.violations.items() if v}

    def total(self) -> int:
        return (
            sum(map(len, self.recorded.values()))
            + sum(map(len, self.violations.values()))
            + len(self.dialogs)
            + self.popups
        )


def frame_key(frame: Frame) -> str:
    """The name of the top-level payload frame holding `frame` ('p12'), or 'main'."""
    while frame.parent_frame is not None and frame.parent_frame.parent_frame is not None:
        frame = frame.parent_frame
    return "main" if frame.parent_frame is None else (frame.name or frame.url[:40])


def render(browser: Browser, source: str, inner_html: list[str] | None = None) -> Executions:
    """Serve `source`, optionally write `inner_html` into the articles from outside the page (as a
    client rendering the showcase JSON would), poke every element, and collect what ran."""
    seen = Executions()
    context = browser.new_context(service_workers="block")
    try:
        context.add_init_script(RECORDER)

        def answer(route: Route) -> None:
            if route.request.url == PAGE:
                route.fulfill(
                    status=200,
                    content_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy-Report-Only": CSP_REPORT_ONLY},
                    body=source,
                )
            else:
                route.fulfill(status=204)

        context.route("**/*", answer)
        page = context.new_page()
        page.on("popup", lambda _popup: setattr(seen, "popups", seen.popups + 1))

        def on_dialog(dialog: Dialog) -> None:
            seen.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(PAGE, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        if inner_html is not None:
            page.evaluate(WRITE_BODIES, inner_html)
            page.wait_for_function(
                "() => Array.from(document.images).every((img) => img.complete)", timeout=LOAD_TIMEOUT_MS
            )
        page.wait_for_timeout(SETTLE_MS)
        for frame in page.frames:
            try:
                frame.evaluate(POKE)
            except Error:
                pass  # a frame that navigated or went away while poked
        page.wait_for_timeout(SETTLE_MS)
        # A zero must not come from a page that went away or a recorder that never went in.
        assert page.url == PAGE, f"the showcase navigated to {page.url}"
        assert page.main_frame.evaluate(STATE)["installed"], "the recorder is missing from the page"
        for frame in page.frames:
            try:
                state = frame.evaluate(STATE)
            except Error:
                continue  # a payload's frame that went away; the main frame was read above
            key = frame_key(frame)
            seen.recorded.setdefault(key, []).extend(state["xss"])
            seen.violations.setdefault(key, []).extend(state["csp"])
    finally:
        context.close()
    return seen


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium or a failure: a machine without it must not pass this file by skipping it."""
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as err:
            pytest.fail(f"Chromium did not launch from {CHROMIUM} (make test installs it): {err}")
        yield launched
        launched.close()


def sanitised(payload: str) -> str:
    return sanitize(payload, set())


def describe(seen: Executions, bodies: list[str]) -> str:
    lines = []
    for key in sorted(seen.frames_that_ran()):
        index = int(key[1:]) if key.startswith("p") and key[1:].isdigit() else None
        where = f"payload {index}: {PAYLOADS[index]!r} -> {bodies[index]!r}" if index is not None else key
        lines.append(
            f"{where}\n    recorded {seen.recorded.get(key)}; CSP {sorted(set(seen.violations.get(key, [])))}"
        )
    lines += [f"dialog: {m}" for m in seen.dialogs] + ([f"popups: {seen.popups}"] if seen.popups else [])
    return "\n".join(lines)


Layout = Callable[[Browser, list[str]], Executions]
LAYOUTS: dict[str, Layout] = {
    "document": lambda browser, bodies: render(browser, document_page(bodies)),
    "inner_html": lambda browser, bodies: render(
        browser, document_page([""] * len(bodies)), inner_html=bodies
    ),
}


def isolated(browser: Browser, bodies: list[str]) -> Executions:
    return render(browser, isolated_page(bodies))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_raw_corpus_runs_script(browser: Browser, layout: str) -> None:
    """The control: the same pages with the bodies unsanitised. Both witnesses must see script."""
    seen = LAYOUTS[layout](browser, list(PAYLOADS))
    assert any(seen.recorded.values()), "the recorder saw nothing on the raw page"
    assert any(seen.violations.values()), "CSP reported nothing on the raw page"


def test_most_raw_payloads_are_live_in_chromium(browser: Browser) -> None:
    """Each raw payload in its own frame: enough of the corpus runs in today's Chromium, and each
    witness alone sees most of it, for the zero below to mean something. (74 of 124 ran with
    Chromium 156: the IE-only, filter-evasion-only and mutation-only entries stay inert here.)"""
    seen = isolated(browser, list(PAYLOADS))
    by_recorder = {k for k, v in seen.recorded.items() if v and k.startswith("p")}
    by_csp = {k for k, v in seen.violations.items() if v and k.startswith("p")}
    live = sorted(int(k[1:]) for k in by_recorder | by_csp)
    assert len(live) >= 60, f"only {len(live)} of {len(PAYLOADS)} raw payloads ran: {live}"
    assert len(by_recorder) >= 50, f"the recorder saw only {len(by_recorder)} payloads"
    assert len(by_csp) >= 50, f"CSP reported only {len(by_csp)} payloads"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_sanitised_showcase_runs_no_script(browser: Browser, layout: str) -> None:
    bodies = [sanitised(p) for p in PAYLOADS]
    seen = LAYOUTS[layout](browser, bodies)
    if seen.total():
        report = (
            describe(seen, bodies)
            + "\nthe same bodies one frame each:\n"
            + describe(isolated(browser, bodies), bodies)
        )
        pytest.fail(f"script ran from sanitised bodies ({layout}):\n{report}")
