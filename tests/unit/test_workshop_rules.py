"""The 国培 workshops' rules in plain Python (domain/workshops.py, study.py, survey.py and the
briefing reminder's window in reminders.py): no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import reminders, study, survey
from chalicelib.domain import workshops as rules
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationFailedError

pytestmark = pytest.mark.unit

A = "a" * 32
B = "b" * 32


def test_an_item_id_names_its_workshop_and_anything_else_is_not_found() -> None:
    assert rules.parts_of(rules.child_id(A, B), 2, "x") == [A, B]
    for junk in ("", A, f"{A}-", f"{A}-{B}-{A}", f"{A}-{'Z' * 32}", "../" + B):
        with pytest.raises(NotFoundError):
            rules.parts_of(junk, 2, "x")


def test_late_is_after_the_due_time() -> None:
    due = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)
    assert not rules.is_late(due, due)
    assert rules.is_late(datetime(2026, 11, 20, 16, 0, tzinfo=UTC), due)


def test_placement_adds_and_removes_to_the_wanted_list() -> None:
    change = rules.placement(["e1", "e2"], ["e2", "e3", "e3"])
    assert (change.add, change.remove) == (["e3"], ["e1"])


def candidate(eid: str, **kw: object) -> rules.Candidate:
    base = {"region_id": "r1", "role": "trainee", "stage": "primary", "subject": "math", "account_id": "acc"}
    return rules.Candidate(eid, **{**base, **kw})  # type: ignore[arg-type]


def test_members_are_confirmed_trainees_of_the_county_stage_and_subject() -> None:
    found = {
        "ok": candidate("ok"),
        "far": candidate("far", region_id="r2"),
        "host": candidate("host", role="workshop_host"),
        "junior": candidate("junior", stage="junior"),
        "new": candidate("new", account_id=None),
    }
    rules.check_members(["ok"], found, "r1", "primary", "math")
    with pytest.raises(ValidationFailedError) as caught:
        rules.check_members(list(found) + ["gone"], found, "r1", "primary", "math")
    assert {k: p.code for k, p in caught.value.fields.items()} == {
        "far": "member_not_in_county",
        "host": "member_not_trainee",
        "junior": "member_other_stage_subject",
        "new": "not_confirmed",
        "gone": "member_not_in_county",
    }


def test_a_host_is_a_confirmed_host_of_the_county() -> None:
    rules.check_host(candidate("h", role="workshop_host"), "p", "r1", "p")
    for host, programme, code in (
        (None, None, "host_not_found"),
        (candidate("h", role="workshop_host"), "other", "host_not_found"),
        (candidate("h", role="workshop_host", region_id="r2"), "p", "host_of_another_county"),
        (candidate("h"), "p", "not_a_host"),
        (candidate("h", role="workshop_host", account_id=None), "p", "not_confirmed"),
    ):
        with pytest.raises(ValidationFailedError) as caught:
            rules.check_host(host, "p", "r1", programme)
        assert caught.value.fields["host_enrolment_id"].code == code


def test_check_in_only_on_the_day_and_activities_in_the_term() -> None:
    rules.check_checkin_day(date(2026, 11, 12), date(2026, 11, 12))
    with pytest.raises(ConflictError):
        rules.check_checkin_day(date(2026, 11, 12), date(2026, 11, 11))
    with pytest.raises(ValidationFailedError):
        rules.check_in_term(date(2027, 2, 1), date(2026, 11, 2), date(2027, 1, 15), "date")


def test_backlog_turnaround_and_briefings_short() -> None:
    w = rules.Workshop(
        A, "p", "r", "坊", "primary", "math", "e", "acc", "主持人", datetime(2026, 11, 1, tzinfo=UTC)
    )
    assert (rules.backlog(w), rules.turnaround_hours(w), rules.briefings_short(w)) == (0, None, True)
    w = rules.Workshop(
        **{**w.__dict__, "submissions": 5, "graded": 2, "grading_seconds": 36_000, "briefings": 2}
    )
    assert (rules.backlog(w), rules.turnaround_hours(w), rules.briefings_short(w)) == (3, 5.0, False)


def test_the_briefing_reminder_runs_in_the_last_third_once_a_week() -> None:
    start, end = date(2026, 11, 2), date(2027, 1, 15)  # 74 days: the last third from 12-22
    assert reminders.briefing_week(date(2026, 12, 21), start, end) is None
    assert reminders.briefing_week(date(2026, 12, 22), start, end) == date(2026, 12, 21)  # its Monday
    assert reminders.briefing_week(date(2026, 12, 27), start, end) == date(2026, 12, 21)
    assert reminders.briefing_week(date(2027, 1, 15), start, end) == date(2027, 1, 11)
    assert reminders.briefing_week(date(2027, 1, 16), start, end) is None


def test_the_self_assessment_suggests_a_level() -> None:
    assert study.suggested_level({"a": 4, "b": 4}) == "advanced"
    assert study.suggested_level({"a": 4, "b": 3}) == "basic"
    assert study.suggested_level({}) == "basic"


QUESTIONS = [
    survey.Question("满意度", "scale"),
    survey.Question("环节", "single", ("课程", "研修")),
    survey.Question("加强", "multiple", ("课例", "理论")),
    survey.Question("建议", "text"),
]


def test_answers_are_checked_against_their_questions() -> None:
    assert survey.check_answers(QUESTIONS, [5, "课程", ["课例"], " 好 "]) == [5, "课程", ["课例"], "好"]
    for bad in (
        [6, "课程", ["课例"], ""],
        [True, "课程", ["课例"], ""],
        [5, "外出", ["课例"], ""],
        [5, "课程", ["课例", "课例"], ""],
        [5, "课程", [], ""],
        [5, "课程", ["课例"], "字" * 501],
    ):
        with pytest.raises(ValidationFailedError):
            survey.check_answers(QUESTIONS, bad)
    with pytest.raises(ValidationFailedError):
        survey.check_answers(QUESTIONS, [5])


def test_choices_need_two_distinct_options_and_the_survey_opens_after_the_end() -> None:
    with pytest.raises(ValidationFailedError):
        survey.check_questions([survey.Question("x", "single", ("a",))])
    with pytest.raises(ValidationFailedError):
        survey.check_questions([survey.Question("x", "scale", ("a", "b"))])
    with pytest.raises(ConflictError):
        survey.check_open(date(2027, 1, 15), date(2027, 1, 15))
    survey.check_open(date(2027, 1, 16), date(2027, 1, 15))


def test_the_tally_counts_options_scale_points_and_texts() -> None:
    got = survey.tally(QUESTIONS, [[5, "课程", ["课例", "理论"], "好"], [3, "研修", ["课例"], ""]])
    assert got[0]["counts"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1} and got[0]["mean"] == 4.0
    assert got[1]["counts"] == {"课程": 1, "研修": 1}
    assert got[2]["counts"] == {"课例": 2, "理论": 1}
    assert got[3]["texts"] == ["好"]
