"""What a person sees when things go wrong, in the browser against the local stack: the API's
field errors beside their fields; a 409 (名额已满, 名单已锁定) as the API's Chinese message,
never a blank page, when someone else changed the roster behind the page; a session ended
elsewhere (401) sends the trainee to 登录 with a message, and the half-written 心得体会 is still
there as a browser draft after logging in again, and is sent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, PHONE, WebStack, open_visit
from tests.browser.test_main_paths import NEW_PASSWORD, dialog, login, menu, pick
from tests.e2e.conftest import ADMIN_PHONE

pytestmark = pytest.mark.browser

CONTACT, BASE_CONTACT = "13900000011", "13600000011"


def person(n: int, role: str = "member") -> dict[str, str]:
    return {
        "name": f"研修{n}",
        "gender": "male",
        "phone": f"1370000010{n}",
        "unit": "一小",
        "team_role": role,
    }


def test_errors_show_in_chinese_and_a_dead_session_keeps_the_draft(
    web_stack: WebStack, browser: Browser
) -> None:
    stack = web_stack
    admin = stack.ready(ADMIN_PHONE, NEW_PASSWORD)
    _pid, _base, batch, contact = stack.allocated_batch(admin, "番禺实验区", CONTACT, BASE_CONTACT)
    for n in range(1, 5):
        assert stack.call(
            "POST", f"/batches/{batch}/trainees", contact, person(n, "leader" if n == 1 else "member")
        ).ok

    desk = open_visit(browser, stack.web, DESKTOP, "errors")
    # The API's refusals are answers the page shows: the browser logs each 4xx as a failed load.
    desk.allowed.append(re.compile(r"status of (401|409|422)"))
    page = desk.page
    try:
        # Given the roster page open with 4 of 5 places taken
        login(desk, CONTACT, "Region-Secret-2026")
        menu(desk, "研修人员管理")
        page.get_by_role("button", name="管理名单").click()
        expect(page.get_by_text("已添加 4/5 人")).to_be_visible()
        page.get_by_role("button", name="添加人员").click()
        form = dialog(page, "添加人员")
        form.get_by_label("姓名").fill("迟到者")
        pick(page, "性别", "女")
        form.get_by_label("电话").fill("13700000199")
        form.get_by_label("工作单位").fill("二小")
        # When someone else takes the last place first
        assert stack.call("POST", f"/batches/{batch}/trainees", contact, person(5)).ok
        form.get_by_role("button", name="提交").click()
        # Then the API's 409 is the message, and the form is still there to keep or close
        expect(page.get_by_role("alert").filter(has_text="该批次名额已满")).to_be_visible()
        expect(form.get_by_label("姓名")).to_have_value("迟到者")
        desk.shot("errors-名额已满")
        page.keyboard.press("Escape")

        # When the roster is confirmed elsewhere and the stale page tries to delete someone
        assert stack.call("POST", f"/batches/{batch}/roster/confirm", contact).ok
        page.get_by_role("button", name="删除").first.click()
        page.get_by_role("dialog", name="删除确认").get_by_role("button", name="删除").click()
        expect(page.get_by_role("alert").filter(has_text="名单已确认锁定")).to_be_visible()
        desk.shot("errors-名单已锁定")
        page.get_by_role("button", name="退出登录").click()
    finally:
        desk.context.close()

    phone = open_visit(browser, stack.web, PHONE, "errors")
    phone.allowed.append(re.compile(r"status of (401|409|422)"))
    page = phone.page
    trainee_phone = person(1)["phone"]
    try:
        # A wrong 原密码 is a field error, not the end of the session
        initial = stack.password_of(trainee_phone)
        login(phone, trainee_phone, initial)
        page.get_by_label("原密码").fill("not-the-password-1")
        page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("确认新密码").fill(NEW_PASSWORD)
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".el-form-item", has=page.get_by_label("原密码"))).to_contain_text("原密码不正确")
        expect(page).to_have_url(re.compile(r"/password$"))
        # A new password the API refuses: its reason beside 新密码
        page.get_by_label("原密码").fill(initial)
        page.get_by_label("新密码", exact=True).fill("short1")
        page.get_by_label("确认新密码").fill("short1")
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".el-form-item", has=page.get_by_label("新密码", exact=True))).to_contain_text(
            "密码长度须为"
        )
        phone.shot("errors-修改密码-字段错误")
        page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("确认新密码").fill(NEW_PASSWORD)
        page.get_by_role("button", name="保存").click()
        expect(page).to_have_url(re.compile(r"/profile$"))

        # Given a half-written 心得体会
        menu(phone, "心得体会与学习感悟")
        page.get_by_role("button", name="开始上传").click()
        form = dialog(page, "开始上传")
        form.get_by_label("文件名称").fill("写到一半的心得")
        body = form.get_by_role("textbox", name="正文")
        body.click()
        body.type("上午观摩了两节数学课。")
        # When the session ends elsewhere (logged out from another device)
        token = page.evaluate("() => JSON.parse(sessionStorage.getItem('yanxiu.session')).token")
        assert stack.call("POST", "/auth/logout", token).status_code in (200, 204)
        form.get_by_role("button", name="确定").click()
        # Then 登录 says why, and the token is gone from the tab
        expect(page).to_have_url(re.compile(r"/login\?redirect="))
        expect(page.get_by_text("登录已失效，请重新登录").first).to_be_visible()
        assert "token" not in page.url
        phone.shot("errors-登录已失效")
        # And after logging in again the draft is back where it was, and goes through
        page.get_by_label("手机号").fill(trainee_phone)
        page.get_by_label("密码").fill(NEW_PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(re.compile(r"/trainee/artifacts$"))
        page.get_by_role("button", name="开始上传").click()
        form = dialog(page, "开始上传")
        expect(form.get_by_label("文件名称")).to_have_value("写到一半的心得")
        expect(form.get_by_role("textbox", name="正文")).to_contain_text("上午观摩了两节数学课。")
        form.get_by_role("button", name="确定").click()
        expect(page.get_by_text("写到一半的心得", exact=True)).to_be_visible()
        phone.check_console("errors-草稿已提交")
        assert (
            page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('yanxiu.draft'))") == []
        )
    finally:
        phone.context.close()
