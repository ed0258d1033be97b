"""Issue 13's pages in the browser, by their labels: the office opens a draft programme, reviews
demand (通过, 退回 with a reason), weighs the 年度评估 and scores a visit, reads 数据统计 with
its charts and Excel file, and publishes the 学习成果汇编; a region contact sees its returned
demand and why, gives a batch back (退回批次), another accepts it from 候补名额, and records a
分享报告; the 团长 and the base exchange 研修需求说明, the base seeing the study purpose and
lodging; the base downloads the published yearbook. Every page is screenshotted and checked
for console errors and unlabelled controls (tests/browser/conftest.py)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, Visit, WebStack, open_visit
from tests.browser.test_main_paths import NEW_PASSWORD, dialog, first_login, login, logout, menu
from tests.e2e.conftest import ADMIN_PHONE, PROGRAMME

pytestmark = pytest.mark.browser

BASE_PHONE, LEADER = "13600000031", "13700000031"
R1, R2, R3 = "13900000031", "13900000032", "13900000033"
NAMES = {R1: "番禺实验区", R2: "增城实验区", R3: "从化实验区"}
PURPOSE = "学习大单元教学设计，重点观摩语文课堂"
ADDRESS = "北京市海淀区学院路1号专家公寓"


def api(stack: WebStack, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    r = stack.call(method, path, token, body)
    assert r.ok, (method, path, r.status_code, r.text[:300])
    return r.json() if r.text else None


def world(stack: WebStack, today: date) -> dict[str, Any]:
    """Three regions, a base, a draft programme, a past batch (for 分享报告) and a later one."""
    admin = stack.ready(ADMIN_PHONE, NEW_PASSWORD)
    regions = {
        p: api(
            stack,
            "POST",
            "/regions",
            admin,
            {"name": n, "contact": {"name": f"{n[:2]}老师", "phone": p, "email": f"r{p[-1]}@example.cn"}},
        )["region_id"]
        for p, n in NAMES.items()
    }
    base = api(
        stack,
        "POST",
        "/bases",
        admin,
        {
            "name": "北京市第二实验小学",
            "stages": ["primary"],
            "city": "北京",
            "contact": {"name": "孙老师", "phone": BASE_PHONE, "email": "sun@example.cn"},
        },
    )["base_id"]
    pid = api(
        stack, "POST", "/programmes", admin, {**PROGRAMME, "name": "2099学年研修基地项目", "draft": True}
    )["programme_id"]
    batches = {}
    for name, start in (("past", today - timedelta(days=30)), ("later", today + timedelta(days=30))):
        body = {
            "base_id": base,
            "stage": "primary",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=11)).isoformat(),
            "study_type": "placement",
            "lodging": True,
            "lodging_address": ADDRESS,
            "lodging_notes": "步行10分钟到校",
        }
        batches[name] = api(stack, "POST", f"/programmes/{pid}/batches", admin, body)["batch_id"]
    return {"admin": admin, "regions": regions, "pid": pid, "batches": batches, "base": base}


def in_row(page: Page, text: str):  # noqa: ANN201 - a Locator
    return page.get_by_role("row").filter(has_text=text)


def office_opens_and_reviews(v: Visit, stack: WebStack, w: dict[str, Any]) -> None:
    page = v.page
    login(v, ADMIN_PHONE, NEW_PASSWORD)
    menu(v, "项目")
    row = in_row(page, "2099学年研修基地项目")
    expect(row.get_by_role("cell", name="草稿", exact=True)).to_be_visible()
    v.shot("office-项目-草稿")
    row.get_by_role("button", name="开放").click()
    expect(page.get_by_text("项目已开放，已通知各实验区联系人")).to_be_visible()
    expect(row.get_by_role("cell", name="已开放", exact=True)).to_be_visible()
    opened = [m for m in stack.outbox()["sms"] if "已开始研修需求申报" in m["text"]]
    assert {m["phone"][-11:] for m in opened} == set(NAMES)
    logout(v)
    # The regions ask (API): R1 10 places, R2 and R3 5 each
    tokens = {p: stack.ready(p, "Region-Secret-2026") for p in NAMES}
    for phone, places in ((R1, 10), (R2, 5), (R3, 5)):
        body = {
            "study_type": "placement",
            "purpose": PURPOSE,
            "items": [{"stage": "primary", "places": places, "remark": "语文学科"}],
        }
        api(stack, "POST", f"/programmes/{w['pid']}/demands", tokens[phone], body)
    w["tokens"] = tokens
    login(v, ADMIN_PHONE, NEW_PASSWORD)
    menu(v, "研修需求")
    for phone in (R1, R2):
        in_row(page, NAMES[phone]).get_by_role("button", name="通过").click()
        expect(in_row(page, NAMES[phone]).get_by_role("cell", name=re.compile("^已通过"))).to_be_visible()
    v.press(in_row(page, NAMES[R3]).get_by_role("button", name="退回"))
    form = dialog(page, "退回研修需求")
    form.get_by_role("button", name="确认退回").click()
    expect(form.get_by_text("请填写退回原因")).to_be_visible()  # the reason is required
    form.get_by_label("退回原因").fill("研修学习目的与学段不符，请修改后重新提交")
    v.shot("office-研修需求-退回")
    form.get_by_role("button", name="确认退回").click()
    expect(page.get_by_text("已退回，名额已退还并已通知实验区联系人")).to_be_visible()
    expect(in_row(page, NAMES[R3]).get_by_text("原因：研修学习目的与学段不符")).to_be_visible()
    v.shot("office-研修需求")
    logout(v)
    # The office gives the past batch to R1 and the later one to R2 (API)
    api(stack, "PUT", f"/batches/{w['batches']['past']}/region", w["admin"], {"region_id": w["regions"][R1]})
    api(stack, "PUT", f"/batches/{w['batches']['later']}/region", w["admin"], {"region_id": w["regions"][R2]})


def regions_give_back_and_take(v: Visit, w: dict[str, Any]) -> None:
    page = v.page
    # R3 sees its demand returned, and why
    login(v, R3, "Region-Secret-2026")
    menu(v, "研修学习需求")
    expect(page.get_by_role("cell", name=re.compile("^已退回"))).to_be_visible()
    expect(page.get_by_text("退回原因：研修学习目的与学段不符，请修改后重新提交")).to_be_visible()
    v.shot("region-研修学习需求-已退回")
    logout(v)
    # R2 gives its batch back
    login(v, R2, "Region-Secret-2026")
    menu(v, "研修人员管理")
    v.press(page.get_by_role("button", name="退回批次"))
    form = dialog(page, "退回批次")
    form.get_by_label("退回原因").fill("研修日期与期中考试冲突")
    v.shot("region-研修人员管理-退回批次")
    form.get_by_role("button", name="确认退回").click()
    expect(page.get_by_text("批次已退回")).to_be_visible()
    expect(page.get_by_role("button", name="管理名单")).to_have_count(0)
    logout(v)
    # R1, still short, is offered it and accepts
    login(v, R1, "Region-Secret-2026")
    menu(v, "候补名额")
    expect(page.get_by_role("cell", name="待答复")).to_be_visible()
    v.shot("region-候补名额")
    v.press(page.get_by_role("button", name="接受"))
    expect(page.get_by_role("cell", name="已接受")).to_be_visible()
    menu(v, "研修人员管理")
    expect(page.get_by_role("button", name="管理名单")).to_have_count(2)
    logout(v)


def leader_and_base_talk(v: Visit, stack: WebStack, w: dict[str, Any]) -> None:
    page = v.page
    past = w["batches"]["past"]
    contact = w["tokens"][R1]
    for person in (
        {
            "name": "周团长",
            "gender": "female",
            "phone": LEADER,
            "unit": "番禺一小",
            "team_role": "leader",
            "email": "zhou@example.cn",
        },
        {
            "name": "吴老师",
            "gender": "male",
            "phone": "13700000032",
            "unit": "番禺一小",
            "team_role": "member",
        },
    ):
        api(stack, "POST", f"/batches/{past}/trainees", contact, person)
    api(stack, "POST", f"/batches/{past}/roster/confirm", contact)
    # The 团长 writes to the base
    first_login(v, stack, LEADER)
    menu(v, "我的研修学习")
    v.press(page.get_by_role("button", name="研修需求说明"))
    notes = page.get_by_role("dialog", name=re.compile("^研修需求说明"))
    notes.get_by_label("研修需求说明").fill("希望重点观摩语文大单元教学，并参加一次教研活动。")
    v.shot("trainee-研修需求说明")
    notes.get_by_role("button", name="发送").click()
    expect(notes.get_by_text("希望重点观摩语文大单元教学")).to_be_visible()
    page.keyboard.press("Escape")
    logout(v)
    # The base sees what the region asked for, lodging and the 团长, and answers
    first_login(v, stack, BASE_PHONE)
    menu(v, "批次与名单")
    expect(page.get_by_text(PURPOSE).first).to_be_visible()
    expect(page.get_by_text(ADDRESS).first).to_be_visible()
    expect(page.get_by_text(f"周团长，电话 {LEADER}")).to_be_visible()
    v.shot("base-批次与名单-研修需求")
    v.press(page.get_by_role("button", name="研修需求说明").first)
    notes = page.get_by_role("dialog", name=re.compile("^研修需求说明"))
    expect(notes.get_by_text("希望重点观摩语文大单元教学")).to_be_visible()
    notes.get_by_label("回复").fill("欢迎！已安排教研活动。")
    notes.get_by_role("button", name="发送").click()
    expect(notes.get_by_text("欢迎！已安排教研活动。")).to_be_visible()
    v.shot("base-研修需求说明")
    page.keyboard.press("Escape")
    logout(v)


def region_records_sharing(v: Visit, today: date) -> None:
    page = v.page
    login(v, R1, "Region-Secret-2026")
    menu(v, "分享报告")
    row = in_row(page, "周团长")
    expect(row.get_by_role("cell", name="未记录")).to_be_visible()
    v.press(row.get_by_role("button", name="记录"))
    form = dialog(page, "分享报告：周团长")
    form.get_by_label("报告日期").fill((today - timedelta(days=1)).isoformat())
    form.get_by_label("听众人数").fill("120")
    form.get_by_label("简述").fill("面向全区语文教师分享大单元教学")
    v.shot("region-分享报告-记录")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("分享报告已记录")).to_be_visible()
    expect(row.get_by_role("cell", name="120")).to_be_visible()
    v.shot("region-分享报告")
    logout(v)


def office_year_end(v: Visit, stack: WebStack) -> None:
    page = v.page
    login(v, ADMIN_PHONE, NEW_PASSWORD)
    menu(v, "年度评估")
    expect(page.get_by_role("cell", name=NAMES[R1])).to_be_visible()
    page.get_by_label("组织管理权重").fill("30")
    page.get_by_label("综合调研权重").fill("10")
    page.get_by_role("button", name="保存权重").click()
    expect(page.get_by_text("权重已保存")).to_be_visible()
    v.press(in_row(page, NAMES[R1]).get_by_role("button", name="综合调研评分"))
    form = page.get_by_role("dialog", name=re.compile("^综合调研"))
    form.get_by_label("评分").fill("90")
    form.get_by_label("评语").fill("组织保障到位")
    form.get_by_role("button", name="保存").click()
    expect(in_row(page, NAMES[R1]).get_by_role("cell", name="90.0")).to_be_visible()
    v.shot("office-年度评估")

    menu(v, "数据统计")
    expect(page.get_by_role("cell", name=NAMES[R1]).first).to_be_visible()
    expect(page.locator("canvas")).to_have_count(3)
    v.press(page.get_by_role("button", name="导出 Excel"))
    expect(page.get_by_role("link", name="下载统计表")).to_be_visible()
    v.shot("office-数据统计")

    menu(v, "学习成果汇编")
    expect(page.get_by_text("学习成果汇编尚未发布。")).to_be_visible()
    page.get_by_role("button", name="生成草稿").click()
    expect(page.get_by_text("草稿生成中…")).to_be_visible()
    stack.run_job("exports")
    expect(page.get_by_role("link", name="下载草稿")).to_be_visible(timeout=20_000)
    v.press(page.get_by_role("button", name="发布", exact=True))
    expect(page.get_by_role("link", name="下载学习成果汇编")).to_be_visible()
    v.shot("office-学习成果汇编")
    logout(v)
    mails = [m for m in stack.outbox()["email"] if "学习成果汇编已发布" in m["subject"]]
    assert {"sun@example.cn", "r1@example.cn"} <= {to for m in mails for to in m["to"]}


def base_downloads(v: Visit) -> None:
    page = v.page
    login(v, BASE_PHONE, NEW_PASSWORD)
    menu(v, "学习成果汇编")
    expect(page.get_by_role("link", name="下载学习成果汇编")).to_be_visible()
    v.shot("base-学习成果汇编")
    logout(v)


def test_the_research_base_programme_in_the_browser(web_stack: WebStack, browser: Browser) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    w = world(web_stack, today)
    v = open_visit(browser, web_stack.web, DESKTOP, "office")
    try:
        office_opens_and_reviews(v, web_stack, w)
        v.tag = "region"
        regions_give_back_and_take(v, w)
        v.tag = "trainee"
        leader_and_base_talk(v, web_stack, w)
        v.tag = "region"
        region_records_sharing(v, today)
        v.tag = "office"
        office_year_end(v, web_stack)
        v.tag = "base"
        base_downloads(v)
    finally:
        v.context.close()
