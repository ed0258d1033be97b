"""国培 study paths and the 训后调查 through the API (issue 14): the office lists courses by
theme and level; a trainee assesses themself, chooses a level and completes courses, their
hours summed for the host and the county admin; the office writes the survey, each trainee
answers once after end_date, anonymously, and the results come per question and per county."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import ClaimModel, GuopeiRecordModel
from tests.guopei_people import as_body, person
from tests.integration.conftest import STRONG, Api, error_of

# The programme, 绥德县 and 延长县 confirmed (the fixture `g`), as the workshops' tests build it
from tests.integration.test_workshops import IN_TERM, PROGRAMME, SUIDE, _world, formed, items, relogin
from tests.integration.test_workshops import g as g  # noqa: PLC0414 - the fixture, by its name

pytestmark = pytest.mark.integration

COURSES = [
    {
        "theme": "课堂提问",
        "level": "basic",
        "title": "提问的类型",
        "url": "https://example.cn/c/1",
        "hours": 2,
    },
    {
        "theme": "课堂提问",
        "level": "advanced",
        "title": "追问与理答",
        "url": "https://example.cn/c/2",
        "hours": 3,
    },
    {
        "theme": "作业设计",
        "level": "basic",
        "title": "分层作业",
        "url": "https://example.cn/c/3",
        "hours": 1.5,
    },
]


def test_a_trainee_follows_the_study_path_and_the_host_sees_the_hours(api: Api, g: dict[str, Any]) -> None:  # noqa: F811
    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    ids = []
    for c in COURSES:
        made = api.call("POST", f"/programmes/{g['pid']}/courses", g["office"], c)
        assert made.status_code == 201, made.data
        ids.append(made.data["course_id"])
    t1 = s["tokens"]["t1"]
    listed = items(api.call("GET", f"/programmes/{g['pid']}/courses?theme=课堂提问", t1))
    assert [c["title"] for c in listed] == ["提问的类型", "追问与理答"]
    # 自我评估 suggests a level; 分层选择 picks one
    assessed = api.call(
        "POST",
        "/me/self-assessment",
        t1,
        {"programme_id": g["pid"], "answers": {"课堂提问能力": 4, "作业设计能力": 5}},
    )
    assert assessed.status_code == 200, assessed.data
    assert assessed.data["suggested_level"] == "advanced"
    chosen = api.call("PUT", "/me/level", t1, {"programme_id": g["pid"], "level": "advanced"})
    assert chosen.data["level"] == "advanced"
    # Completing courses sums their hours, once each
    for course in (ids[1], ids[2], ids[1]):
        done = api.call("POST", f"/courses/{course}/completion", t1)
        assert done.status_code == 200, done.data
    assert (done.data["hours"], done.data["completed"]) == (4.5, 2)
    mine = api.call("GET", f"/me/study?programme_id={g['pid']}", t1).data
    assert error_of(api.call("GET", "/me/study", t1)) == (422, "validation_failed")
    assert error_of(api.call("GET", f"/me/study?programme_id={'x' * 3000}", t1)) == (422, "validation_failed")
    assert sorted(mine["completed_course_ids"]) == sorted([ids[1], ids[2]])
    # The host and the county admin see each member's hours
    for token in (s["tokens"]["host"], s["admin"]):
        rows = {r["name"]: r for r in items(api.call("GET", f"/workshops/{wid}/hours", token))}
        assert (rows[SUIDE["t1"]["name"]]["hours"], rows[SUIDE["t1"]["name"]]["level"]) == (4.5, "advanced")
        assert rows[SUIDE["t2"]["name"]]["hours"] == 0
    # Not the trainee, another host, another county
    assert error_of(api.call("GET", f"/workshops/{wid}/hours", t1))[0] == 403
    for token in (s["tokens"]["host2"], g["yanchang"]["admin"]):
        assert error_of(api.call("GET", f"/workshops/{wid}/hours", token)) == (404, "workshop_not_found")
    # Bad input: a score outside 1–5, a level not offered, an unknown course, a course by a trainee
    bad = api.call("POST", "/me/self-assessment", t1, {"programme_id": g["pid"], "answers": {"x": 6}})
    assert error_of(bad) == (422, "validation_failed")
    assert error_of(api.call("PUT", "/me/level", t1, {"programme_id": g["pid"], "level": "expert"}))[0] == 422
    assert error_of(api.call("POST", f"/courses/{g['pid']}-{'0' * 32}/completion", t1)) == (
        404,
        "course_not_found",
    )
    assert error_of(api.call("POST", f"/programmes/{g['pid']}/courses", t1, COURSES[0])) == (403, "forbidden")
    # A host has no study path of their own
    assert (
        error_of(
            api.call(
                "POST",
                "/me/self-assessment",
                s["tokens"]["host"],
                {"programme_id": g["pid"], "answers": {"x": 1}},
            )
        )[0]
        == 403
    )


SURVEY = {
    "questions": [
        {"text": "总体满意度", "type": "scale"},
        {"text": "最有收获的环节", "type": "single", "options": ["网络课程", "集中研修", "作业批改"]},
        {"text": "希望加强的方面", "type": "multiple", "options": ["课例", "理论", "研讨"]},
        {"text": "其他建议", "type": "text"},
    ]
}
AFTER = datetime(2027, 1, 18, 2, 0, tzinfo=UTC)


def test_each_trainee_answers_the_survey_once_anonymously_and_results_come_per_county(
    api: Api,
    g: dict[str, Any],  # noqa: F811
) -> None:
    s, y = g["suide"], g["yanchang"]
    made = api.call("POST", f"/programmes/{g['pid']}/survey", g["office"], SURVEY)
    assert made.status_code == 201, made.data
    answers = [5, "集中研修", ["课例", "研讨"], "多安排听评课"]
    # Before end_date: not open
    relogin(api, g, IN_TERM)
    assert error_of(
        api.call("POST", f"/programmes/{g['pid']}/survey/responses", s["tokens"]["t1"], {"answers": answers})
    ) == (409, "survey_not_open")
    relogin(api, g, AFTER)
    # Outside the options, a scale of 6, a missing answer: 422 naming each, nothing written
    for bad in (
        [5, "外出参观", ["课例"], ""],
        [6, "集中研修", ["课例"], ""],
        [5, "集中研修", ["课例"]],
        [5, "集中研修", [], ""],
    ):
        r = api.call("POST", f"/programmes/{g['pid']}/survey/responses", s["tokens"]["t1"], {"answers": bad})
        assert error_of(r) == (422, "validation_failed"), (bad, r.data)
    assert [
        k for k in GuopeiRecordModel.query(f"survey#{g['pid']}") if k.record_key.startswith("response#")
    ] == []
    # Each trainee once
    for who, a in (("t1", answers), ("t2", [3, "网络课程", ["理论"], ""])):
        r = api.call("POST", f"/programmes/{g['pid']}/survey/responses", s["tokens"][who], {"answers": a})
        assert r.status_code == 201, r.data
    r = api.call("POST", f"/programmes/{g['pid']}/survey/responses", y["tokens"]["t1"], {"answers": answers})
    assert r.status_code == 201
    again = api.call(
        "POST", f"/programmes/{g['pid']}/survey/responses", s["tokens"]["t1"], {"answers": answers}
    )
    assert error_of(again) == (409, "already_answered")
    assert api.call("GET", f"/programmes/{g['pid']}/survey", s["tokens"]["t1"]).data["answered"] is True
    assert api.call("GET", f"/programmes/{g['pid']}/survey", s["tokens"]["t3"]).data["answered"] is False
    # Anonymous in storage: no account, enrolment, name or phone in any response
    stored = [
        m for m in GuopeiRecordModel.query(f"survey#{g['pid']}") if m.record_key.startswith("response#")
    ]
    assert len(stored) == 3
    people = [SUIDE[k] for k in ("t1", "t2")]
    for m in stored:
        raw = str(m.serialize())
        for p in people:
            assert p["name"] not in raw and p["phone"] not in raw
        assert set(m.attribute_values) <= {
            "partition_key",
            "record_key",
            "region_id",
            "answers",
            "created_at",
        }
        assert m.created_at.hour == 0 and m.created_at.minute == 0
    # The office: every county; 绥德县's admin: its own; another county's admin cannot name it
    every = api.call("GET", f"/programmes/{g['pid']}/survey/results", g["office"]).data
    assert every["responses"] == 3
    own = api.call("GET", f"/programmes/{g['pid']}/survey/results", s["admin"])
    assert own.status_code == 200, own.data
    own = own.data
    assert (own["responses"], own["enrolled"]) == (2, 4)
    assert own["response_rate"] == 0.5
    scale, single, multiple, text = own["questions"]
    assert scale["counts"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1} and scale["mean"] == 4.0
    assert single["counts"] == {"网络课程": 1, "集中研修": 1, "作业批改": 0}
    assert multiple["counts"] == {"课例": 1, "理论": 1, "研讨": 1}
    assert text["texts"] == ["多安排听评课"]
    assert error_of(
        api.call("GET", f"/programmes/{g['pid']}/survey/results?region_id={s['region']}", y["admin"])
    ) == (404, "region_not_found")
    assert error_of(api.call("GET", f"/programmes/{g['pid']}/survey/results", s["tokens"]["host"])) == (
        403,
        "forbidden",
    )
    # The results as an .xlsx with a chart per choice and scale question, the county's own
    import io
    import zipfile

    import requests
    from openpyxl import load_workbook

    started = api.call("POST", f"/programmes/{g['pid']}/exports", s["admin"], {"kind": "survey"})
    assert started.status_code == 202, started.data
    ready = api.call("GET", f"/exports/{started.data['export_id']}", s["admin"]).data
    assert ready["status"] == "ready", ready
    data = requests.get(ready["url"], timeout=10).content
    charts = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
    book = load_workbook(io.BytesIO(data))
    values = [v for r in book["调查结果"].values for v in r if v is not None]
    assert "回收率" in values and "50.0%" in values and "集中研修" in values
    assert list(book["文字回答"].values)[1][1] == "多安排听评课"
    # The questions cannot change once answered
    assert error_of(api.call("POST", f"/programmes/{g['pid']}/survey", g["office"], SURVEY)) == (
        409,
        "survey_answered",
    )
    clock.set_now(None)


def test_the_office_sees_each_county_and_workshop_in_the_evaluation(api: Api, g: dict[str, Any]) -> None:  # noqa: F811
    s, y = g["suide"], g["yanchang"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    course = api.call("POST", f"/programmes/{g['pid']}/courses", g["office"], COURSES[0]).data["course_id"]
    api.call("POST", f"/courses/{course}/completion", s["tokens"]["t1"])
    aid = api.call(
        "POST",
        f"/workshops/{wid}/assignments",
        s["tokens"]["host"],
        {"title": "教学设计", "description": "一份", "due_at": "2026-11-20T23:59:00+08:00"},
    ).data["assignment_id"]
    sid = api.call("POST", f"/assignments/{aid}/submissions", s["tokens"]["t2"], {"body": "<p>x</p>"}).data[
        "submission_id"
    ]
    clock.set_now(datetime(2026, 11, 10, 8, 0, tzinfo=UTC))
    api.call("PUT", f"/submissions/{sid}/grade", s["tokens"]["host"], {"score": 80, "suggestion": "好"})
    api.call(
        "POST", f"/workshops/{wid}/briefings", s["tokens"]["host"], {"title": "第1期", "body": "<p>a</p>"}
    )
    every = {
        c["region_name"]: c
        for c in items(api.call("GET", f"/programmes/{g['pid']}/guopei-evaluation", g["office"]))
    }
    suide = every["绥德县"]
    assert (suide["enrolled"], suide["active"], suide["hours"]) == (4, 2, 2.0)
    assert (suide["submitted"], suide["graded"], suide["turnaround_hours"]) == (1, 1, 6.0)
    assert (suide["briefings"], suide["workshops_short_of_briefings"], suide["collections"]) == (1, 1, 0)
    (w,) = suide["workshops"]
    assert (w["members"], w["active"], w["hours"], w["briefings_short"]) == (2, 2, 2.0, True)
    assert every["延长县"]["enrolled"] == 1 and every["延长县"]["workshops"] == []
    own = items(api.call("GET", f"/programmes/{g['pid']}/guopei-evaluation", s["admin"]))
    assert [c["region_name"] for c in own] == ["绥德县"]
    assert error_of(
        api.call("GET", f"/programmes/{g['pid']}/guopei-evaluation?region_id={s['region']}", y["admin"])
    ) == (404, "region_not_found")
    assert error_of(api.call("GET", f"/programmes/{g['pid']}/guopei-evaluation", s["tokens"]["host"])) == (
        403,
        "forbidden",
    )


def test_trainees_who_have_not_answered_are_reminded_after_the_programme(api: Api, g: dict[str, Any]) -> None:  # noqa: F811
    from chalicelib.jobs import JOBS
    from tests.integration.conftest import sms_to

    s = g["suide"]
    api.call("POST", f"/programmes/{g['pid']}/survey", g["office"], SURVEY)
    relogin(api, g, datetime(2027, 1, 16, 0, 30, tzinfo=UTC))
    answers = [5, "集中研修", ["课例"], ""]
    assert (
        api.call(
            "POST", f"/programmes/{g['pid']}/survey/responses", s["tokens"]["t1"], {"answers": answers}
        ).status_code
        == 201
    )

    def reminded(key: str) -> int:
        return len([t for t in sms_to(SUIDE[key]["phone"]) if "训后调查" in t])

    # The day after end_date at 09:00: those who have not answered, not the one who has
    clock.set_now(datetime(2027, 1, 16, 1, 0, tzinfo=UTC))
    JOBS["reminders"]()
    assert (reminded("t1"), reminded("t2"), reminded("t3")) == (0, 1, 1)
    JOBS["reminders"]()
    assert reminded("t2") == 1  # once a day
    # t2 answers; on the third day only t3 is reminded
    relogin(api, g, datetime(2027, 1, 17, 2, 0, tzinfo=UTC))
    assert (
        api.call(
            "POST", f"/programmes/{g['pid']}/survey/responses", s["tokens"]["t2"], {"answers": answers}
        ).status_code
        == 201
    )
    clock.set_now(datetime(2027, 1, 18, 1, 0, tzinfo=UTC))
    JOBS["reminders"]()
    assert (reminded("t2"), reminded("t3")) == (1, 2)
    clock.set_now(None)


def test_answers_checked_against_questions_the_office_rewrote_meanwhile_are_refused() -> None:
    # The service checks the answers against the questions it read; if the office rewrote them
    # before the write (allowed while nobody has answered), the write must not land: a scale
    # answer stored against a text question would break every tally.
    from chalicelib.db import study
    from chalicelib.domain.errors import ConflictError
    from chalicelib.domain.survey import Question

    read = [Question("满意度", "scale")]
    study.put_survey("p-rewrite", read, clock.now())
    study.put_survey("p-rewrite", [Question("建议", "text")], clock.now())  # the office rewrites
    with pytest.raises(ConflictError) as refused:
        study.answer("p-rewrite", "a-1", "r-1", "resp-1", [5], clock.now(), read)
    assert refused.value.code == "stale_version"
    assert study.responses("p-rewrite") == [] and not study.has_answered("p-rewrite", "a-1")
    assert int(GuopeiRecordModel.get("survey#p-rewrite", "questions").responses or 0) == 0


# --- authorisation: every study, survey and evaluation route ------------------------------------

STUDY_PATHS = (
    "/programmes/{programme_id}/courses",
    "/courses/",
    "/programmes/{programme_id}/survey",
    "/programmes/{programme_id}/guopei-evaluation",
    "/me/self-assessment",
    "/me/level",
    "/me/study",
    "/me/workshops",
)
YICHUAN_ADMIN, YICHUAN_T1 = "13900000016", person("宜川县", 40)


def _another_programme(api: Api, admin: str) -> dict[str, str]:
    """宜川县 on another 国培 programme only: its admin and a trainee of its list."""
    pid = api.call("POST", "/programmes", admin, {**PROGRAMME, "name": "另一个国培项目"}).data["programme_id"]
    contact = {"name": "宜川管理员", "phone": YICHUAN_ADMIN, "unit": "宜川县教育局"}
    region = api.call("POST", "/regions", admin, {"name": "宜川县", "contact": contact}).data["region_id"]
    assert api.call("PUT", f"/programmes/{pid}/quotas/{region}", admin, {"places": 10}).status_code == 200
    token = api.ready_token(YICHUAN_ADMIN)
    made = api.call("POST", f"/programmes/{pid}/enrolments", token, as_body(YICHUAN_T1))
    assert made.status_code == 201, made.data
    assert api.call("POST", f"/programmes/{pid}/enrolment/confirm", token).status_code == 200
    api.ready_token(YICHUAN_T1["phone"])
    return {"programme_id": pid, "region_id": region}


def _stored() -> tuple[int, int]:
    return sum(1 for _ in GuopeiRecordModel.scan()), sum(1 for _ in ClaimModel.scan())


def test_every_study_survey_and_evaluation_route_refuses_outsiders(api: Api, g: dict[str, Any]) -> None:  # noqa: F811
    from chalicelib.api.routing import ENDPOINTS

    other = _another_programme(api, g["office"])
    ids = _world(api, g)
    course = api.call("POST", f"/programmes/{g['pid']}/courses", g["office"], COURSES[0])
    assert course.status_code == 201, course.data
    ids["course_id"] = course.data["course_id"]
    assert api.call("POST", f"/programmes/{g['pid']}/survey", g["office"], SURVEY).status_code == 201
    # After end_date, so the survey is open: a refusal is the caller's, not the calendar's
    relogin(api, g, AFTER)
    s, y = g["suide"], g["yanchang"]
    people = {
        "the office": g["office"],
        "绥德县's admin": s["admin"],
        "延长县's admin": y["admin"],
        "宜川县's admin (another programme)": api.login(YICHUAN_ADMIN, STRONG).data["token"],
        "绥德县's host": s["tokens"]["host"],
        "another host of 绥德县": s["tokens"]["host2"],
        "延长县's host": y["tokens"]["host"],
        "绥德县's trainee in the workshop": s["tokens"]["t1"],
        "绥德县's trainee of no workshop": s["tokens"]["t3"],
        "延长县's trainee": y["tokens"]["t1"],
        "a trainee of another programme": api.login(YICHUAN_T1["phone"], STRONG).data["token"],
    }
    trainees = {"绥德县's trainee in the workshop", "绥德县's trainee of no workshop", "延长县's trainee"}
    in_programme = set(people) - {"宜川县's admin (another programme)", "a trainee of another programme"}
    office, suide_admin = {"the office"}, {"the office", "绥德县's admin"}
    # Who may, per route (everyone else is refused): the office writes the courses and the
    # survey; everyone in the programme reads them; a trainee on its list keeps their own study
    # path and answers; 绥德县's results and evaluation are the office's and 绥德县's admin's;
    # 我的工作坊 is the host's and the members' own (anyone else: 403, or a list without it).
    legit: dict[str, set[str]] = {
        "POST /programmes/{programme_id}/courses": office,
        "GET /programmes/{programme_id}/courses": in_programme,
        "POST /courses/{course_id}/completion": trainees,
        "POST /me/self-assessment": trainees,
        "PUT /me/level": trainees,
        "GET /me/study": trainees,
        "POST /programmes/{programme_id}/survey": office,
        "GET /programmes/{programme_id}/survey": in_programme,
        "POST /programmes/{programme_id}/survey/responses": trainees,
        "GET /programmes/{programme_id}/survey/results": suide_admin,
        "GET /programmes/{programme_id}/guopei-evaluation": suide_admin,
        "GET /me/workshops": {"绥德县's host", "绥德县's trainee in the workshop"},
    }
    query = {
        "GET /me/study": f"?programme_id={g['pid']}",
        "GET /programmes/{programme_id}/survey/results": f"?region_id={s['region']}",
        "GET /programmes/{programme_id}/guopei-evaluation": f"?region_id={s['region']}",
    }
    bodies: dict[str, Any] = {
        "POST /programmes/{programme_id}/courses": COURSES[1],
        "POST /me/self-assessment": {"programme_id": g["pid"], "answers": {"课堂提问能力": 3}},
        "PUT /me/level": {"programme_id": g["pid"], "level": "basic"},
        "POST /programmes/{programme_id}/survey": SURVEY,
        "POST /programmes/{programme_id}/survey/responses": {"answers": [5, "集中研修", ["课例"], ""]},
    }
    routes = [ep for ep in ENDPOINTS if ep.path.startswith(STUDY_PATHS)]
    assert sorted(f"{ep.method} {ep.path}" for ep in routes) == sorted(legit)
    assert len(routes) == 12
    before = _stored()
    failures = []
    for ep in routes:
        key = f"{ep.method} {ep.path}"
        path = ep.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        for who, token in people.items():
            if who in legit[key]:
                continue
            r = api.call(ep.method, path + query.get(key, ""), token, bodies.get(key))
            status, code = error_of(r)
            if key == "GET /me/workshops" and status == 200:
                # the caller's own workshops: never 绥德县's to someone outside it
                if any(w["workshop_id"] == ids["workshop_id"] for w in r.data["items"]):
                    failures.append(f"{who}: {key} listed it")
                continue
            if status not in (403, 404):
                failures.append(f"{who}: {key} → {status} {code}")
    assert not failures, "\n".join(failures)
    assert _stored() == before
    # A county admin not in the programme, naming no county, sees neither results nor questions
    yichuan = people["宜川县's admin (another programme)"]
    for path in (f"/programmes/{g['pid']}/survey/results", f"/programmes/{g['pid']}/survey"):
        assert error_of(api.call("GET", path, yichuan))[0] in (403, 404), path
    assert items(api.call("GET", f"/programmes/{g['pid']}/guopei-evaluation", yichuan)) == []
    assert other["programme_id"] != g["pid"]
    clock.set_now(None)
