"""What the service says by SMS and e-mail, and how hard it tries to say it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from chalicelib.domain.deadlines import SHANGHAI
from chalicelib.domain.vocab import ROLE_NAMES_ZH, Role

MAX_ATTEMPTS = 6
# No SMS between 21:00 and 08:00 in China, except what the person is waiting for right now.
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
URGENT_PURPOSES = frozenset({"credentials", "reset_code"})
# Past the phone's daily cap, credentials wait for the next morning (the person needs them);
# anything else, a reset code included (stale in ten minutes), is dropped.
WAIT_WHEN_CAPPED = frozenset({"credentials"})
# SMS pumping (OWASP API4): at most this many SMS to one phone per day.
DAILY_SMS_CAP = 10
PASSWORD_MASK = "********"  # noqa: S105 - what replaces a password


def send_not_before(channel: str, purpose: str, now: datetime) -> datetime:
    """When a message may go out: now, or 08:00 Shanghai for an SMS in quiet hours."""
    if channel != "sms" or purpose in URGENT_PURPOSES:
        return now
    local = now.astimezone(SHANGHAI)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return now
    morning = local.replace(hour=QUIET_UNTIL.hour, minute=0, second=0, microsecond=0)
    if local.time() >= QUIET_FROM:
        morning += timedelta(days=1)
    return morning


def next_morning(now: datetime) -> datetime:
    """08:00 Shanghai of the next day (a capped credentials SMS waits for it)."""
    local = now.astimezone(SHANGHAI) + timedelta(days=1)
    return local.replace(hour=QUIET_UNTIL.hour, minute=0, second=0, microsecond=0)


def retry_at(attempts_so_far: int, now: datetime) -> datetime | None:
    """Exponential backoff (1, 2, 4, 8, 16 minutes); None once MAX_ATTEMPTS are spent."""
    if attempts_so_far + 1 >= MAX_ATTEMPTS:
        return None
    return now + timedelta(minutes=2**attempts_so_far)


def credentials_sms(
    name: str, role: str, phone: str, password: str, site: str, then: str = ""
) -> tuple[str, str]:
    """The credentials SMS and its redacted twin (kept once the SMS is sent). `then` says
    what to do after logging in (a trainee: register before the deadline)."""
    role_zh = ROLE_NAMES_ZH.get(Role(role), "用户")

    def text(secret: str) -> str:
        return (
            f"【研修平台】{name}您好，您的{role_zh}账号已开通。账号：{phone}，初始密码：{secret}。"
            f"请于72小时内登录 {site} 并修改密码，逾期初始密码失效。{then}"
        )

    return text(password), text(PASSWORD_MASK)


def credentials_email(name: str, role: str, phone: str, site: str, then: str = "") -> tuple[str, str]:
    """The e-mail beside the credentials SMS: the account is open, the password is in the SMS
    (never in an e-mail)."""
    role_zh = ROLE_NAMES_ZH.get(Role(role), "用户")
    body = "\n".join(
        [
            f"{name}您好：",
            "",
            f"您的{role_zh}账号已开通，账号为您的手机号 {phone}。",
            "初始密码已通过短信发送到该手机，请于 72 小时内登录 " + site + " 并修改密码，逾期初始密码失效。",
            *([then] if then else []),
            "",
            "如未收到短信，请在登录页使用“忘记密码”，或联系中心实验区管理办公室。",
        ]
    )
    return f"研修平台账号已开通：{role_zh}", body


def credentials_reissued_email(name: str, role: str, phone: str, site: str) -> tuple[str, str]:
    """The e-mail beside a reissued credentials SMS: a new initial password is in the SMS
    (never in an e-mail), the old one and every session have stopped working."""
    role_zh = ROLE_NAMES_ZH.get(Role(role), "用户")
    body = "\n".join(
        [
            f"{name}您好：",
            "",
            f"您的{role_zh}账号（手机号 {phone}）已重新设置初始密码，原密码及已登录的设备均已失效。",
            "新的初始密码已通过短信发送到该手机，请于 72 小时内登录 "
            + site
            + " 并修改密码，逾期初始密码失效。",
            "",
            "如非您本人申请，请联系中心实验区管理办公室。",
        ]
    )
    return f"研修平台初始密码已重置：{role_zh}", body


def as_email(text: str) -> str:
    """An SMS's text as the body of the e-mail beside it."""
    return text.removeprefix("【研修平台】")


