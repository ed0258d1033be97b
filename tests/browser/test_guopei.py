"""The 国培 学员信息表 in a real browser against the local stack, found by the labels WEB.md
names: the office creates a 国培计划 programme and a county with its admin's 单位, and gives it
places; the county admin logs in with the SMS password, downloads the template (the seed's
form), imports a file and sees the bad row at its row and column, downloads the error
workbook, commits, adds, changes and removes one person (a wrong ID number shown beside its
field first), and confirms (确认报送); the office reads the counties' summary and the list with
ID numbers masked, and reveals one. Every page is screenshotted (build/screenshots/), checked
for console errors and unlabelled controls; the main actions are driven by keyboard."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, FilePayload, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, WebStack, open_visit
from tests.browser.test_main_paths import NEW_PASSWORD, dialog, first_login, login, logout, menu, pick
from tests.e2e.conftest import ADMIN_PHONE
from tests.guopei_people import HEADERS, TITLE, person

pytestmark = pytest.mark.browser

PROGRAMME = "“国培计划（2020）”——陕西省项目区县中小学青年教师学科教学助力培训项目"
COUNTY = "延长县"
COUNTY_PHONE = "13900000021"
MASKED = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


def people_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([TITLE])
    writer.writerow(["管理员姓名：延长管理员", "电话：" + COUNTY_PHONE, "单位：延长县教育局"])
    writer.writerow([*HEADERS, "角色"])
    fields = [
        "name",
        "id_number",
        "city",
        "county",
        "unit",
        "title",
        "position",
        "phone",
        "qq",
        "email",
        "stage",
        "subject",
        "campus",
        "role",
    ]
    for row in rows:
        writer.writerow([row[f] for f in fields])
    return out.getvalue().encode("utf-8-sig")


def office_sets_up(v: Visit, stack: WebStack) -> None:
    page = v.page
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    deadline, start, end = today + timedelta(days=60), today + timedelta(days=70), today + timedelta(days=160)
    first_login(v, stack, ADMIN_PHONE)
    menu(v, "项目")
    v.press(page.get_by_role("button", name="新建项目"))
    form = dialog(page, "新建项目")
    pick(page, "项目类型", "国培计划")
    form.get_by_label("项目名称").fill(PROGRAMME)
    form.get_by_label("学年").fill(f"{start.year}-{start.year + 1}")
    form.get_by_label("报名截止").fill(f"{deadline.isoformat()}T23:59:59")
    form.get_by_label("开始日期").fill(start.isoformat())
    form.get_by_label("结束日期").fill(end.isoformat())
    expect(form.get_by_label("需求填报截止")).to_have_count(0)  # a 国培 programme has none
    v.shot("office-项目-新建国培")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_role("cell", name=PROGRAMME)).to_be_visible()
    expect(page.get_by_role("cell", name="国培计划", exact=True)).to_be_visible()

    menu(v, "实验区")
    page.get_by_role("button", name="新建实验区").click()
    form = dialog(page, "新建实验区")
    form.get_by_label("实验区名称").fill(COUNTY)
    form.get_by_label("联系人姓名").fill("延长管理员")
    form.get_by_label("联系人手机号").fill(COUNTY_PHONE)
    form.get_by_label("联系人单位").fill("延长县教育局")
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_role("cell", name="延长县教育局")).to_be_visible()
    v.shot("office-实验区-区县")

    menu(v, "名额")
    pick(page, "项目", PROGRAMME)
    places = page.get_by_label(f"{COUNTY} 名额")
    places.fill("85")
    page.get_by_role("row", name=re.compile(COUNTY)).get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"{COUNTY}：名额已设为 85")).to_be_visible()
    logout(v)


def county_admin_enrols(v: Visit, stack: WebStack) -> list[dict[str, str]]:
    page = v.page
    first_login(v, stack, COUNTY_PHONE)
    menu(v, "学员信息表")
    expect(page.get_by_text("填报中")).to_be_visible()
    expect(page.get_by_role("cell", name="85", exact=True)).to_be_visible()
    v.shot("county-学员信息表")

    # 模板下载: the seed's form for the county
    from openpyxl import load_workbook

    with page.expect_download() as got:
        v.press(page.get_by_role("button", name="模板下载"))
    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).worksheets[0]
    assert sheet["A1"].value == TITLE
    assert sheet["A2"].value == "管理员姓名：延长管理员" and sheet["D4"].value == COUNTY
    assert [sheet.cell(3, c).value for c in range(1, 14)] == HEADERS

    # 导入: three people, the third with a wrong phone
    people = [person(COUNTY, n) for n in (1, 2, 3)]
    people[2] = {**people[2], "phone": "1380000000"}
    v.allowed.append(re.compile(r"status of 4(09|22)"))
    upload: FilePayload = {
        "name": "延长县学员信息表.csv",
        "mimeType": "text/csv",
        "buffer": people_csv(people),
    }
    page.get_by_label("选择学员信息表文件（.xlsx 或 .csv）").set_input_files(files=[upload])
    preview = dialog(page, "导入预览")
    expect(
        preview.get_by_text("共 3 行，无误 2 行，其中将新报名 2 人（参训学员 2 人）；错误 1 处")
    ).to_be_visible()
    errors = preview.get_by_role("table")
    expect(errors.get_by_role("cell", name="第6行")).to_be_visible()
    expect(errors.get_by_role("cell", name="联系方式")).to_be_visible()
    expect(errors.get_by_role("cell", name="须为11位手机号（1开头）")).to_be_visible()
    v.shot("county-导入预览")
    with page.expect_download() as got:
        preview.get_by_role("button", name="下载错误说明").click()
    table = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).worksheets[0]
    assert table.cell(3, 1).value == "行号" and "须为11位手机号" in str(table.cell(6, table.max_column).value)
    preview.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入 2 人")).to_be_visible()
    for p in people[:2]:
        expect(page.get_by_role("cell", name=p["name"], exact=True)).to_be_visible()
        masked = p["id_number"][:4] + "*" * 10 + p["id_number"][-4:]
        expect(page.get_by_role("cell", name=masked)).to_be_visible()
    expect(page.get_by_text(people[0]["id_number"])).to_have_count(0)

    # 添加人员: a wrong ID number is shown beside its field, then corrected
    host = person(COUNTY, 4)
    v.press(page.get_by_role("button", name="添加人员"))
    form = dialog(page, "添加人员")
    form.get_by_label("姓名").fill(host["name"])
    form.get_by_label("身份证号").fill(
        host["id_number"][:17] + ("0" if host["id_number"][17] != "0" else "1")
    )
    form.get_by_label("所在地区（市）").fill(host["city"])
    form.get_by_label("单位").fill(host["unit"])
    form.get_by_label("职称").fill(host["title"])
    form.get_by_label("联系方式").fill(host["phone"])
    form.get_by_label("QQ号").fill(host["qq"])
    pick(page, "主要任教学段", "初中")
    pick(page, "主要任教学科", "数学")
    form.get_by_label("所属校区").fill("本部")
    pick(page, "角色", "工作坊主持人")
    v.shot("county-添加人员")
    form.get_by_role("button", name="提交").click()
    expect(form.get_by_text("身份证号校验位不正确，请核对")).to_be_visible()
    form.get_by_label("身份证号").fill(host["id_number"])
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_role("cell", name=host["name"], exact=True)).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile(host["name"])).get_by_role("cell", name="工作坊主持人")
    ).to_be_visible()

    # 修改 and 删除
    row = page.get_by_role("row", name=re.compile(people[0]["name"]))
    row.get_by_role("button", name="修改").click()
    form = dialog(page, "修改人员")
    form.get_by_label("职称").fill("高级教师")
    form.get_by_role("button", name="确认").click()
    expect(
        page.get_by_role("row", name=re.compile(people[0]["name"])).get_by_role("cell", name="高级教师")
    ).to_be_visible()
    page.get_by_role("row", name=re.compile(people[1]["name"])).get_by_role("button", name="删除").click()
    page.get_by_role("dialog", name="删除确认").get_by_role("button", name="删除").click()
    expect(page.get_by_role("cell", name=people[1]["name"], exact=True)).to_have_count(0)
    v.shot("county-学员信息表-名单")

    # 确认报送
    v.press(page.get_by_role("button", name="确认报送"))
    page.get_by_role("dialog", name="确认报送").get_by_role("button", name="确认报送").click()
    expect(page.get_by_text("已确认报送").first).to_be_visible()
    expect(page.get_by_role("button", name="添加人员")).to_be_disabled()
    expect(page.get_by_role("cell", name="已开通")).to_have_count(2)
    v.shot("county-学员信息表-已确认报送")
    logout(v)
    return [people[0], host]


def office_reads_and_reveals(v: Visit, enrolled: list[dict[str, str]]) -> None:
    page = v.page
    login(v, ADMIN_PHONE, NEW_PASSWORD)
    menu(v, "国培学员")
    expect(page.get_by_role("cell", name=COUNTY, exact=True).first).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(COUNTY)).first.get_by_text("已确认报送")).to_be_visible()
    first = enrolled[0]
    masked = first["id_number"][:4] + "*" * 10 + first["id_number"][-4:]
    expect(page.get_by_role("cell", name=masked)).to_be_visible()
    v.shot("office-国培学员")
    page.get_by_role("row", name=re.compile(first["name"])).get_by_role("button", name="查看身份证号").click()
    shown = page.get_by_role("dialog", name="查看身份证号")
    expect(shown.get_by_text(first["id_number"])).to_be_visible()
    expect(shown.get_by_text("本次查看已记录")).to_be_visible()
    v.shot("office-查看身份证号")
    shown.get_by_role("button", name="关闭", exact=True).click()
    expect(shown).to_be_hidden()


def test_the_county_admin_fills_and_confirms_the_list_and_the_office_reads_it(
    web_stack: WebStack, browser: Browser
) -> None:
    desk = open_visit(browser, web_stack.web, DESKTOP, "office")
    phone = open_visit(browser, web_stack.web, PHONE, "county")
    try:
        office_sets_up(desk, web_stack)
        desk.tag = "county"
        enrolled = county_admin_enrols(desk, web_stack)
        desk.tag = "office"
        office_reads_and_reveals(desk, enrolled)
        # The county admin's page on a phone: the confirmed list, read only
        login(phone, COUNTY_PHONE, NEW_PASSWORD)
        expect(phone.page).to_have_url(re.compile(r"/profile$"))
        expect(phone.page.get_by_role("button", name="菜单")).to_be_visible()
        menu(phone, "学员信息表")
        expect(phone.page.get_by_text("已确认报送").first).to_be_visible()
        cells = phone.page.get_by_role("cell", name=MASKED)
        expect(cells.first).to_be_visible()
        phone.shot("county-学员信息表")
    finally:
        desk.context.close()
        phone.context.close()
