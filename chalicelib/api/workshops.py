"""国培 workshops (API.md "Workshops"): forming them and placing trainees (county admin, the
office), the host's plan, announcements, assignments and grading, discussions, offline
activities and briefings; members' submissions, replies and check-ins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain import workshops as rules
from chalicelib.domain.records import Page
from chalicelib.domain.workshops import (
    Activity,
    Announcement,
    Briefing,
    Member,
    Reply,
    Topic,
    Workshop,
)
from chalicelib.lazy import lazy_import
from chalicelib.schemas.artifacts import ImageOut
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.workshops import (
    ActivityIn,
    ActivityOut,
    AnnouncementIn,
    AnnouncementOut,
    BriefingIn,
    BriefingOut,
    CountyEvaluationOut,
    HideIn,
    MemberOut,
    MembersIn,
    PlanIn,
    ReplyIn,
    ReplyOut,
    TopicIn,
    TopicOut,
    WorkshopDetailOut,
    WorkshopIn,
    WorkshopOut,
)

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import artifacts, guopei_evaluation, uploads, workshops
else:
    workshops = lazy_import("chalicelib.services.workshops")
    guopei_evaluation = lazy_import("chalicelib.services.guopei_evaluation")
    artifacts = lazy_import("chalicelib.services.artifacts")
    uploads = lazy_import("chalicelib.services.uploads")

bp = Blueprint(__name__)
COUNTY = frozenset({"region_contact"})
HOST = frozenset({"workshop_host"})
MEMBER = frozenset({"trainee"})
FORMERS = ADMIN | COUNTY
EVERYONE = ADMIN | COUNTY | HOST | MEMBER
IN_WORKSHOP = HOST | MEMBER


# --- outputs ----------------------------------------------------------------------------------


def workshop_out(w: Workshop) -> WorkshopOut:
    return WorkshopOut(
        workshop_id=w.workshop_id,
        programme_id=w.programme_id,
        region_id=w.region_id,
        name=w.name,
        stage=w.stage,
        subject=w.subject,
        host_enrolment_id=w.host_enrolment_id,
        host_name=w.host_name,
        theme=w.theme,
        plan=w.plan,
        member_count=w.members,
        briefings=w.briefings,
        briefings_short=rules.briefings_short(w),
        submissions=w.submissions,
        graded=w.graded,
        backlog=rules.backlog(w),
        turnaround_hours=rules.turnaround_hours(w),
        created_at=shanghai(w.created_at),
    )


def detail_out(w: Workshop, members: list[Member]) -> WorkshopDetailOut:
    return WorkshopDetailOut(
        **workshop_out(w).model_dump(),
        members=[MemberOut(enrolment_id=m.enrolment_id, name=m.name, unit=m.unit) for m in members],
    )


def images_out(image_ids: tuple[str, ...]) -> list[ImageOut]:
    return [ImageOut(upload_id=i, url=uploads.image_url(i)) for i in image_ids]


def announcement_out(a: Announcement) -> AnnouncementOut:
    return AnnouncementOut.model_validate(a)


def topic_out(t: Topic) -> TopicOut:
    return TopicOut.model_validate(t)


def reply_out(r: Reply) -> ReplyOut:
    return ReplyOut(
        reply_id=r.reply_id,
        topic_id=r.topic_id,
        author_name=r.author_name,
        body=r.body,
        hidden=r.hidden_at is not None,
        created_at=shanghai(r.created_at),
    )


def activity_out(a: Activity, mine: set[str]) -> ActivityOut:
    return ActivityOut(
        activity_id=a.activity_id,
        workshop_id=a.workshop_id,
        title=a.title,
        date=a.date,
        place=a.place,
        checkins=a.checkins,
        checked_in=a.activity_id in mine,
    )


def briefing_out(b: Briefing) -> BriefingOut:
    return BriefingOut(
        briefing_id=b.briefing_id,
        workshop_id=b.workshop_id,
        title=b.title,
        body=artifacts.with_image_urls(b.body),
        images=images_out(b.image_ids),
        created_at=shanghai(b.created_at),
    )


# --- workshops --------------------------------------------------------------------------------


@route(
    bp,
    "/programmes/{programme_id}/workshops",
    "POST",
    roles=FORMERS,
    body=WorkshopIn,
    response=WorkshopOut,
    status=201,
    summary="组建工作坊（名称、学段、学科、本区县已确认的工作坊主持人）",
)
def create_workshop(call: Call[WorkshopIn], programme_id: str) -> WorkshopOut:
    return workshop_out(workshops.create(call.me, programme_id, call.body))


@route(
    bp,
    "/programmes/{programme_id}/workshops",
    roles=FORMERS,
    response=WorkshopOut,
    paged=True,
    query=("region_id",),
    summary="工作坊列表：成员数、简报数（少于2期标出）、作业提交与批改、待批改数、平均批改用时",
)
def list_workshops(call: Call, programme_id: str) -> Page[WorkshopOut]:
    found = workshops.of_programme(call.me, programme_id, call.query.get("region_id"))
    return call.page_of([workshop_out(w) for w in found])


@route(bp, "/me/workshops", roles=IN_WORKSHOP, response=WorkshopOut, paged=True, summary="我的工作坊")
def my_workshops(call: Call) -> Page[WorkshopOut]:
    return call.page_of([workshop_out(w) for w in workshops.mine(call.me)])


@route(
    bp,
    "/workshops/{workshop_id}",
    roles=EVERYONE,
    response=WorkshopDetailOut,
    summary="工作坊详情：研修主题、行动方案、主持人、成员与各项统计",
)
def get_workshop(call: Call, workshop_id: str) -> WorkshopDetailOut:
    return detail_out(*workshops.detail(call.me, workshop_id))


@route(
    bp,
    "/workshops/{workshop_id}/members",
    "PUT",
    roles=FORMERS,
    body=MembersIn,
    response=WorkshopDetailOut,
    summary="设置工作坊学员（本区县、同学段同学科的参训学员，每人只在一个工作坊）",
)
def place_members(call: Call[MembersIn], workshop_id: str) -> WorkshopDetailOut:
    return detail_out(*workshops.place_members(call.me, workshop_id, call.body.enrolment_ids))


@route(
    bp,
    "/workshops/{workshop_id}/plan",
    "PUT",
    roles=HOST,
    body=PlanIn,
    response=WorkshopOut,
    summary="研修主题与行动方案（主持人）",
)
def set_plan(call: Call[PlanIn], workshop_id: str) -> WorkshopOut:
    return workshop_out(workshops.set_plan(call.me, workshop_id, call.body.theme, call.body.plan))


# --- announcements ----------------------------------------------------------------------------


@route(
    bp,
    "/workshops/{workshop_id}/announcements",
    "POST",
    roles=HOST,
    body=AnnouncementIn,
    response=AnnouncementOut,
    status=201,
    summary="发布通知：站内给全体学员，选择短信时同时发短信（遵守免打扰时段与每日上限）",
)
def announce(call: Call[AnnouncementIn], workshop_id: str) -> AnnouncementOut:
    key = call.headers.get("idempotency-key")  # a retry finishes what its request began
    return announcement_out(workshops.announce(call.me, workshop_id, call.body.text, call.body.sms, key))


@route(
    bp,
    "/workshops/{workshop_id}/announcements",
    roles=EVERYONE,
    response=AnnouncementOut,
    paged=True,
    summary="工作坊通知，新的在前",
)
def list_announcements(call: Call, workshop_id: str) -> Page[AnnouncementOut]:
    return call.page_of([announcement_out(a) for a in workshops.announcements(call.me, workshop_id)])


# --- discussions ------------------------------------------------------------------------------


@route(
    bp,
    "/workshops/{workshop_id}/topics",
    "POST",
    roles=HOST,
    body=TopicIn,
    response=TopicOut,
    status=201,
    summary="发起研讨主题（主持人）",
)
def open_topic(call: Call[TopicIn], workshop_id: str) -> TopicOut:
    return topic_out(workshops.open_topic(call.me, workshop_id, call.body.title, call.body.body))


@route(
    bp,
    "/workshops/{workshop_id}/topics",
    roles=EVERYONE,
    response=TopicOut,
    paged=True,
    summary="研讨主题，新的在前",
)
def list_topics(call: Call, workshop_id: str) -> Page[TopicOut]:
    return call.page_of([topic_out(t) for t in workshops.topics(call.me, workshop_id)])


@route(
    bp,
    "/topics/{topic_id}/replies",
    "POST",
    roles=IN_WORKSHOP,
    body=ReplyIn,
    response=ReplyOut,
    status=201,
    summary="回复研讨主题（本工作坊的学员与主持人）",
)
def write_reply(call: Call[ReplyIn], topic_id: str) -> ReplyOut:
    return reply_out(workshops.write_reply(call.me, topic_id, call.body.body))


@route(
    bp,
    "/topics/{topic_id}/replies",
    roles=EVERYONE,
    response=ReplyOut,
    paged=True,
    summary="研讨回复（已隐藏的回复只有主持人可见）",
)
def list_replies(call: Call, topic_id: str) -> Page[ReplyOut]:
    return call.page_of([reply_out(r) for r in workshops.replies(call.me, topic_id)])


@route(
    bp,
    "/replies/{reply_id}/hide",
    "POST",
    roles=HOST,
    body=HideIn,
    response=ReplyOut,
    summary="隐藏回复（保留并留有记录，只有主持人可见）",
)
def hide_reply(call: Call[HideIn], reply_id: str) -> ReplyOut:
    return reply_out(workshops.hide_reply(call.me, reply_id, call.body.reason))


# --- offline activities -----------------------------------------------------------------------


@route(
    bp,
    "/workshops/{workshop_id}/activities",
    "POST",
    roles=HOST,
    body=ActivityIn,
    response=ActivityOut,
    status=201,
    summary="安排集中研修（线下活动）：名称、日期（项目时间内）、地点",
)
def add_activity(call: Call[ActivityIn], workshop_id: str) -> ActivityOut:
    a = workshops.add_activity(call.me, workshop_id, call.body.title, call.body.date, call.body.place)
    return activity_out(a, set())


@route(
    bp,
    "/workshops/{workshop_id}/activities",
    roles=EVERYONE,
    response=ActivityOut,
    paged=True,
    summary="集中研修活动及签到人数",
)
def list_activities(call: Call, workshop_id: str) -> Page[ActivityOut]:
    found, mine = workshops.activities(call.me, workshop_id)
    return call.page_of([activity_out(a, mine) for a in found])


@route(
    bp,
    "/activities/{activity_id}/checkins",
    "POST",
    roles=MEMBER,
    response=ActivityOut,
    summary="集中研修签到（活动当天；重复签到不变）",
)
def check_in(call: Call, activity_id: str) -> ActivityOut:
    a = workshops.check_in(call.me, activity_id)
    return activity_out(a, {a.activity_id})


# --- briefings --------------------------------------------------------------------------------


@route(
    bp,
    "/workshops/{workshop_id}/briefings",
    "POST",
    roles=HOST,
    body=BriefingIn,
    response=BriefingOut,
    status=201,
    summary="发布工作坊简报（富文本与图片；每个工作坊不少于2期）",
)
def write_briefing(call: Call[BriefingIn], workshop_id: str) -> BriefingOut:
    b = workshops.write_briefing(call.me, workshop_id, call.body.title, call.body.body, call.body.image_ids)
    return briefing_out(b)


@route(
    bp,
    "/workshops/{workshop_id}/briefings",
    roles=EVERYONE,
    response=BriefingOut,
    paged=True,
    summary="工作坊简报",
)
def list_briefings(call: Call, workshop_id: str) -> Page[BriefingOut]:
    return call.page_of([briefing_out(b) for b in workshops.briefings(call.me, workshop_id)])


# --- the office's per-county evaluation -------------------------------------------------------


@route(
    bp,
    "/programmes/{programme_id}/guopei-evaluation",
    roles=FORMERS,
    response=CountyEvaluationOut,
    paged=True,
    query=("region_id",),
    summary="国培评估：各区县及工作坊的参训、活跃、学时、作业提交与批改、批改用时、简报、成果集、调查回收率",
)
def evaluation(call: Call, programme_id: str) -> Page[CountyEvaluationOut]:
    rows = guopei_evaluation.evaluation(call.me, programme_id, call.query.get("region_id"))
    return call.page_of([CountyEvaluationOut.model_validate(r) for r in rows])