def reset_code_sms(code: str, minutes: int) -> tuple[str, str]:
    """The reset code's SMS and its redacted twin."""

    def text(secret: str) -> str:
        return (
            f"【研修平台】您正在重置密码，验证码：{secret}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"
        )

    return text(code), text("******")


def rostered_sms(name: str, batch_line: str, registration_deadline: str, site: str) -> str:
    """For a trainee who already has an account: the new batch and the registration deadline."""
    return (
        f"【研修平台】{name}您好，您已列入研修批次：{batch_line}。请使用原账号登录 {site}，"
        f"于{registration_deadline}前完成报到。"
    )


def base_told_sms(base: str, region: str, batch_line: str, count: int, leader: str, leader_phone: str) -> str:
    return (
        f"【研修平台】{base}：{region}的研修批次（{batch_line}）名单已确认，共{count}人。"
        f"团长{leader}，电话{leader_phone}，将与贵校接洽研修事宜。"
    )


def leader_told_sms(leader: str, base: str, batch_line: str, contact: str, contact_phone: str) -> str:
    return (
        f"【研修平台】{leader}您好，您是{base}研修批次（{batch_line}）的团长。"
        f"基地联系人：{contact}，电话{contact_phone}。请提前与基地接洽，明确研修目的和重点内容。"
    )


def allocation_messages(
    region_name: str, batches: list[tuple[str, str, str, str]], roster_deadline: str, site: str
) -> tuple[str, str, str]:
    """SMS, e-mail subject and e-mail body telling a region its new batches.
    `batches`: (base name, stage in Chinese, start, end) with dates as YYYY-MM-DD."""
    lines = [f"{base}（{stage}，{start}至{end}）" for base, stage, start, end in batches]
    sms = (
        f"【研修平台】{region_name}：已为您分配{len(batches)}个研修批次：{'；'.join(lines)}。"
        f"请于{roster_deadline}前登录 {site} 填报并确认研修人员名单。"
    )
    subject = f"研修批次分配结果：{region_name}"
    body = "\n".join(
        [
            f"{region_name}实验区联系人您好：",
            "",
            f"中心实验区管理办公室已为贵实验区分配以下 {len(batches)} 个研修批次：",
            *[f"  {i}. {line}" for i, line in enumerate(lines, 1)],
            "",
            f"请于 {roster_deadline} 前登录 {site}，在“研修人员管理”中为每个批次填报研修人员"
            "（每批次不超过批次名额，须指定一名团长），并完成最终确认。",
            "名单确认后，平台将以短信向研修人员发送登录账号和密码。",
            "",
            "中心实验区管理办公室",
        ]
    )
    return sms, subject, body


def demand_reminder(region: str, programme: str, deadline: str, site: str) -> str:
    return (
        f"【研修平台】{region}：{programme}的研修需求将于{deadline}截止，"
        f"贵实验区尚未提交，请尽快登录 {site} 填报。"
    )


def roster_reminder(region: str, lines: list[str], deadline: str, site: str) -> str:
    return (
        f"【研修平台】{region}：以下批次的研修人员名单尚未最终确认（截止{deadline}）：{'；'.join(lines)}。"
        f"请登录 {site} 填报并确认。"
    )


def registration_reminder(name: str, batch_line: str, deadline: str, site: str) -> str:
    return f"【研修平台】{name}您好，您尚未报到（{batch_line}），报到截止{deadline}，请登录 {site} 完成报到。"


def registration_summary(region: str, names: list[str], deadline: str) -> str:
    return (
        f"【研修平台】{region}：{len(names)}名研修人员尚未报到（截止{deadline}）："
        f"{'、'.join(names)}。请提醒相关人员。"
    )


def checkin_reminder(name: str, day: str, site: str) -> str:
    return f"【研修平台】{name}您好，今天（{day}）您尚未签到，请登录 {site} 签到。"


def outcome_reminder(name: str, closes: str, days: int, site: str) -> str:
    return f"【研修平台】{name}您好，您的学习成果须于{closes}前上传（还有{days}天），请登录 {site} 上传。"


