"""After the batch (issue 13 part 4): the 分享报告 the region's contact records, its reminders,
and the year-end 年度评估's four measures with the office's weights and 综合调研 score."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import BatchModel, SharingReportModel
from chalicelib.jobs import JOBS
from tests.builders import png
from tests.integration.conftest import (
    PROGRAMME,
    STRONG,
    Api,
    base_body,
    emails,
    error_of,
    region_body,
    sms_to,
)
from tests.integration.test_artifacts import s3_event, upload

pytestmark = pytest.mark.integration

A, B, T1, T2 = "13900000001", "13900000002", "13600000001", "13600000002"
AFTER = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)  # 10:00 Shanghai, three weeks after the batch


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    """Region A's batch (7–18 September) with a confirmed roster of two; region B, which never
    asked. The clock then moves past the batch and everyone logs in again."""
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body("13700000001", ["primary"])).data["base_id"]
    ra = api.call("POST", "/regions", admin, region_body(A, "广州南沙实验区")).data["region_id"]
    rb = api.call("POST", "/regions", admin, region_body(B, "宜川县")).data["region_id"]
    contact = api.ready_token(A)
    api.ready_token(B)
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    api.call("POST", f"/programmes/{pid}/demands", contact, demand)
    body = {"base_id": base, "stage": "primary", "start_date": "2026-09-07", "end_date": "2026-09-18"}
    batch = api.call("POST", f"/programmes/{pid}/batches", admin, {**body, "study_type": "placement"}).data[
        "batch_id"
    ]
    api.call("PUT", f"/batches/{batch}/region", admin, {"region_id": ra})
    ids = []
    for name, phone, role in (("张团长", T1, "leader"), ("李明", T2, "member")):
        person = {"name": name, "gender": "female", "phone": phone, "unit": "一小", "team_role": role}
        ids.append(api.call("POST", f"/batches/{batch}/trainees", contact, person).data["trainee_id"])
    api.call("POST", f"/batches/{batch}/roster/confirm", contact)
    clock.set_now(AFTER)
    return {
        "pid": pid,
        "ra": ra,
        "rb": rb,
        "batch": batch,
        "t1": ids[0],
        "t2": ids[1],
        "a": api.login(A, STRONG).data["token"],
        "b": api.login(B, STRONG).data["token"],
        "admin": api.login("13800000000", STRONG).data["token"],
    }


def test_the_region_contact_records_a_sharing_report_with_photos(api: Api, w: dict) -> None:
    # Given a photo the contact uploaded
    photo, posted = upload(api, w["a"], png())
    assert posted.status_code == 204
    s3_event(api, photo)
    # When the contact records 张团长's report
    body = {
        "date": "2026-10-01",
        "audience": 120,
        "note": "面向全区语文教师\n分享大单元教学",
        "image_ids": [photo],
    }
    r = api.call("PUT", f"/trainees/{w['t1']}/sharing-report", w["a"], body)
    # Then it is kept, with a link to the photo, and the batch counts it
    assert r.status_code == 200, r.data
    assert (r.data["date"], r.data["audience"], r.data["note"]) == ("2026-10-01", 120, body["note"])
    assert r.data["image_ids"] == [photo] and r.data["image_urls"][0].startswith("http")
    assert BatchModel.get(w["batch"]).sharing_count == 1
    # Correcting it replaces it and counts nothing twice
    fixed = api.call("PUT", f"/trainees/{w['t1']}/sharing-report", w["a"], {**body, "audience": 130})
    assert fixed.data["audience"] == 130 and fixed.data["recorded_at"] == r.data["recorded_at"]
    assert BatchModel.get(w["batch"]).sharing_count == 1
    # The region's list shows each trainee, its window and its report
    rows = {
        row["name"]: row
        for row in api.call("GET", f"/programmes/{w['pid']}/sharing-reports", w["a"]).data["items"]
    }
    assert rows["张团长"]["report"]["audience"] == 130 and rows["李明"]["report"] is None
    assert rows["李明"]["window_closes"] == "2026-12-17" and rows["李明"]["window_open"] is True
    office = api.call("GET", f"/programmes/{w['pid']}/sharing-reports?region_id={w['ra']}", w["admin"])
    assert len(office.data["items"]) == 2


def test_bad_sharing_reports_are_refused_with_nothing_written(api: Api, w: dict) -> None:
    path = f"/trainees/{w['t1']}/sharing-report"
    for held_on, message in (
        ("2026-09-18", "研修结束"),
        ("2026-12-18", "三个月内"),
        ("2026-10-09", "不能晚于今天"),
    ):
        r = api.call("PUT", path, w["a"], {"date": held_on, "audience": 30})
        assert error_of(r)[0] == 422 and message in r.data["error"]["fields"]["date"], held_on
    # Another region's trainee: not theirs to know of
    r = api.call("PUT", path, w["b"], {"date": "2026-10-01", "audience": 30})
    assert error_of(r) == (404, "trainee_not_found")
    assert error_of(api.call("PUT", path, w["admin"], {"date": "2026-10-01", "audience": 30})) == (
        403,
        "forbidden",
    )
    assert error_of(api.call("PUT", path, w["a"], {"date": "2026-10-01", "audience": 0}))[0] == 422
    r = api.call("PUT", path, w["a"], {"date": "2026-10-01", "audience": 30, "image_ids": ["0" * 32]})
    assert error_of(r)[0] == 422 and "image_ids" in r.data["error"]["fields"]
    assert error_of(api.call("GET", f"/programmes/{w['pid']}/sharing-reports", w["admin"]))[0] == 422
    assert SharingReportModel.count() == 0 and not BatchModel.get(w["batch"]).sharing_count


def test_sharing_reminders_go_once_a_day_and_stop_when_recorded(api: Api, w: dict) -> None:
    # Given 张团长's report recorded and 李明's not, 14 days before the window closes (17 Dec)
    api.call("PUT", f"/trainees/{w['t1']}/sharing-report", w["a"], {"date": "2026-10-01", "audience": 50})
    day = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    for _ in range(2):  # a second run the same day sends nothing
        JOBS["reminders"](day)
    # Then 李明 is reminded once, 张团长 not, and the contact gets the names once
    [to_trainee] = [t for t in sms_to(T2) if "分享报告" in t]
    assert "2026-12-17" in to_trainee and "还有14天" in to_trainee
    assert not [t for t in sms_to(T1) if "分享报告" in t]
    [summary] = [t for t in sms_to(A) if "分享报告尚未记录" in t]
    assert "李明" in summary and "张团长" not in summary
    [mail] = [
        m for m in emails() if m.destinations["ToAddresses"] == ["li@example.cn"] and "分享报告" in m.body
    ]
    assert "李明" in mail.body
    # When 李明's is recorded, the 3-days reminder does not come
    clock.set_now(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    token = api.login(A, STRONG).data["token"]
    api.call("PUT", f"/trainees/{w['t2']}/sharing-report", token, {"date": "2026-12-09", "audience": 40})
    JOBS["reminders"](datetime(2026, 12, 14, 1, 0, tzinfo=UTC))
    assert len([t for t in sms_to(T2) if "分享报告" in t]) == 1
    assert len([t for t in sms_to(A) if "分享报告尚未记录" in t]) == 1


def test_the_evaluation_shows_four_measures_with_the_weights_the_office_sets(api: Api, w: dict) -> None:
    # Given 张团长's report (nobody registered or checked in)
    api.call("PUT", f"/trainees/{w['t1']}/sharing-report", w["a"], {"date": "2026-10-01", "audience": 50})
    evaluation = api.call("GET", f"/programmes/{w['pid']}/evaluation", w["admin"])
    assert evaluation.status_code == 200 and set(evaluation.data) == {"items", "next_cursor"}
    rows = {r["region_id"]: r for r in evaluation.data["items"]}
    a, b = rows[w["ra"]], rows[w["rb"]]
    assert [r["region_id"] for r in evaluation.data["items"]] == [w["ra"], w["rb"]]
    assert a["weights"] == {"organisation": 40, "sharing": 30, "outcomes": 30, "visit": 0}
    # A asked, its roster is confirmed, nobody registered or checked in: (1 + 1 + 0 + 0) / 4
    assert a["measures"] == {"organisation": 50.0, "sharing": 50.0, "outcomes": 0.0, "visit": 0.0}
    assert a["score"] == pytest.approx((40 * 50 + 30 * 50) / 100)
    assert (a["trainees"], a["sharing_reports"], a["demand_in_time"], a["rosters_confirmed"]) == (
        2,
        1,
        True,
        1,
    )
    assert b["measures"]["organisation"] == 0 and b["score"] == 0 and b["demand_in_time"] is False
    # When the office weighs the visit and scores B after visiting it
    weights = {"organisation": 25, "sharing": 25, "outcomes": 25, "visit": 25}
    put = api.call("PUT", f"/programmes/{w['pid']}/evaluation-weights", w["admin"], weights)
    assert put.status_code == 200 and put.data == weights
    visit = {"score": 95, "comment": "区域推进有力，组织保障到位"}
    scored = api.call("PUT", f"/programmes/{w['pid']}/evaluation/{w['rb']}", w["admin"], visit)
    assert scored.status_code == 200 and scored.data["score"] == 95
    # Then the ranking follows
    rows = {
        r["region_id"]: r
        for r in api.call("GET", f"/programmes/{w['pid']}/evaluation", w["admin"]).data["items"]
    }
    assert rows[w["rb"]]["measures"]["visit"] == 95 and rows[w["rb"]]["visit_comment"] == visit["comment"]
    assert rows[w["rb"]]["weights"] == weights and rows[w["rb"]]["score"] == pytest.approx(95 / 4)
    assert rows[w["ra"]]["score"] == pytest.approx((50 + 50) / 4)
    assert api.call("GET", f"/programmes/{w['pid']}/evaluation-weights", w["admin"]).data == weights
    # Bad input
    bad = api.call("PUT", f"/programmes/{w['pid']}/evaluation-weights", w["admin"], {**weights, "visit": 30})
    assert error_of(bad) == (422, "validation_failed") and "weights" in bad.data["error"]["fields"]
    too_high = api.call("PUT", f"/programmes/{w['pid']}/evaluation/{w['rb']}", w["admin"], {"score": 101})
    assert error_of(too_high)[0] == 422
    nobody = api.call("PUT", f"/programmes/{w['pid']}/evaluation/nope", w["admin"], {"score": 50})
    assert error_of(nobody) == (404, "region_not_found")
    assert error_of(api.call("PUT", f"/programmes/{w['pid']}/evaluation/{w['rb']}", w["a"], visit)) == (
        403,
        "forbidden",
    )


def _as_counted_from_trainees(pid: str) -> dict[str, dict]:
    """The oracle: each region's figures as the evaluation once counted them, from every
    trainee of the programme (what it no longer reads)."""
    from chalicelib.db.models import ArtifactModel, TraineeModel
    from chalicelib.domain.deadlines import days

    featured = {m.trainee_id for m in ArtifactModel.scan() if m.featured and m.programme_id == pid}
    shared = {m.trainee_id for m in SharingReportModel.scan() if m.programme_id == pid}
    out: dict[str, dict] = {}
    for t in TraineeModel.by_programme.query(pid):
        y = out.setdefault(
            t.region_id, dict.fromkeys(("n", "reg", "in", "days", "refl", "out", "feat", "sh"), 0)
        )
        y["n"] += 1
        y["reg"] += t.registered_at is not None
        y["in"] += len(t.checkins or ())
        y["days"] += len(
            days(datetime.fromisoformat(t.start_date).date(), datetime.fromisoformat(t.end_date).date())
        )
        y["refl"] += t.reflection_count
        y["out"] += t.outcome_count > 0
        y["feat"] += t.trainee_id in featured
        y["sh"] += t.trainee_id in shared
    return {
        region_id: {
            "trainees": y["n"],
            "registration_rate": round(y["reg"] / y["n"], 4),
            "checkin_rate": round(y["in"] / y["days"], 4),
            "reflections_per_trainee": round(y["refl"] / y["n"], 4),
            "outcome_rate": round(y["out"] / y["n"], 4),
            "featured": y["feat"],
            "sharing_reports": y["sh"],
        }
        for region_id, y in out.items()
    }


def test_the_evaluation_counts_from_the_batches_what_the_trainees_hold(api: Api, w: dict) -> None:
    # Given a year of writes through the routes: 报到 and 签到 in session, reflections, outcomes
    # (a second one, one deleted, one deleted and restored), a featured reflection, a report
    from tests.integration.conftest import START

    clock.set_now(START)  # when the roster was confirmed: the trainees' first login
    api.ready_token(T1, "Trainee-Secret-1"), api.ready_token(T2, "Trainee-Secret-2")
    for token in (
        api.login(T1, "Trainee-Secret-1").data["token"],
        api.login(T2, "Trainee-Secret-2").data["token"],
    ):
        r = api.call("POST", f"/batches/{w['batch']}/registration", token)
        assert r.status_code == 200, r.data
    clock.set_now(datetime(2026, 9, 8, 2, 0, tzinfo=UTC))  # in session
    t1, t2 = api.login(T1, "Trainee-Secret-1").data["token"], api.login(T2, "Trainee-Secret-2").data["token"]
    assert api.call("POST", f"/batches/{w['batch']}/checkins", t1).status_code == 200

    def write(token: str, kind: str) -> dict:
        body = {"batch_id": w["batch"], "kind": kind, "title": "研修", "body": "<p>听课</p>"}
        r = api.call("POST", "/artifacts", token, body)
        assert r.status_code == 201, r.data
        return dict(r.data)

    reflection = write(t1, "reflection")
    write(t1, "reflection")
    gone = write(t2, "reflection")
    clock.set_now(datetime(2026, 9, 9, 2, 0, tzinfo=UTC))  # a second day: not a first check-in
    t1 = api.login(T1, "Trainee-Secret-1").data["token"]
    assert api.call("POST", f"/batches/{w['batch']}/checkins", t1).status_code == 200
    clock.set_now(datetime(2026, 9, 20, 2, 0, tzinfo=UTC))  # the outcome window, after the batch
    t1, t2 = api.login(T1, "Trainee-Secret-1").data["token"], api.login(T2, "Trainee-Secret-2").data["token"]
    first, second = write(t1, "outcome"), write(t1, "outcome")
    only = write(t2, "outcome")
    assert api.call("DELETE", f"/artifacts/{first['artifact_id']}", t1).status_code == 204
    assert api.call("DELETE", f"/artifacts/{only['artifact_id']}", t2).status_code == 204
    assert api.call("DELETE", f"/artifacts/{gone['artifact_id']}", t2).status_code == 204  # 李明's last
    admin = api.login("13800000000", STRONG).data["token"]
    body = {"version": reflection["version"]}
    assert api.call("PUT", f"/artifacts/{reflection['artifact_id']}/featured", admin, body).status_code == 200
    clock.set_now(AFTER)
    admin, contact = api.login("13800000000", STRONG).data["token"], api.login(A, STRONG).data["token"]
    report = {"date": "2026-10-01", "audience": 50}
    assert api.call("PUT", f"/trainees/{w['t2']}/sharing-report", contact, report).status_code in (200, 201)
    # When the office reads the evaluation
    rows = {
        r["region_id"]: r for r in api.call("GET", f"/programmes/{w['pid']}/evaluation", admin).data["items"]
    }
    # Then region A's figures are those its trainees hold, one by one
    expected = _as_counted_from_trainees(w["pid"])
    assert {k: rows[w["ra"]][k] for k in expected[w["ra"]]} == expected[w["ra"]]
    assert expected[w["ra"]]["outcome_rate"] == 0.5 and expected[w["ra"]]["featured"] == 1
    assert second["artifact_id"]  # 张团长 kept one outcome of two
    # And the funnel's per-person steps and the archive's uploaders, from the same batch
    # counters, are the trainees' own: 张团长 checked in twice and wrote; 李明 wrote nothing left
    from chalicelib.db.models import TraineeModel

    people = list(TraineeModel.by_programme.query(w["pid"]))
    funnel = api.call("GET", f"/programmes/{w['pid']}/funnel", admin).data["steps"]
    counted = {s["step"]: s["count"] for s in funnel}
    assert (
        {k: counted[k] for k in ("checked_in", "reflections", "outcomes")}
        == {
            "checked_in": sum(1 for t in people if t.checkins),
            "reflections": sum(1 for t in people if t.reflection_count),
            "outcomes": sum(1 for t in people if t.outcome_count),
        }
        == {"checked_in": 1, "reflections": 1, "outcomes": 1}
    )
    [row] = api.call("GET", f"/programmes/{w['pid']}/archive", admin).data["items"]
    assert row["uploaders"] == sum(1 for t in people if t.artifact_count) == 1
    assert row["upload_rate"] == 0.5


def test_the_evaluation_funnel_and_archive_read_no_trainee(api: Api, w: dict) -> None:
    from contextlib import contextmanager
    from unittest import mock

    from botocore.client import BaseClient

    from chalicelib.db.models import TraineeModel

    @contextmanager
    def dynamodb_calls():
        calls: list[tuple[str, str]] = []
        real = BaseClient._make_api_call

        def counted(client, operation, params):
            if client.meta.service_model.service_name == "dynamodb":
                tables = params.get("TableName") or ",".join(params.get("RequestItems") or ())
                calls.append((operation, tables))
            return real(client, operation, params)

        with mock.patch.object(BaseClient, "_make_api_call", counted):
            yield calls

    paths = [f"/programmes/{w['pid']}/{what}" for what in ("evaluation", "funnel", "archive")]
    for path in paths:
        api.call("GET", path, w["admin"])  # warm
    with dynamodb_calls() as few:
        for path in paths:
            assert api.call("GET", path, w["admin"]).status_code == 200
    # Given 3,000 more trainees of the programme: far past DynamoDB's 1 MB page
    template = TraineeModel.get(w["t2"]).serialize()
    with TraineeModel.batch_write() as batch:
        for n in range(3000):
            more = TraineeModel.from_raw_data(template)
            more.trainee_id = f"more{n:05d}"
            more.end_key = f"{more.end_date}#{more.trainee_id}"
            more.unit = "南沙区第一实验小学（集团）本部校区" * 4
            batch.save(more)
    # When the evaluation is read again, then the same calls, none on the trainees
    with dynamodb_calls() as many:
        for path in paths:
            assert api.call("GET", path, w["admin"]).status_code == 200
    assert many == few
    assert not [c for c in many if "trainees" in c[1]]
