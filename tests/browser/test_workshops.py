"""国培 workshops in a real browser against the local stack, found by the labels the pages
show (issue 14): the county admin forms a workshop (组建工作坊) with a confirmed host and places
two trainees (设置学员); the host writes the 研修主题 and 行动方案, publishes a 通知 with SMS, sets
an assignment (布置作业), holds a 集中研修 today and opens a 研讨 and a 简报; a trainee on a phone
submits the assignment in the rich-text editor, checks in (签到) and replies; the host grades it
(批改: 分数, 改进提升建议) and hides a reply; the trainee reads the grade and the county admin the
counts; after the survey, the county admin reads its 国培评估 (its county, the survey's charts) and
the office its 国培工作坊 (the county's workshop). The people and the programme are set up
through the API (the enrolment's own browser test walks those pages); every page is
screenshotted and checked for unlabelled controls."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, WebStack, open_visit
from tests.browser.test_main_paths import NEW_PASSWORD, dialog, login, menu, pick
from tests.e2e.conftest import ADMIN_PHONE
from tests.guopei_people import as_body, person

pytestmark = pytest.mark.browser

PROGRAMME = "“国培计划（2020）”——陕西省项目区县中小学青年教师学科教学助力培训项目（工作坊）"
COUNTY = "绥德县"
COUNTY_PHONE = "13900000031"
HOST = person(COUNTY, 30, role="工作坊主持人")
T1 = person(COUNTY, 4)  # 小学数学
T2 = person(COUNTY, 10)  # 小学数学
WORKSHOP = "绥德县小学数学第一工作坊"


def set_up(stack: WebStack) -> None:
    """A 国培 programme whose county list is confirmed and whose term has begun."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    admin = stack.ready(ADMIN_PHONE, NEW_PASSWORD)
    made = stack.call(
        "POST",
        "/programmes",
        admin,
        {
            "name": PROGRAMME,
            "kind": "guopei",
            "academic_year": f"{today.year}-{today.year + 1}",
            "enrolment_deadline": f"{(today + timedelta(days=5)).isoformat()}T23:59:59+08:00",
            "start_date": (today + timedelta(days=5)).isoformat(),
            "end_date": (today + timedelta(days=90)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    pid = made.json()["programme_id"]
    region = stack.call(
        "POST",
        "/regions",
        admin,
        {"name": COUNTY, "contact": {"name": "绥德管理员", "phone": COUNTY_PHONE, "unit": "绥德县教育局"}},
    ).json()["region_id"]
    assert stack.call("PUT", f"/programmes/{pid}/quotas/{region}", admin, {"places": 340}).status_code == 200
    county = stack.ready(COUNTY_PHONE, NEW_PASSWORD)
    for p in (HOST, T1, T2):
        added = stack.call("POST", f"/programmes/{pid}/enrolments", county, as_body(p))
        assert added.status_code == 201, added.text
    assert stack.call("POST", f"/programmes/{pid}/enrolment/confirm", county).status_code == 200
    # The term begins: the office moves the dates (the list is closed already)
    moved = stack.call(
        "PATCH",
        f"/programmes/{pid}",
        admin,
        {
            "enrolment_deadline": f"{(today - timedelta(days=2)).isoformat()}T23:59:59+08:00",
            "start_date": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert moved.status_code == 200, moved.text
    for p in (HOST, T1, T2):
        stack.ready(p["phone"], NEW_PASSWORD)


def county_forms(v: Visit) -> None:
    page = v.page
    login(v, COUNTY_PHONE, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/profile$"))
    menu(v, "工作坊")
    v.press(page.get_by_role("button", name="组建工作坊"))
    form = dialog(page, "组建工作坊")
    form.get_by_label("工作坊名称", exact=True).fill(WORKSHOP)
    pick(page, "学段", "小学")
    pick(page, "学科", "数学")
    pick(page, "主持人", HOST["name"])
    v.shot("county-组建工作坊")
    form.get_by_role("button", name="保存").click()
    row = page.get_by_role("row").filter(has_text=WORKSHOP)
    expect(row).to_be_visible()
    row.get_by_role("button", name="设置学员").click()
    members = dialog(page, "设置学员")
    members.get_by_text(re.compile(T1["name"])).click()  # where a person clicks: the name
    members.get_by_text(re.compile(T2["name"])).click()
    v.shot("county-设置学员")
    members.get_by_role("button", name="保存").click()
    expect(row.get_by_role("cell", name="2", exact=True).first).to_be_visible()
    v.shot("county-工作坊")


def host_runs_the_workshop(v: Visit, today: str) -> None:
    page = v.page
    login(v, HOST["phone"], NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/profile$"))
    menu(v, "我的工作坊")
    page.get_by_label("研修主题", exact=True).fill("小学数学课堂提问的有效性")
    page.get_by_label("行动方案", exact=True).fill("第一阶段：诊断\n第二阶段：课例研磨")
    v.shot("host-研修主题与行动方案")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("研修主题与行动方案已保存")).to_be_visible()

    page.get_by_role("tab", name="通知").click()
    page.get_by_label("通知内容", exact=True).fill("本周四下午集中研修，请准时参加")
    page.get_by_text("同时发送短信").click()
    page.get_by_role("button", name="发布通知").click()
    expect(page.get_by_role("cell", name="本周四下午集中研修，请准时参加")).to_be_visible()
    expect(page.get_by_role("cell", name="2人")).to_be_visible()
    v.shot("host-通知")

    page.get_by_role("tab", name="作业").click()
    page.get_by_label("作业名称", exact=True).fill("教学设计")
    page.get_by_label("作业要求", exact=True).fill("提交一份小学数学教学设计")
    due = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=3)
    page.get_by_label("截止时间", exact=True).fill(due.strftime("%Y-%m-%dT18:00"))
    page.get_by_role("button", name="布置作业").click()
    expect(page.get_by_role("cell", name="教学设计", exact=True)).to_be_visible()
    v.shot("host-作业")

    page.get_by_role("tab", name="集中研修").click()
    page.get_by_label("活动名称", exact=True).fill("课例研磨")
    page.get_by_label("活动日期", exact=True).fill(today)
    page.get_by_label("活动地点", exact=True).fill("绥德县第一小学")
    page.get_by_role("button", name="安排活动").click()
    expect(page.get_by_role("cell", name="课例研磨")).to_be_visible()

    page.get_by_role("tab", name="研讨").click()
    page.get_by_label("研讨主题", exact=True).fill("如何设计开放题")
    page.get_by_label("主题说明", exact=True).fill("请结合课例分享")
    page.get_by_role("button", name="发起研讨").click()
    expect(page.get_by_role("cell", name="如何设计开放题")).to_be_visible()

    page.get_by_role("tab", name="简报").click()
    page.get_by_label("简报标题", exact=True).fill("第一期简报")
    editor = page.get_by_role("textbox", name="简报正文")
    editor.click()
    editor.type("工作坊开班，学员全部到齐。")
    page.get_by_role("button", name="发布简报").click()
    expect(page.get_by_role("cell", name="第一期简报")).to_be_visible()
    v.shot("host-简报")


def trainee_takes_part(v: Visit) -> None:
    page = v.page
    login(v, T1["phone"], NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/profile$"))
    menu(v, "我的工作坊")
    expect(page.get_by_role("cell", name="本周四下午集中研修，请准时参加")).to_be_visible()
    v.shot("trainee-通知")
    page.get_by_role("tab", name="作业").click()
    page.get_by_role("button", name="提交作业").click()
    form = dialog(page, "提交作业")
    editor = form.get_by_role("textbox", name="作业内容")
    editor.click()
    editor.type("《分数的意义》教学设计：从分披萨引入。")
    v.shot("trainee-提交作业")
    form.get_by_role("button", name="确定").click()
    expect(page.get_by_text("已提交").first).to_be_visible()
    expect(page.get_by_role("button", name="重新提交")).to_be_visible()

    page.get_by_role("tab", name="集中研修").click()
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_text("已签到")).to_be_visible()
    v.shot("trainee-集中研修")

    page.get_by_role("tab", name="研讨").click()
    page.get_by_role("button", name="参与研讨").click()
    page.get_by_label("回复内容", exact=True).fill("可以从生活情境入手")
    page.get_by_role("button", name="回复").click()
    expect(page.get_by_text("可以从生活情境入手")).to_be_visible()
    v.shot("trainee-研讨")


def host_grades(v: Visit) -> None:
    page = v.page
    menu(v, "我的工作坊")
    page.get_by_role("tab", name="作业").click()
    page.get_by_role("button", name="查看提交").click()
    expect(page.get_by_text("从分披萨引入")).to_be_visible()
    page.get_by_role("button", name="批改").click()
    form = dialog(page, "批改作业")
    form.get_by_label("分数", exact=True).fill("92")
    form.get_by_label("改进提升建议", exact=True).fill("增加分层练习")
    v.shot("host-批改作业")
    form.get_by_role("button", name="保存批改").click()
    expect(page.get_by_text("批改已保存")).to_be_visible()

    page.get_by_role("tab", name="研讨").click()
    page.get_by_role("button", name="查看回复").click()
    page.get_by_role("button", name=f"隐藏{T1['name']}的回复").click()
    expect(page.get_by_text("已隐藏", exact=True)).to_be_visible()
    v.shot("host-研讨")


def relogin(v: Visit, phone: str) -> None:
    if v.page.get_by_role("button", name="退出登录").is_visible():
        v.page.get_by_role("button", name="退出登录").click()
    login(v, phone, NEW_PASSWORD)
    expect(v.page).to_have_url(re.compile(r"/profile$"))


def tab(v: Visit, name: str) -> None:
    """A tab of the page (on a phone the tab bar scrolls: the click is sent to the tab itself)."""
    v.page.get_by_role("tab", name=name).dispatch_event("click")
    v.settle()


def office_sets_study_and_survey(v: Visit) -> None:
    v.tag = "office"
    relogin(v, ADMIN_PHONE)
    menu(v, "国培评估")
    page = v.page
    expect(page.get_by_role("cell", name=COUNTY)).to_be_visible()
    v.shot("office-国培评估")
    tab(v, "研修路径")
    page.get_by_label("主题", exact=True).fill("课堂提问")
    pick(page, "层次", "基础")
    page.get_by_label("课程名称", exact=True).fill("提问的类型")
    page.get_by_label("课程链接", exact=True).fill("https://example.cn/course/1")
    page.get_by_role("button", name="添加课程").click()
    expect(page.get_by_role("cell", name="提问的类型")).to_be_visible()
    v.shot("office-研修路径")
    tab(v, "训后调查")
    page.get_by_role("button", name="发布调查").click()
    expect(page.get_by_text("训后调查已发布")).to_be_visible()


def trainee_follows_the_study_path(v: Visit) -> None:
    page = v.page
    v.goto("/trainee/workshop")
    tab(v, "研修路径")
    page.get_by_role("button", name="提交自我评估").click()
    expect(page.get_by_text("建议选择：基础")).to_be_visible()
    page.get_by_role("button", name="确定层次").click()
    expect(page.get_by_text("已选择基础层次")).to_be_visible()
    page.get_by_role("button", name="完成提问的类型").click()
    expect(page.get_by_role("cell", name="已完成")).to_be_visible()
    expect(page.get_by_text("已完成课程 1 门，学时 1")).to_be_visible()
    v.shot("trainee-研修路径")


def host_collects(v: Visit) -> None:
    v.tag = "host"
    relogin(v, HOST["phone"])
    menu(v, "我的工作坊")
    page = v.page
    tab(v, "优秀成果集")
    v.shot("host-优秀成果集-选入前")
    page.get_by_text(re.compile(f"{T1['name']} · 教学设计 · 92分")).click()
    page.get_by_label("前言", exact=True).fill("本坊学员的优秀教学设计")
    page.get_by_role("button", name="保存成果集").click()
    expect(page.get_by_text("优秀成果集已保存")).to_be_visible(timeout=15_000)
    v.shot("host-优秀成果集")
    tab(v, "学员学时")
    expect(
        page.get_by_role("row").filter(has_text=T1["name"]).get_by_role("cell", name="1", exact=True).first
    ).to_be_visible()


def county_exports_the_book(v: Visit, stack: WebStack) -> None:
    v.tag = "county"
    relogin(v, COUNTY_PHONE)
    menu(v, "工作坊")
    page = v.page
    page.get_by_role("button", name="导出成果册").click()
    expect(page.get_by_text("成果册生成中…")).to_be_visible()
    stack.run_job("exports")  # the exports job (every minute in the cloud)
    expect(page.get_by_role("link", name="下载成果册")).to_be_visible(timeout=20_000)
    v.shot("county-导出成果册")


def term_ends(stack: WebStack) -> None:
    """The office moves the end of the programme to yesterday: the survey opens."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    admin = stack.call("POST", "/auth/login", body={"phone": ADMIN_PHONE, "password": NEW_PASSWORD}).json()[
        "token"
    ]
    programmes = stack.call("GET", "/programmes?limit=100", admin).json()["items"]
    pid = next(p["programme_id"] for p in programmes if p["name"] == PROGRAMME)
    moved = stack.call(
        "PATCH",
        f"/programmes/{pid}",
        admin,
        {
            "start_date": (today - timedelta(days=1)).isoformat(),
            "end_date": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert moved.status_code == 200, moved.text


def trainee_answers_the_survey(v: Visit) -> None:
    page = v.page
    v.goto("/trainee/workshop")
    tab(v, "训后调查")
    page.get_by_text("集中研修", exact=True).last.click()
    page.get_by_label("其他建议", exact=True).fill("多安排听评课")
    v.shot("trainee-训后调查")
    page.get_by_role("button", name="提交调查").click()
    expect(page.get_by_text("您已提交训后调查，感谢参与。")).to_be_visible()


def office_reads_the_results(v: Visit) -> None:
    v.tag = "office"
    relogin(v, ADMIN_PHONE)
    menu(v, "国培评估")
    page = v.page
    tab(v, "训后调查")
    expect(page.get_by_text(re.compile(r"回收 1 份 / 参训 2 人"))).to_be_visible()
    page.get_by_role("button", name="导出调查结果").click()
    expect(page.get_by_role("link", name="下载调查结果（.xlsx）")).to_be_visible()
    v.shot("office-训后调查")


def county_reads_its_evaluation(v: Visit) -> None:
    """国培评估 for the county admin: its own county's row, and the survey's results as charts."""
    v.tag = "county"
    relogin(v, COUNTY_PHONE)
    menu(v, "国培评估")
    page = v.page
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=COUNTY, exact=True))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name="50%")).to_be_visible()  # 1 answer of 2 trainees
    expect(page.get_by_role("tab", name="研修路径")).to_have_count(0)  # the office's own
    v.shot("county-国培评估")
    tab(v, "训后调查")
    expect(page.get_by_text(re.compile(r"回收 1 份 / 参训 2 人"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("最有收获的环节"))).to_be_visible()
    expect(page.locator(".question canvas").first).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="发布调查")).to_have_count(0)
    v.shot("county-训后调查")


def office_sees_the_workshops(v: Visit) -> None:
    """国培工作坊 for the office: the county's workshop, its host, members and counts."""
    v.tag = "office"
    relogin(v, ADMIN_PHONE)
    menu(v, "国培工作坊")
    page = v.page
    row = page.get_by_role("row").filter(has_text=WORKSHOP)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name=HOST["name"])).to_be_visible()
    expect(row.get_by_role("cell", name="2", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="组建工作坊")).to_have_count(0)
    v.shot("office-国培工作坊")


def test_a_workshop_from_forming_to_grading(web_stack: WebStack, browser: Browser) -> None:
    set_up(web_stack)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    desk = open_visit(browser, web_stack.web, DESKTOP, "county")
    phone = open_visit(browser, web_stack.web, PHONE, "trainee")
    try:
        county_forms(desk)
        desk.page.get_by_role("button", name="退出登录").click()
        desk.tag = "host"
        host_runs_the_workshop(desk, today)
        trainee_takes_part(phone)
        host_grades(desk)
        # The trainee reads the grade and the suggestion (the page loaded again)
        phone.goto("/trainee/workshop")
        phone.page.get_by_role("tab", name="作业").click()
        expect(phone.page.get_by_role("cell", name="92", exact=True)).to_be_visible()
        expect(phone.page.get_by_role("cell", name="增加分层练习")).to_be_visible()
        # and no longer sees the hidden reply
        phone.page.get_by_role("tab", name="研讨").click()
        phone.page.get_by_role("button", name="参与研讨").click()
        expect(phone.page.get_by_text("可以从生活情境入手")).to_have_count(0)
        phone.shot("trainee-作业批改")
        # The county admin sees the counts and the plan
        desk.page.get_by_role("button", name="退出登录").click()
        desk.tag = "county"
        login(desk, COUNTY_PHONE, NEW_PASSWORD)
        expect(desk.page).to_have_url(re.compile(r"/profile$"))
        menu(desk, "工作坊")
        row = desk.page.get_by_role("row").filter(has_text=WORKSHOP)
        expect(row.get_by_text("不足2期")).to_be_visible()
        row.get_by_role("button", name="查看").click()
        expect(dialog(desk.page, "工作坊详情").get_by_text("小学数学课堂提问的有效性")).to_be_visible()
        desk.shot("county-工作坊详情")
        desk.page.keyboard.press("Escape")
        office_sets_study_and_survey(desk)
        trainee_follows_the_study_path(phone)
        host_collects(desk)
        county_exports_the_book(desk, web_stack)
        term_ends(web_stack)
        trainee_answers_the_survey(phone)
        office_reads_the_results(desk)
        county_reads_its_evaluation(desk)
        office_sees_the_workshops(desk)
    finally:
        desk.context.close()
        phone.context.close()
