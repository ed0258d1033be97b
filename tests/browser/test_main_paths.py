"""Each role's main path in a real browser against the local stack, finding everything by the
labels WEB.md names: the office sets up a programme (a region, a base, a batch, quotas) and
allocates; the region contact logs in with the SMS password, changes it, asks for places with
the steppers, names five trainees (one 团长) and confirms; the trainee (on a phone) 报到, 签到
and writes a 心得体会 with a real PNG sent through the presigned POST; the base contact reads
the roster and gives feedback; the office features the piece and the public showcase shows it
with its picture. Every page is screenshotted (build/screenshots/), checked for console
errors and unlabelled controls, and its main action is driven by keyboard."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, LOADED, PHONE, Visit, WebStack, open_visit
from tests.e2e.conftest import ADMIN_PHONE

pytestmark = pytest.mark.browser

REGION_PHONE = "13900000001"
BASE_PHONE = "13600000001"
LEADER_PHONE = "13700000001"
PROGRAMME = "2026-2027学年研修基地培训学习"
REGION = "南沙实验区"
BASE = "北京市第一实验小学"
TRAINEES = [
    ("张团长", "女", LEADER_PHONE, "团长"),
    ("李明", "男", "13700000002", "团员"),
    ("王芳", "女", "13700000003", "团员"),
    ("赵强", "男", "13700000004", "团员"),
    ("陈静", "女", "13700000005", "团员"),
]
NEW_PASSWORD = "Browser-Secret-2026"


def png_bytes() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (160, 90), (29, 78, 137))
    for x in range(160):
        image.putpixel((x, 45), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def login(v: Visit, phone: str, password: str) -> None:
    v.goto("/login")
    page = v.page
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    v.shot(f"{v.tag}-登录")
    v.press(page.get_by_role("button", name="登录"))  # the main action, by keyboard


def first_login(v: Visit, stack: WebStack, phone: str) -> None:
    """The SMS password, then the forced 修改密码 (保存 by keyboard), then 个人中心."""
    login(v, phone, stack.sms_password(phone))
    page = v.page
    expect(page).to_have_url(re.compile(r"/password$"))
    page.get_by_label("原密码").fill(stack.sms_password(phone))
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    v.shot(f"{v.tag}-修改密码")
    v.press(page.get_by_role("button", name="保存"))
    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(page.get_by_text(phone[:3] + "****" + phone[7:])).to_be_visible()
    v.shot(f"{v.tag}-个人中心")


def logout(v: Visit) -> None:
    v.page.get_by_role("button", name="退出登录").click()
    expect(v.page).to_have_url(re.compile(r"/login$"))


def menu(v: Visit, title: str) -> None:
    """The left menu (behind 菜单 on a phone)."""
    page = v.page
    if page.get_by_role("button", name="菜单").is_visible():
        page.get_by_role("button", name="菜单").click()
    page.get_by_role("menuitem", name=title, exact=True).click()
    v.settle()


def pick(page: Page, label: str, option: str) -> None:
    """An Element Plus select: open it by its label, choose the option by its text."""
    combobox = page.get_by_role("combobox", name=label, exact=True)
    page.locator(".el-select__wrapper", has=combobox).click()  # where a person clicks
    listbox = page.get_by_role("listbox", name=label, exact=True)
    listbox.get_by_role("option", name=option).first.click()
    expect(listbox).to_be_hidden()


def fill_date(page: Page, label: str, value: str) -> None:
    """A native date / datetime-local input (phones show their own picker)."""
    page.get_by_label(label, exact=True).fill(value)


def dialog(page: Page, title: str):  # noqa: ANN201 - a Locator
    return page.get_by_role("dialog", name=title)


def office_sets_up(v: Visit, stack: WebStack, start: date, end: date) -> None:
    page = v.page
    # The credentials SMS sends people to the web client, not to the JSON API.
    (sms,) = [m["text"] for m in stack.outbox()["sms"] if m["phone"].endswith(ADMIN_PHONE)]
    assert f"登录 {stack.web} " in sms
    first_login(v, stack, ADMIN_PHONE)

    menu(v, "项目")
    v.press(page.get_by_role("button", name="新建项目"))
    form = dialog(page, "新建项目")
    form.get_by_label("项目名称").fill(PROGRAMME)
    form.get_by_label("学年").fill("2026-2027")
    fill_date(page, "需求填报截止", "2099-07-15T23:59:59")
    fill_date(page, "名单提交截止", "2099-08-31T23:59:59")
    fill_date(page, "报到截止", "2099-09-05T23:59:59")
    v.shot("office-项目-新建")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_role("cell", name=PROGRAMME)).to_be_visible()
    v.shot("office-项目")

    menu(v, "实验区")
    page.get_by_role("button", name="新建实验区").click()
    form = dialog(page, "新建实验区")
    form.get_by_label("实验区名称").fill(REGION)
    form.get_by_label("联系人姓名").fill("刘联系")
    form.get_by_label("联系人手机号").fill("1390000000")  # one digit short: the API's field error
    form.get_by_role("button", name="提交").click()
    expect(form.get_by_text("格式不正确")).to_be_visible()
    v.allowed.append(re.compile(r"status of 422"))
    form.get_by_label("联系人手机号").fill(REGION_PHONE)
    form.get_by_role("button", name="提交").dblclick()  # a double click submits once
    expect(page.get_by_role("cell", name=REGION)).to_have_count(1)
    v.shot("office-实验区")

    menu(v, "研修基地")
    page.get_by_role("button", name="新建研修基地").click()
    form = dialog(page, "新建研修基地")
    form.get_by_label("基地名称").fill(BASE)
    form.get_by_label("城市").fill("北京")
    form.locator("label.el-checkbox", has_text="小学").click()
    expect(form.get_by_role("checkbox", name="小学")).to_be_checked()
    form.get_by_label("联系人姓名").fill("王老师")
    form.get_by_label("联系人手机号").fill(BASE_PHONE)
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_role("cell", name=BASE)).to_be_visible()
    v.shot("office-研修基地")

    menu(v, "批次")
    page.get_by_role("button", name="新建批次").click()
    form = dialog(page, "新建批次")
    pick(page, "研修基地", BASE)
    pick(page, "学段", "小学")
    fill_date(page, "开始日期", start.isoformat())
    fill_date(page, "结束日期", end.isoformat())
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_role("cell", name="未分配")).to_be_visible()
    v.shot("office-批次")

    menu(v, "名额")
    page.get_by_label(f"{REGION} 名额").fill("35")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"{REGION}：名额已设为 35")).to_be_visible()
    v.shot("office-名额")
    logout(v)


def region_asks(v: Visit, stack: WebStack) -> None:
    page = v.page
    first_login(v, stack, REGION_PHONE)
    menu(v, "研修学习需求")
    expect(page.get_by_role("cell", name="剩余名额")).to_be_visible()
    expect(page.get_by_text("2099年7月15日")).to_be_visible()
    page.get_by_label("研修学习目的").fill("学习名校的课程改革经验")
    primary = page.get_by_role("group", name="小学 申请研修名额")
    plus = primary.get_by_role("button", name="增加")
    v.press(plus, "Enter")  # the stepper by keyboard: Enter on +, then Space nine times
    for _ in range(9):
        page.keyboard.press("Space")
    expect(primary.locator("output")).to_have_text("10")  # two batches' worth, one batch exists
    primary.get_by_role("button", name="减少").click()
    plus.click()
    remark = primary.get_by_label("小学 备注(选填)")
    remark.fill("希望安排语文学科")
    expect(primary.get_by_text("8 / 30")).to_be_visible()
    v.shot("region-研修学习需求")
    v.press(page.get_by_role("button", name="提交"))
    done = dialog(page, "成功提示")
    expect(done.get_by_text("恭喜您，提交成功，请等待审核。")).to_be_visible()
    expect(done.get_by_role("button", name="继续提交")).to_be_visible()
    v.shot("region-研修学习需求-提交成功")
    done.get_by_role("button", name="确定").click()
    expect(page.get_by_role("cell", name="小学 10")).to_be_visible()
    logout(v)


def office_allocates(v: Visit) -> None:
    page = v.page
    login(v, ADMIN_PHONE, NEW_PASSWORD)
    menu(v, "研修需求")
    expect(page.get_by_role("cell", name=REGION)).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("^待审核"))).to_be_visible()
    v.shot("office-研修需求")
    # 审核: the allocation plans only approved demand
    v.press(page.get_by_role("button", name="通过", exact=True))
    expect(page.get_by_role("cell", name=re.compile("^已通过"))).to_be_visible()
    menu(v, "名额分配")
    v.press(page.get_by_role("button", name="预览"))
    expect(page.get_by_text("预览：可分配 1 个批次，1 项需求未满足")).to_be_visible()
    expect(page.get_by_role("cell", name="2/1")).to_be_visible()  # batches needed / given
    expect(page.get_by_role("cell", name=re.compile("^该学段"))).to_be_visible()  # the reason, in Chinese
    v.shot("office-名额分配-预览")
    page.get_by_role("button", name="确认分配").click()
    page.get_by_role("dialog", name="确认分配").get_by_role("button", name="确认分配").click()
    expect(page.get_by_text("已分配 1 个批次，并已通知各实验区联系人")).to_be_visible()
    v.shot("office-名额分配-结果")
    logout(v)


def region_names_trainees(v: Visit) -> None:
    page = v.page
    login(v, REGION_PHONE, NEW_PASSWORD)
    menu(v, "研修人员管理")
    expect(page.get_by_role("cell", name=BASE)).to_be_visible()
    page.get_by_role("button", name="管理名单").click()
    for name, gender, phone, role in TRAINEES:
        v.press(page.get_by_role("button", name="添加人员"))
        form = dialog(page, "添加人员")
        form.get_by_label("姓名").fill(name)
        pick(page, "性别", gender)
        form.get_by_label("职务").fill("教师")
        form.get_by_label("电话").fill(phone)
        form.get_by_label("工作单位").fill("南沙第一小学")
        form.get_by_label("学科背景").fill("语文")
        if role == "团长":
            form.locator("label.el-radio", has_text="团长").click()
            expect(form.get_by_role("radio", name="团长")).to_be_checked()
        else:
            # the one-团长 rule before the server: 团长 cannot be picked again
            expect(form.get_by_role("radio", name="团长")).to_be_disabled()
        if name == TRAINEES[0][0]:
            v.shot("region-添加人员")
        form.get_by_role("button", name="提交").click()
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("已添加 5/5 人，名额已满")).to_be_visible()
    expect(page.get_by_role("button", name="添加人员")).to_be_disabled()
    v.shot("region-研修人员管理")
    v.press(page.get_by_role("button", name="最终确认"))
    page.get_by_role("dialog", name="最终确认").get_by_role("button", name="确认").click()
    expect(page.get_by_role("cell", name="已确认")).to_be_visible()
    expect(page.get_by_role("button", name="修改").first).to_be_disabled()
    menu(v, "研修档案")
    expect(page.get_by_role("cell", name=BASE)).to_be_visible()
    page.get_by_role("button", name="详情").click()
    expect(dialog(page, "批次详情").get_by_role("cell", name="张团长")).to_be_visible()
    v.shot("region-研修档案-详情")
    page.keyboard.press("Escape")
    expect(dialog(page, "批次详情")).to_be_hidden()
    menu(v, "账号管理")  # the region's trainees, now that they have accounts
    expect(page.get_by_role("cell", name="张团长")).to_be_visible()
    expect(page.get_by_role("cell", name="137****0001")).to_be_visible()
    expect(page.get_by_role("button", name="停用")).to_have_count(0)  # the office's alone
    v.shot("region-账号管理")
    logout(v)


def trainee_attends_and_writes(v: Visit, stack: WebStack, today: date) -> None:
    page = v.page
    first_login(v, stack, LEADER_PHONE)
    menu(v, "我的研修学习")
    expect(page.get_by_text(BASE).first).to_be_visible()
    v.shot("trainee-我的研修学习")
    v.press(page.get_by_role("button", name="报到"))
    expect(page.get_by_text("已报到")).to_be_visible()
    v.press(page.get_by_role("button", name="签到", exact=True))
    expect(page.get_by_role("button", name="今日已签到")).to_be_disabled()
    expect(page.get_by_text(f"已签到 1 天：{today.year}年{today.month}月{today.day}日")).to_be_visible()
    v.shot("trainee-我的研修学习-已签到")

    menu(v, "心得体会与学习感悟")
    v.press(page.get_by_role("button", name="开始上传"))
    form = dialog(page, "开始上传")
    expect(form.get_by_label("文件类型")).to_be_visible()
    form.get_by_label("文件名称").fill("第一周心得体会")
    body = form.get_by_role("textbox", name="正文")
    body.click()
    body.type("今天听了三节语文课，收获很大。")
    expect(form.get_by_text("已输入 15 / 10000 字")).to_be_visible()
    form.get_by_label("选择图片").set_input_files(
        files=[{"name": "课堂.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    image = body.locator("img")
    expect(image).to_have_count(1)
    page.wait_for_function(LOADED, arg=image.element_handle())
    v.shot("trainee-心得体会-编辑")
    form.get_by_role("button", name="确定").click()
    # On a phone the table is a list of cards, 修改 and 删除 on each.
    piece = page.locator(".piece", has_text="第一周心得体会")
    expect(piece.get_by_text("心得体会", exact=True)).to_be_visible()
    expect(piece.get_by_role("button", name="修改")).to_be_visible()
    v.shot("trainee-心得体会与学习感悟")
    logout(v)


def base_reads_roster(v: Visit, stack: WebStack) -> None:
    page = v.page
    first_login(v, stack, BASE_PHONE)
    menu(v, "批次与名单")
    expect(page.get_by_role("cell", name="张团长")).to_be_visible()
    expect(page.get_by_role("cell", name="137****0001")).to_be_visible()
    # The roster's phones are masked; the 团长's is given whole, once, as the team's contact
    expect(page.get_by_text(LEADER_PHONE)).to_have_count(1)
    expect(page.get_by_text(f"张团长，电话 {LEADER_PHONE}")).to_be_visible()
    v.press(page.get_by_role("button", name="反馈").first)
    form = page.get_by_role("dialog", name=re.compile("^反馈："))
    form.get_by_label("反馈内容").fill("积极参与教研活动")
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_role("cell", name="积极参与教研活动")).to_be_visible()
    v.shot("base-批次与名单")
    logout(v)


def office_features(v: Visit) -> None:
    page = v.page
    login(v, ADMIN_PHONE, NEW_PASSWORD)
    menu(v, "研修档案")
    expect(page.get_by_role("cell", name=REGION)).to_be_visible()
    expect(page.locator("canvas")).to_have_count(2)
    v.shot("office-研修档案")
    menu(v, "择优展示")
    pick(page, "批次", BASE)
    expect(page.get_by_role("cell", name="第一周心得体会")).to_be_visible()
    page.get_by_role("button", name="阅读").click()
    reading = page.get_by_role("dialog", name="第一周心得体会")
    reading_image = reading.locator("img")
    page.wait_for_function(LOADED, arg=reading_image.element_handle())
    page.keyboard.press("Escape")
    expect(reading).to_be_hidden()
    v.press(page.get_by_role("button", name="展示", exact=True))
    expect(page.get_by_role("cell", name="展示中")).to_be_visible()
    v.shot("office-择优展示")
    menu(v, "年度评估")
    expect(page.get_by_role("cell", name=REGION)).to_be_visible()
    v.shot("office-年度评估")
    menu(v, "导出")
    v.press(page.get_by_role("button", name="导出", exact=True))
    expect(page.get_by_role("link", name="下载文件")).to_be_visible()
    v.shot("office-导出")
    logout(v)


def public_showcase(v: Visit) -> None:
    page = v.page
    v.goto("/showcase")
    expect(page.get_by_role("heading", name="第一周心得体会")).to_be_visible()
    expect(page.get_by_text("张团长 · 南沙实验区")).to_be_visible()
    image = page.locator("article img")
    page.wait_for_function(LOADED, arg=image.element_handle())
    v.shot("public-优秀成果展示")
    page.get_by_role("link", name="登录").click()
    v.press(page.get_by_role("link", name="忘记密码"))
    expect(page.get_by_role("button", name="发送验证码")).to_be_visible()
    v.shot("public-忘记密码")


def test_each_role_walks_its_main_path(web_stack: WebStack, browser: Browser) -> None:
    # A batch in session today: the check-in day is Shanghai's, within a day of the machine's.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    start, end = today - timedelta(days=2), today + timedelta(days=9)
    desk = open_visit(browser, web_stack.web, DESKTOP, "office")
    phone = open_visit(browser, web_stack.web, PHONE, "trainee")
    try:
        office_sets_up(desk, web_stack, start, end)
        desk.tag = "region"
        region_asks(desk, web_stack)
        desk.tag = "office"
        office_allocates(desk)
        desk.tag = "region"
        region_names_trainees(desk)
        trainee_attends_and_writes(phone, web_stack, today)
        desk.tag = "base"
        base_reads_roster(desk, web_stack)
        desk.tag = "office"
        office_features(desk)
        public_showcase(phone)
        # The trainee's pages at the desktop size too.
        desk.tag = "trainee"
        login(desk, LEADER_PHONE, NEW_PASSWORD)
        menu(desk, "我的研修学习")
        desk.shot("trainee-我的研修学习")
        menu(desk, "心得体会与学习感悟")
        desk.shot("trainee-心得体会与学习感悟")
    finally:
        desk.context.close()
        phone.context.close()
