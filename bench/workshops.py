"""Figure 12: 国培 workshops (issue 14), DynamoDB calls per page for a county of 340 trainees.

- the host's grading page: GET /workshops/{id}/assignments and GET /assignments/{id}/submissions
  for the largest 学段/学科 workshop of the county (every member has submitted).
- the survey results: GET /programmes/{id}/survey/results for the county's admin and for the
  office, with 340 responses.

The county's 340 trainees are enrolled through the commit's own path (services/enrolment_files
.write_all) and confirmed through the route (accounts and SMS); the submissions and responses
are written through the data layer (db/workshops.submit, db/study.answer: the same writes
the routes make, without 340 logins)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from bench.calls import Recorder, describe
from bench.enrolment import _county, _renamed, county_name, people_file
from bench.moto_patches import lean_transactions
from bench.routes import ADMIN_PHONE, STRONG, app_under_moto, quiet, ready_token
from bench.table import Row

TRAINEES = 340
N = 21  # this figure's county


def _enrol(pid: str, region_id: str) -> None:
    from chalicelib.adapters import clock, sheet_reader
    from chalicelib.db import catalog
    from chalicelib.domain import enrolment_sheet
    from chalicelib.services import enrolment, enrolment_files

    data = _renamed(people_file(TRAINEES, first=30_001), county_name(N))
    grid = sheet_reader.read(data).rows
    layout = enrolment_sheet.find_layout(grid)
    assert layout is not None
    checked = enrolment_sheet.check_rows(
        enrolment_sheet.data_rows(grid, layout), county_name(N), date(2026, 11, 2)
    )
    assert len(checked.people) == TRAINEES, checked.errors[:3]
    programme = enrolment.programme_of(pid)
    region = catalog.get_region(region_id)
    assert region is not None
    now = clock.now()
    people = [enrolment.new_enrolment(programme, region_id, p, now, row=row) for row, p in checked.people]
    written, refused = enrolment_files.write_all(programme, region, people, now)
    assert len(written) == TRAINEES and not refused


def _world(api: Any) -> dict[str, Any]:
    from tests.guopei_people import as_body, person

    admin = ready_token(api, ADMIN_PHONE)
    pid, region, county = _county(api, admin, TRAINEES, N)
    _enrol(pid, region)
    host = person("绥德县", 39_999, role="工作坊主持人", county=county_name(N))
    host_id = api.expect(201, "POST", f"/programmes/{pid}/enrolments", county, as_body(host))["enrolment_id"]
    api.expect(200, "POST", f"/programmes/{pid}/enrolment/confirm", county)
    people = api.expect(200, "GET", f"/programmes/{pid}/enrolments?role=trainee&limit=100", county)
    everyone = list(people["items"])
    while people["next_cursor"]:
        people = api.expect(
            200,
            "GET",
            f"/programmes/{pid}/enrolments?role=trainee&limit=100&cursor={people['next_cursor']}",
            county,
        )
        everyone += people["items"]
    (stage, subject), _ = Counter((p["stage"], p["subject"]) for p in everyone).most_common(1)[0]
    members = [p["enrolment_id"] for p in everyone if (p["stage"], p["subject"]) == (stage, subject)]
    body = {"name": "工作坊", "stage": stage, "subject": subject, "host_enrolment_id": host_id}
    wid = api.expect(201, "POST", f"/programmes/{pid}/workshops", county, body)["workshop_id"]
    api.expect(200, "PUT", f"/workshops/{wid}/members", county, {"enrolment_ids": members})
    return {"admin": admin, "county": county, "pid": pid, "region": region, "wid": wid, "host": host}


def _submissions(wid: str, aid: str) -> int:
    from chalicelib.adapters import clock
    from chalicelib.db import workshop_assignments
    from chalicelib.db import workshops as store
    from chalicelib.domain.workshops import Submission, child_id

    now = clock.now()
    members = store.members(wid)
    for m in members:
        sid = child_id(aid, m.enrolment_id)
        body = "<p>" + "教学设计" * 200 + "</p>"
        workshop_assignments.submit(
            Submission(sid, aid, wid, m.enrolment_id, m.account_id, m.name, body, (), now, now, False)
        )
    return len(members)


def _responses(pid: str, region: str) -> None:
    from chalicelib.adapters import clock, secrets
    from chalicelib.db import study

    now = clock.now()
    questions = study.survey(pid) or []
    for n in range(TRAINEES):
        answers = [1 + n % 5, ["网络课程", "集中研修"][n % 2], ["课例"], "建议" if n % 7 == 0 else ""]
        study.answer(pid, f"bench-account-{n}", region, secrets.new_id(), answers, now, questions)


def measure(recorder: Recorder) -> list[Row]:
    from chalicelib.adapters import clock

    with app_under_moto() as (api, prefix), quiet(), lean_transactions():
        w = _world(api)
        ready_token(api, w["host"]["phone"])
        clock.set_now(clock.now() + timedelta(days=130))  # in the term (2026-11-02..2027-01-15)
        host = api.expect(200, "POST", "/auth/login", body={"phone": w["host"]["phone"], "password": STRONG})[
            "token"
        ]
        due = {"title": "教学设计", "description": "一份", "due_at": "2026-11-20T23:59:00+08:00"}
        aid = api.expect(201, "POST", f"/workshops/{w['wid']}/assignments", host, due)["assignment_id"]
        submitted = _submissions(w["wid"], aid)
        with recorder.recording() as list_calls:
            api.expect(200, "GET", f"/workshops/{w['wid']}/assignments", host)
        with recorder.recording() as page_calls:
            shown = api.expect(200, "GET", f"/assignments/{aid}/submissions?limit=100", host)
        assert len(shown["items"]) == submitted
        survey = {
            "questions": [
                {"text": "总体满意度", "type": "scale"},
                {"text": "最有收获的环节", "type": "single", "options": ["网络课程", "集中研修"]},
                {"text": "希望加强的方面", "type": "multiple", "options": ["课例", "理论"]},
                {"text": "其他建议", "type": "text"},
            ]
        }
        admin = api.expect(200, "POST", "/auth/login", body={"phone": ADMIN_PHONE, "password": STRONG})[
            "token"
        ]
        api.expect(201, "POST", f"/programmes/{w['pid']}/survey", admin, survey)
        _responses(w["pid"], w["region"])
        county = api.expect(
            200, "POST", "/auth/login", body={"phone": f"139000010{N:02d}", "password": STRONG}
        )["token"]
        with recorder.recording() as county_calls:
            results = api.expect(200, "GET", f"/programmes/{w['pid']}/survey/results", county)
        assert results["responses"] == TRAINEES
        with recorder.recording() as office_calls:
            api.expect(200, "GET", f"/programmes/{w['pid']}/survey/results", admin)
    return [
        Row(
            f"DynamoDB calls of the host's assignments list ({submitted} members)",
            f"{len(list_calls)}",
            "constant",
            describe(list_calls, prefix),
        ),
        Row(
            f"DynamoDB calls of the host's grading page ({submitted} submissions)",
            f"{len(page_calls)}",
            "constant",
            describe(page_calls, prefix),
        ),
        Row(
            f"DynamoDB calls of the survey results, county admin ({TRAINEES} responses)",
            f"{len(county_calls)}",
            "constant (a Query's pages: 1 MB each)",
            describe(county_calls, prefix),
        ),
        Row(
            f"DynamoDB calls of the survey results, office ({TRAINEES} responses, every county)",
            f"{len(office_calls)}",
            "constant (a Query's pages)",
            describe(office_calls, prefix),
        ),
    ]
