"""国培 study paths (研修路径: courses, 自我评估, 分层选择, completion and hours) and the 训后调查
(the office's questions, trainees' anonymous answers once after the programme, the results)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.errors import ValidationFailedError, problem
from chalicelib.domain.records import Page
from chalicelib.domain.study import Course, StudyProfile
from chalicelib.domain.survey import Question
from chalicelib.lazy import lazy_import
from chalicelib.schemas.study import (
    CourseIn,
    CourseOut,
    LevelIn,
    MemberHoursOut,
    QuestionOut,
    ResponseIn,
    ResponseOut,
    SelfAssessmentIn,
    StudyOut,
    SurveyIn,
    SurveyOut,
    SurveyResultsOut,
)

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import study, survey
else:
    study = lazy_import("chalicelib.services.study")
    survey = lazy_import("chalicelib.services.survey")

bp = Blueprint(__name__)
COUNTY = frozenset({"region_contact"})
TRAINEE = frozenset({"trainee"})
IN_PROGRAMME = ADMIN | COUNTY | {"workshop_host", "trainee", "school_admin"}


def course_out(c: Course, done: set[str]) -> CourseOut:
    return CourseOut(
        course_id=c.course_id,
        programme_id=c.programme_id,
        theme=c.theme,
        level=c.level,
        title=c.title,
        url=c.url,
        hours=c.hours,
        completed=c.course_id in done,
    )


def study_out(p: StudyProfile, done: set[str], suggested: str | None = None) -> StudyOut:
    return StudyOut(
        programme_id=p.programme_id,
        level=p.level,
        assessment=p.assessment,
        suggested_level=suggested,
        hours=p.hours,
        completed=p.completed,
        completed_course_ids=sorted(done),
    )


@route(
    bp,
    "/programmes/{programme_id}/courses",
    "POST",
    roles=ADMIN,
    body=CourseIn,
    response=CourseOut,
    status=201,
    summary="研修路径：添加课程（主题、层次 基础/提高、名称、链接、学时）",
)
def add_course(call: Call[CourseIn], programme_id: str) -> CourseOut:
    return course_out(study.add_course(call.me, programme_id, call.body), set())


@route(
    bp,
    "/programmes/{programme_id}/courses",
    roles=IN_PROGRAMME,
    response=CourseOut,
    paged=True,
    query=("theme", "level"),
    summary="研修路径的课程（按主题、层次）；学员可见自己已完成的",
)
def list_courses(call: Call, programme_id: str) -> Page[CourseOut]:
    found = study.courses(call.me, programme_id, call.query.get("theme"), call.query.get("level"))
    done = study.mine(call.me, programme_id)[1] if call.me.role == "trainee" else set()
    return call.page_of([course_out(c, done) for c in found])


@route(
    bp,
    "/me/self-assessment",
    "POST",
    roles=TRAINEE,
    body=SelfAssessmentIn,
    response=StudyOut,
    summary="自我评估（每题1–5分），并给出建议的层次",
)
def self_assessment(call: Call[SelfAssessmentIn]) -> StudyOut:
    profile, suggested = study.assess(call.me, call.body.programme_id, call.body.answers)
    return study_out(profile, study.mine(call.me, call.body.programme_id)[1], suggested)


@route(
    bp,
    "/me/level",
    "PUT",
    roles=TRAINEE,
    body=LevelIn,
    response=StudyOut,
    summary="分层选择：基础或提高",
)
def choose_level(call: Call[LevelIn]) -> StudyOut:
    profile = study.choose_level(call.me, call.body.programme_id, call.body.level)
    return study_out(profile, study.mine(call.me, call.body.programme_id)[1])


@route(
    bp,
    "/me/study",
    roles=TRAINEE,
    response=StudyOut,
    query=("programme_id",),
    summary="我的研修路径：自我评估、层次、已完成课程与学时",
)
def my_study(call: Call) -> StudyOut:
    programme_id = call.query.get("programme_id") or ""
    if not programme_id or len(programme_id) > 64:
        raise ValidationFailedError(
            fields={"programme_id": problem("value_invalid" if programme_id else "required")}
        )
    return study_out(*study.mine(call.me, programme_id))


@route(
    bp,
    "/courses/{course_id}/completion",
    "POST",
    roles=TRAINEE,
    response=StudyOut,
    summary="标记课程已完成（计入学时；重复标记不变）",
)
def complete_course(call: Call, course_id: str) -> StudyOut:
    return study_out(*study.complete(call.me, course_id))


@route(
    bp,
    "/workshops/{workshop_id}/hours",
    roles=ADMIN | COUNTY | {"workshop_host"},
    response=MemberHoursOut,
    paged=True,
    summary="工作坊学员的层次、已完成课程与学时（主持人、区县管理员、管理员）",
)
def workshop_hours(call: Call, workshop_id: str) -> Page[MemberHoursOut]:
    rows = [
        MemberHoursOut(
            enrolment_id=m.enrolment_id,
            name=m.name,
            unit=m.unit,
            level=p.level,
            hours=p.hours,
            completed=p.completed,
        )
        for m, p in study.workshop_hours(call.me, workshop_id)
    ]
    return call.page_of(rows)


# --- the survey -------------------------------------------------------------------------------


def survey_out(questions: list[Question], answered: bool) -> SurveyOut:
    return SurveyOut(
        questions=[QuestionOut(text=q.text, type=q.type, options=list(q.options)) for q in questions],
        answered=answered,
    )


@route(
    bp,
    "/programmes/{programme_id}/survey",
    "POST",
    roles=ADMIN,
    body=SurveyIn,
    response=SurveyOut,
    status=201,
    summary="训后调查：单选、多选、量表（1–5）、问答；有人作答后不能再改",
)
def write_survey(call: Call[SurveyIn], programme_id: str) -> SurveyOut:
    questions = [Question(q.text, q.type, tuple(q.options)) for q in call.body.questions]
    return survey_out(survey.write(call.me, programme_id, questions), False)


@route(
    bp,
    "/programmes/{programme_id}/survey",
    roles=IN_PROGRAMME,
    response=SurveyOut,
    summary="训后调查的题目（学员：是否已作答）",
)
def get_survey(call: Call, programme_id: str) -> SurveyOut:
    return survey_out(*survey.questions_for(call.me, programme_id))


@route(
    bp,
    "/programmes/{programme_id}/survey/responses",
    "POST",
    roles=TRAINEE,
    body=ResponseIn,
    response=ResponseOut,
    status=201,
    summary="提交训后调查（项目结束后，每人一次，匿名保存）",
)
def answer_survey(call: Call[ResponseIn], programme_id: str) -> ResponseOut:
    survey.respond(call.me, programme_id, call.body.answers)
    return ResponseOut(answered=True)


@route(
    bp,
    "/programmes/{programme_id}/survey/results",
    roles=ADMIN | COUNTY,
    response=SurveyResultsOut,
    query=("region_id",),
    summary="训后调查结果：每题的选项人数、量表均分、文字回答与回收率（管理员：全部或指定区县；区县管理员：本区县）",
)
def survey_results(call: Call, programme_id: str) -> SurveyResultsOut:
    return SurveyResultsOut.model_validate(survey.results(call.me, programme_id, call.query.get("region_id")))
