"""忘记密码 and 账号管理 in the browser (API.md "Account recovery"): a code by SMS resets a
forgotten password and the person is in at once; the office finds an account by name, sends
it a new initial password, and stops and restarts it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, WebStack, open_visit
from tests.browser.test_main_paths import NEW_PASSWORD, login, menu
from tests.e2e.conftest import ADMIN_PHONE

pytestmark = pytest.mark.browser

REGION_PHONE = "13900000021"


def latest_code(stack: WebStack, phone: str) -> str:
    texts = [m["text"] for m in stack.outbox()["sms"] if m["phone"].endswith(phone)]
    codes = [c for t in texts if "初始密码" not in t for c in re.findall(r"(?<!\d)(\d{6})(?!\d)", t)]
    assert codes, f"no 6-digit code in the SMS to {phone}: {texts}"
    return codes[-1]


def test_forgotten_password_and_account_management(web_stack: WebStack, browser: Browser) -> None:
    stack = web_stack
    admin = stack.ready(ADMIN_PHONE, NEW_PASSWORD)
    assert stack.call(
        "POST",
        "/regions",
        admin,
        {"name": "花都实验区", "contact": {"name": "周老师", "phone": REGION_PHONE}},
    ).ok
    stack.ready(REGION_PHONE, "Region-Secret-2026")
    v = open_visit(browser, stack.web, DESKTOP, "accounts")
    page = v.page
    try:
        v.goto("/login")
        page.get_by_role("link", name="忘记密码").click()
        expect(page.get_by_role("heading", name="忘记密码")).to_be_visible()  # the page's chunk is in
        page.get_by_label("手机号").fill(REGION_PHONE)
        v.press(page.get_by_role("button", name="发送验证码"))
        expect(page.get_by_label("验证码")).to_be_visible()  # the API has answered
        page.get_by_label("验证码").fill(latest_code(stack, REGION_PHONE))
        page.get_by_label("新密码", exact=True).fill("Forgot-Secret-2026")
        page.get_by_label("确认新密码").fill("Forgot-Secret-2026")
        v.shot("public-忘记密码")
        page.get_by_role("button", name="重置密码").click()
        expect(page).to_have_url(re.compile(r"/profile$"))  # in at once, with the new password
        page.get_by_role("button", name="退出登录").click()
        login(v, REGION_PHONE, "Forgot-Secret-2026")
        expect(page).to_have_url(re.compile(r"/profile$"))
        page.get_by_role("button", name="退出登录").click()

        login(v, ADMIN_PHONE, NEW_PASSWORD)
        menu(v, "账号管理")
        page.get_by_label("姓名或手机号").fill("周老师")
        v.press(page.get_by_role("button", name="搜索"))
        expect(page.get_by_role("cell", name="周老师")).to_be_visible()
        v.shot("office-账号管理")
        page.get_by_role("button", name="重发初始密码").click()
        page.get_by_role("dialog", name="请确认").get_by_role("button", name="确定").click()
        expect(page.get_by_text("初始密码已重发")).to_be_visible()
        page.get_by_role("button", name="停用").click()
        page.get_by_role("dialog", name="请确认").get_by_role("button", name="确定").click()
        expect(page.get_by_role("cell", name="已停用")).to_be_visible()
        page.get_by_role("button", name="启用").click()
        page.get_by_role("dialog", name="请确认").get_by_role("button", name="确定").click()
        expect(page.get_by_role("cell", name="正常")).to_be_visible()
    finally:
        v.context.close()
