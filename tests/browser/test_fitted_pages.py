"""Pages fitted to the person and the programme, in the browser against the local stack: each
page's 项目 picker offers only its kind of programme (a region contact's 研修学习需求 never
opens on a 国培 programme or a draft), and the demand form shows a row's error beside the row
that was sent; the office reopens a confirmed roster, swaps a trainee and reads the roster's
变更记录 on 批次, restores a deleted piece from 研修档案 and reads 上传率 as the share of
trainees who uploaded; a 国培 trainee and a workshop host find 我的国培项目 and no research-base
menu; the office's 研修需求 filters apply to the whole list, not to the page shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, WebStack, open_visit
from tests.browser.test_main_paths import NEW_PASSWORD, dialog, first_login, login, logout, menu, pick
from tests.e2e.conftest import ADMIN_PHONE, PROGRAMME
from tests.guopei_people import as_body, person

pytestmark = pytest.mark.browser

REGION_PASSWORD = "Region-Secret-2026"


def api(stack: WebStack, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    r = stack.call(method, path, token, body)
    assert r.ok, (method, path, r.status_code, r.text[:300])
    return r.json() if r.text else None


def guopei(name: str) -> dict[str, Any]:
    """A 国培 programme taking names until mid-2027 (the people's ages count from its start)."""
    return {
        "name": name,
        "kind": "guopei",
        "academic_year": "2027-2028",
        "enrolment_deadline": "2027-06-30T23:59:59+08:00",
        "start_date": "2027-07-01",
        "end_date": "2027-12-31",
    }


def region(stack: WebStack, admin: str, name: str, phone: str, unit: str | None = None) -> str:
    contact: dict[str, Any] = {"name": f"{name[:2]}老师", "phone": phone}
    if unit:
        contact["unit"] = unit
    return str(api(stack, "POST", "/regions", admin, {"name": name, "contact": contact})["region_id"])


def chosen(page: Page) -> Locator:
    """The 项目 picker as it shows its choice."""
    return page.locator(".el-select__wrapper", has=page.get_by_role("combobox", name="项目", exact=True))


def offered(page: Page) -> list[str]:
    """The 项目 picker's options, read by opening it (then closed again)."""
    chosen(page).click()
    listbox = page.get_by_role("listbox", name="项目", exact=True)
    expect(listbox).to_be_visible()
    names = [t.strip() for t in listbox.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    return names


@pytest.fixture(scope="module")
def admin(web_stack: WebStack) -> str:
    return web_stack.ready(ADMIN_PHONE, NEW_PASSWORD)


@pytest.fixture
def desk(web_stack: WebStack, browser: Browser) -> Iterator[Visit]:
    visit = open_visit(browser, web_stack.web, DESKTOP, "fitted")
    yield visit
    visit.context.close()


# --- 1. each page its kind of programme; 5. a row's error beside the row sent ---------------------

OPEN_BASE = "2099-2100学年研修基地培训学习"
GUOPEI = "“国培计划（2099）”——区县中小学教师学科教学能力提升项目"
DRAFT_BASE = "2100-2101学年研修基地培训学习"


def test_each_page_offers_its_kind_of_programme_and_a_row_error_shows_on_its_row(
    web_stack: WebStack, admin: str, desk: Visit
) -> None:
    stack, page = web_stack, desk.page
    # Given an open research-base programme with primary and junior batches, then (newer) a
    # 国培 programme the region takes part in as a county, then (newest) a draft
    contact = "13900000051"
    rid = region(stack, admin, "洛川县", contact, unit="洛川县教育局")
    base = api(
        stack,
        "POST",
        "/bases",
        admin,
        {
            "name": "北京市第三实验学校",
            "stages": ["primary", "junior"],
            "city": "北京",
            "contact": {"name": "周老师", "phone": "13600000051"},
        },
    )["base_id"]
    pid = api(stack, "POST", "/programmes", admin, {**PROGRAMME, "name": OPEN_BASE})["programme_id"]
    for stage in ("primary", "junior"):
        batch = {
            "base_id": base,
            "stage": stage,
            "start_date": "2099-09-07",
            "end_date": "2099-09-18",
            "study_type": "placement",
        }
        api(stack, "POST", f"/programmes/{pid}/batches", admin, batch)
    gid = api(stack, "POST", "/programmes", admin, guopei(GUOPEI))["programme_id"]
    api(stack, "PUT", f"/programmes/{gid}/quotas/{rid}", admin, {"places": 10})
    draft = api(stack, "POST", "/programmes", admin, {**PROGRAMME, "name": DRAFT_BASE, "draft": True})
    stack.ready(contact, REGION_PASSWORD)
    desk.allowed.append(re.compile(r"status of 422"))

    # When the region contact opens 研修学习需求
    login(desk, contact, REGION_PASSWORD)
    menu(desk, "研修学习需求")
    # Then it opens on the research-base programme, the only one offered, and it is open
    expect(page.get_by_role("heading", name=OPEN_BASE)).to_be_visible()
    expect(chosen(page)).to_contain_text(OPEN_BASE)
    assert offered(page) == [OPEN_BASE]
    expect(page.get_by_text("已过填报截止时间")).to_have_count(0)
    expect(page.get_by_text("尚未开放")).to_have_count(0)
    expect(page.get_by_role("button", name="提交")).to_be_enabled()

    # When only 小学 and 初中 ask for places and 初中's 备注 is refused by the API
    page.get_by_label("研修学习目的").fill("观摩初中数学课堂")
    for stage in ("小学", "初中"):
        page.get_by_role("group", name=f"{stage} 申请研修名额").get_by_role("button", name="增加").click()
    page.get_by_label("初中 备注(选填)").fill("需要住宿\u0007")
    page.get_by_role("button", name="提交").click()
    # Then the error is beside 初中 (the second row sent), not beside the form's second row (小学)
    junior = page.get_by_role("group", name="初中 申请研修名额")
    expect(junior.get_by_role("alert")).to_contain_text("不能包含控制字符")
    expect(page.get_by_role("group", name="小学 申请研修名额").get_by_role("alert")).to_have_count(0)
    desk.shot("fitted-研修学习需求-行错误")

    # And the county's 学员信息表 offers the 国培 programme alone
    menu(desk, "学员信息表")
    expect(chosen(page)).to_contain_text(GUOPEI)
    assert offered(page) == [GUOPEI]
    desk.shot("fitted-学员信息表-国培项目")
    logout(desk)

    # And the office's 批次 offers research-base programmes, its drafts too; 名额 every kind
    login(desk, ADMIN_PHONE, NEW_PASSWORD)
    menu(desk, "批次")
    batches = offered(page)
    assert GUOPEI not in batches and OPEN_BASE in batches
    assert any(DRAFT_BASE in n and "草稿" in n for n in batches)
    menu(desk, "名额")
    assert {OPEN_BASE, GUOPEI} <= {re.sub("（草稿）$", "", n) for n in offered(page)}
    desk.shot("fitted-名额-所有项目")
    logout(desk)

    # And once the draft is opened, the contact's next login in this tab offers it (newest
    # first): nothing of the office's list is kept
    api(stack, "POST", f"/programmes/{draft['programme_id']}/open", admin)
    login(desk, contact, REGION_PASSWORD)
    menu(desk, "研修学习需求")
    expect(page.get_by_role("heading", name=DRAFT_BASE)).to_be_visible()
    assert offered(page) == [DRAFT_BASE, OPEN_BASE]
    logout(desk)


# --- 2. the office's roster actions; 5. 上传率 and restoring a piece ------------------------------


def confirmed_roster(
    stack: WebStack, admin: str, name: str, phones: tuple[str, str], people: list[tuple[str, str, str]]
) -> tuple[str, str]:
    """(programme name, batch): a programme and a base of their own, a primary batch in
    session today given to region `name` (its contact's and its base's phones) through the
    office's allocation, and `people` on its roster, confirmed."""
    today = date.today()
    programme = f"2026-2027学年研修基地培训学习（{name}）"
    pid = api(stack, "POST", "/programmes", admin, {**PROGRAMME, "name": programme})["programme_id"]
    base_body = {
        "name": f"{name[:2]}对口研修基地",
        "stages": ["primary"],
        "city": "北京",
        "contact": {"name": "王老师", "phone": phones[1]},
    }
    base = api(stack, "POST", "/bases", admin, base_body)["base_id"]
    session = {
        "base_id": base,
        "stage": "primary",
        "start_date": (today - timedelta(days=2)).isoformat(),
        "end_date": (today + timedelta(days=9)).isoformat(),
        "study_type": "placement",
    }
    batch = api(stack, "POST", f"/programmes/{pid}/batches", admin, session)["batch_id"]
    region(stack, admin, name, phones[0])
    contact = stack.ready(phones[0], REGION_PASSWORD)
    ask = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    demand = api(stack, "POST", f"/programmes/{pid}/demands", contact, ask)["demand_id"]
    api(stack, "POST", f"/demands/{demand}/approve", admin)
    assert api(stack, "POST", f"/programmes/{pid}/allocation", admin, {"commit": True})["assignments"]
    for person_name, phone, role in people:
        body = {"name": person_name, "gender": "female", "phone": phone, "unit": "一小", "team_role": role}
        api(stack, "POST", f"/batches/{batch}/trainees", contact, body)
    api(stack, "POST", f"/batches/{batch}/roster/confirm", contact)
    return programme, batch


ROSTER_REGION = "顺德实验区"
ROSTER = [
    ("张团长", "13700000061", "leader"),
    ("李明", "13700000062", "member"),
    ("王芳", "13700000063", "member"),
]


def test_the_office_swaps_a_trainee_reopens_the_roster_and_reads_its_record(
    web_stack: WebStack, admin: str, desk: Visit
) -> None:
    stack, page = web_stack, desk.page
    # Given a confirmed roster of three
    programme, batch = confirmed_roster(stack, admin, ROSTER_REGION, ("13900000061", "13600000061"), ROSTER)

    login(desk, ADMIN_PHONE, NEW_PASSWORD)
    menu(desk, "批次")
    pick(page, "项目", programme)
    row = page.get_by_role("row").filter(has_text=ROSTER_REGION)
    expect(row.get_by_role("cell", name="已确认", exact=True)).to_be_visible()
    # When the office opens the batch's 名单 and swaps 李明 for 孙新
    desk.press(row.get_by_role("button", name="名单"))
    roster = dialog(page, "批次名单")
    expect(roster.get_by_role("cell", name="李明", exact=True)).to_be_visible()
    roster.get_by_role("row").filter(has_text="李明").get_by_role("button", name="更换").click()
    swap = dialog(page, "更换研修人员")
    swap.get_by_label("更换原因").fill("李明因病不能参加")
    swap.get_by_label("姓名").fill("孙新")
    pick(page, "性别", "男")
    swap.get_by_label("电话").fill("13700000069")
    desk.shot("fitted-更换研修人员")
    swap.get_by_role("button", name="确认更换").click()
    # Then the roster holds 孙新, who gets an account by SMS, and the record says why
    expect(page.get_by_text("已将「李明」更换为「孙新」")).to_be_visible()
    expect(roster.get_by_role("cell", name="孙新", exact=True)).to_be_visible()
    expect(roster.get_by_role("cell", name="李明", exact=True)).to_have_count(0)
    assert stack.sms_password("13700000069")
    swapped = roster.get_by_role("row").filter(has_text="更换人员")
    expect(swapped).to_contain_text("李明 → 孙新")
    expect(swapped).to_contain_text("李明因病不能参加")

    # When the office reopens the roster, with its reason
    roster.get_by_role("button", name="重新开放名单").click()
    reopen = dialog(page, "重新开放名单")
    reopen.get_by_role("button", name="确认重新开放").click()
    expect(reopen.get_by_text("请填写重新开放的原因")).to_be_visible()
    reopen.get_by_label("重新开放原因").fill("实验区需补报一名团员")
    reopen.get_by_role("button", name="确认重新开放").click()
    # Then it is open again, and the 变更记录 holds both changes
    expect(page.get_by_text("名单已重新开放")).to_be_visible()
    expect(roster.get_by_text("名单填报中").first).to_be_visible()
    expect(roster.get_by_role("row").filter(has_text="重新开放名单")).to_contain_text("实验区需补报一名团员")
    expect(roster.get_by_role("button", name="重新开放名单")).to_have_count(0)
    desk.shot("fitted-批次名单-变更记录")
    page.keyboard.press("Escape")
    expect(row.get_by_role("cell", name="填报中", exact=True)).to_be_visible()
    assert [e["action"] for e in api(stack, "GET", f"/batches/{batch}/roster/audit", admin)["items"]] == [
        "replace",
        "unlock",
    ]
    logout(desk)


ARCHIVE_REGION = "佛山实验区"
WRITERS = [
    ("钱团长", "13700000091", "leader"),
    ("吴敏", "13700000092", "member"),
    ("郑洋", "13700000093", "member"),
]


def test_the_archive_shows_who_uploaded_and_the_office_restores_a_piece(
    web_stack: WebStack, admin: str, desk: Visit
) -> None:
    stack, page = web_stack, desk.page
    # Given a roster of three, the 团长 with two pieces kept and one deleted
    programme, batch = confirmed_roster(stack, admin, ARCHIVE_REGION, ("13900000091", "13600000091"), WRITERS)
    leader = stack.ready(WRITERS[0][1], "Trainee-Secret-2026")
    pieces = []
    for title in ("第一天的心得", "第二天的心得", "写错的一篇"):
        piece: dict[str, Any] = {
            "batch_id": batch,
            "kind": "reflection",
            "title": title,
            "body": "<p>观摩了两节课。</p>",
            "image_ids": [],
        }
        pieces.append(api(stack, "POST", "/artifacts", leader, piece)["artifact_id"])
    api(stack, "DELETE", f"/artifacts/{pieces[2]}", leader)

    login(desk, ADMIN_PHONE, NEW_PASSWORD)
    menu(desk, "研修档案")
    pick(page, "项目", programme)
    # Then 上传率 is the share who uploaded (1 of 3), not pieces per trainee (2 of 3)
    archived = page.get_by_role("row").filter(has_text=ARCHIVE_REGION)
    expect(archived.get_by_role("cell", name="33.3%", exact=True)).to_be_visible()
    # When the office opens 详情 and restores the deleted piece
    desk.press(archived.get_by_role("button", name="详情"))
    detail = dialog(page, "批次详情")
    expect(detail.get_by_text("已删除")).to_be_visible()
    desk.shot("fitted-研修档案-已删除")
    detail.get_by_role("button", name="恢复").click()
    # Then it is back: shown as any other, and the trainee has it again
    expect(page.get_by_text("已恢复：写错的一篇")).to_be_visible()
    expect(detail.get_by_text("写错的一篇")).to_be_visible()
    expect(detail.get_by_text("已删除")).to_have_count(0)
    expect(detail.get_by_role("button", name="恢复")).to_have_count(0)
    assert api(stack, "GET", f"/artifacts/{pieces[2]}", leader)["title"] == "写错的一篇"
    page.keyboard.press("Escape")
    logout(desk)


# --- 3. 我的国培项目 --------------------------------------------------------------------------------

COUNTY, COUNTY_ADMIN = "宜川县", "13900000071"
GUOPEI_MINE = "“国培计划（2027）”——宜川县青年教师助力培训项目"


def test_guopei_people_find_their_programme_not_research_base_menus(
    web_stack: WebStack, admin: str, browser: Browser
) -> None:
    stack = web_stack
    # Given a county's confirmed list: a trainee and a workshop host
    gid = api(stack, "POST", "/programmes", admin, guopei(GUOPEI_MINE))["programme_id"]
    rid = region(stack, admin, COUNTY, COUNTY_ADMIN, unit="宜川县教育局")
    api(stack, "PUT", f"/programmes/{gid}/quotas/{rid}", admin, {"places": 10})
    county = stack.ready(COUNTY_ADMIN, REGION_PASSWORD)
    trainee = person(COUNTY, 101, campus="东校区")
    host = person(COUNTY, 102, role="工作坊主持人")
    for p in (trainee, host):
        api(stack, "POST", f"/programmes/{gid}/enrolments", county, as_body(p))
    api(stack, "POST", f"/programmes/{gid}/enrolment/confirm", county)

    for who, role_name, viewport in ((trainee, "参训学员", PHONE), (host, "工作坊主持人", DESKTOP)):
        v = open_visit(browser, stack.web, viewport, "guopei-person")
        page = v.page
        try:
            # When they log in for the first time
            first_login(v, stack, who["phone"])
            # Then the menu has 我的国培项目 and none of a research-base trainee's pages
            if page.get_by_role("button", name="菜单").is_visible():
                page.get_by_role("button", name="菜单").click()
            expect(page.get_by_role("menuitem", name="我的国培项目", exact=True)).to_be_visible()
            expect(page.get_by_role("menuitem", name="我的研修学习", exact=True)).to_have_count(0)
            expect(page.get_by_role("menuitem", name="心得体会与学习感悟", exact=True)).to_have_count(0)
            page.keyboard.press("Escape")
            menu(v, "我的国培项目")
            # And the page shows the programme, its dates, the county, school, 学段/学科 and role
            place = page.locator(".el-card").filter(has_text=GUOPEI_MINE)
            expect(place).to_be_visible()
            dates = "2027年7月1日 至 2027年12月31日"
            for text in (dates, COUNTY, who["unit"], who["campus"], who["stage"] + who["subject"], role_name):
                expect(place).to_contain_text(text)
            v.shot(f"guopei-{role_name}-我的国培项目")
        finally:
            v.context.close()


# --- 4. the office's 研修需求: filters over the whole list -------------------------------------------

DEMANDS_PROGRAMME = "2099-2100学年研修需求审核"
BUSY, QUIET = ("花都实验区", "13900000081"), ("黄埔实验区", "13900000082")


def test_the_office_filters_every_demand_not_the_page_shown(
    web_stack: WebStack, admin: str, desk: Visit
) -> None:
    stack, page = web_stack, desk.page
    # Given 50 demands of one region (a whole page) and then one of another
    pid = api(stack, "POST", "/programmes", admin, {**PROGRAMME, "name": DEMANDS_PROGRAMME})["programme_id"]
    ids = {name: region(stack, admin, name, phone) for name, phone in (BUSY, QUIET)}
    api(stack, "PUT", f"/programmes/{pid}/quotas/{ids[BUSY[0]]}", admin, {"places": 60})
    busy, quiet = stack.ready(BUSY[1], REGION_PASSWORD), stack.ready(QUIET[1], REGION_PASSWORD)
    ask = {"study_type": "placement", "purpose": "观摩课堂", "items": [{"stage": "primary", "places": 1}]}
    for _ in range(50):
        api(stack, "POST", f"/programmes/{pid}/demands", busy, ask)
    late = api(stack, "POST", f"/programmes/{pid}/demands", quiet, {**ask, "purpose": "黄埔的研修需求"})
    api(stack, "POST", f"/demands/{late['demand_id']}/approve", admin)

    login(desk, ADMIN_PHONE, NEW_PASSWORD)
    menu(desk, "研修需求")
    pick(page, "项目", DEMANDS_PROGRAMME)
    expect(page.get_by_text("观摩课堂").first).to_be_visible()
    expect(page.get_by_text("黄埔的研修需求")).to_have_count(0)  # on the second page
    # When the office filters by 黄埔实验区
    pick(page, "按实验区筛选", QUIET[0])
    # Then its one demand shows, though it was not on the page shown
    expect(page.get_by_text("黄埔的研修需求")).to_be_visible()
    expect(page.get_by_text("观摩课堂")).to_have_count(0)
    desk.shot("fitted-研修需求-按实验区")
    # And by status over the whole list: 已通过 is that one demand; 待审核 of 黄埔, none
    pick(page, "按状态筛选", "已通过")
    expect(page.get_by_text("黄埔的研修需求")).to_be_visible()
    pick(page, "按状态筛选", "待审核")
    expect(page.get_by_text("暂无数据")).to_be_visible()
    logout(desk)