def demand_returned_messages(
    region: str, submitted: str, lines: list[str], reason: str, deadline: str, still_open: bool, site: str
) -> tuple[str, str, str]:
    """SMS, e-mail subject and body telling a region contact its demand was returned (退回)."""
    asked = "、".join(lines)
    then = (
        f"名额已退回本实验区，可于{deadline}前登录 {site} 重新提交。"
        if still_open
        else "需求填报已截止，如需调整请联系中心实验区管理办公室。"
    )
    sms = f"【研修平台】{region}：您于{submitted}提交的研修需求（{asked}）已被退回，原因：{reason}。{then}"
    body = "\n".join(
        [
            f"{region}实验区联系人您好：",
            "",
            f"您于 {submitted} 提交的研修需求（{asked}）经中心实验区管理办公室审核，已被退回。",
            f"退回原因：{reason}",
            "",
            then,
            "",
            "中心实验区管理办公室",
        ]
    )
    return sms, f"研修需求已退回：{region}", body


def programme_open_messages(
    region: str, programme: str, deadline: str, places: int, site: str
) -> tuple[str, str, str]:
    """SMS, e-mail subject and body telling a region contact a programme is open for demand."""
    sms = (
        f"【研修平台】{region}：{programme}已开始研修需求申报，本实验区名额{places}名。"
        f"请于{deadline}前登录 {site} 在“研修学习需求”中填报，先提交的实验区优先选择学段。"
    )
    body = "\n".join(
        [
            f"{region}实验区联系人您好：",
            "",
            f"{programme}已开始研修需求申报，本实验区名额 {places} 名。",
            f"请于 {deadline} 前登录 {site}，在“研修学习需求”中选择研修学习类型，填写研修学习目的，"
            "按学段申请研修名额。各学段名额有限，先提交的实验区可优先选择研修学习的学段。",
            "中心实验区管理办公室审核并分配批次后，将以短信和邮件通知您填报研修人员名单。",
            "",
            "中心实验区管理办公室",
        ]
    )
    return sms, f"研修需求申报已开始：{programme}", body


def note_to_base_sms(base: str, region: str, batch_line: str, leader: str, preview: str, site: str) -> str:
    return (
        f"【研修平台】{base}：{region}研修批次（{batch_line}）的团长{leader}发来研修需求说明：“{preview}”。"
        f"请登录 {site} 在“批次与名单”中查看并回复。"
    )


def note_to_leader_sms(leader: str, base: str, preview: str, site: str) -> str:
    return (
        f"【研修平台】{leader}您好，{base}回复了研修需求说明：“{preview}”。"
        f"请登录 {site} 在“我的研修学习”中查看。"
    )


def sharing_reminder(name: str, closes: str, days: int, site: str) -> str:
    return (
        f"【研修平台】{name}您好，研修结束三个月内须在本实验区做一次分享报告，须于{closes}前完成"
        f"（还有{days}天），请与实验区联系人确认安排。详情请登录 {site} 查看。"
    )


def sharing_summary(region: str, names: list[str], closes: str, days: int, site: str) -> str:
    return (
        f"【研修平台】{region}：{len(names)}名研修人员的分享报告尚未记录（{closes}前，还有{days}天）："
        f"{'、'.join(names)}。请组织分享报告，并登录 {site} 在“分享报告”中记录。"
    )


def yearbook_published_email(name: str, programme: str, updated: bool, site: str) -> tuple[str, str]:
    """The e-mail telling a region's or base's contact the yearbook is out (汇编成册)."""
    what = "已更新" if updated else "已发布"
    body = "\n".join(
        [
            f"{name}您好：",
            "",
            f"{programme}的学习成果汇编{what}。",
            f"请登录 {site}，在“学习成果汇编”中下载，供本实验区或研修基地分享交流。",
            "",
            "中心实验区管理办公室",
        ]
    )
    return f"学习成果汇编{what}：{programme}", body


def offer_messages(
    region: str, batch_line: str, capacity: int, expires: str, site: str
) -> tuple[str, str, str]:
    """SMS, e-mail subject and body offering a freed batch to a region (候补名额)."""
    sms = (
        f"【研修平台】{region}：有一个空出的研修批次可以分配给贵实验区：{batch_line}，{capacity}人。"
        f"请于{expires}前登录 {site} 在“候补名额”中接受或放弃，逾期视为放弃。"
    )
    body = "\n".join(
        [
            f"{region}实验区联系人您好：",
            "",
            f"贵实验区的研修需求尚有名额未分配。现有一个空出的研修批次：{batch_line}，{capacity}人。",
            f"请于 {expires} 前登录 {site}，在“候补名额”中接受或放弃；"
            "逾期视为放弃，批次将依次提供给其他实验区。",
            "接受后请按时填报并确认研修人员名单。",
            "",
            "中心实验区管理办公室",
        ]
    )
    return sms, f"候补名额：{batch_line}", body
