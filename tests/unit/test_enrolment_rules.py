"""国培 enrolment rules in plain Python: the ID number (GB 11643), each cell of the seed's
form, the header row in any order or language, and a file's rows checked together."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.api.errors import field_words
from chalicelib.domain import enrolment as rules
from chalicelib.domain import enrolment_sheet, id_numbers
from chalicelib.domain.errors import ValidationFailedError, problem
from tests.guopei_people import grid, id_number, person

pytestmark = pytest.mark.unit
START = date(2026, 11, 2)
AGE = problem("id_number_age", low=18, high=65)


def test_the_check_digit_is_gb_11643s() -> None:
    # Given the standard's own example (GB 11643-1999, Appendix A) and one ending in X
    assert id_numbers.check_digit("11010519491231002") == "X"
    assert id_numbers.check_digit("44052418800101001") == "4"
    # Then a valid number passes and one changed digit does not
    good = id_number("612726", 7)
    assert id_numbers.id_number_problem(good, START) is None
    bad = good[:5] + str((int(good[5]) + 1) % 10) + good[6:]
    assert id_numbers.id_number_problem(bad, START) == problem("id_number_check_digit")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("61272619900101123", "id_number_format"),
        ("6127261990010112345", "id_number_format"),
        ("6127**********123X", "id_number_masked"),
        ("99272619900101123X", "id_number_province"),
    ],
)
def test_a_malformed_id_number_says_what_is_wrong(value: str, code: str) -> None:
    assert id_numbers.id_number_problem(value, START) == problem(code)


def test_the_birth_date_must_be_real_and_the_age_18_to_65_at_the_start() -> None:
    feb30 = "61272619900230" + "123"
    assert id_numbers.id_number_problem(feb30 + id_numbers.check_digit(feb30), START) == problem(
        "id_number_birth_date"
    )
    # 18 on the first day: in; a day short of 18: out; 65 on the day: in; 66: out
    assert id_numbers.id_number_problem(id_number("612726", 1, date(2008, 11, 2)), START) is None
    assert id_numbers.id_number_problem(id_number("612726", 1, date(2008, 11, 3)), START) == AGE
    assert id_numbers.id_number_problem(id_number("612726", 1, date(1960, 11, 3)), START) is None
    assert id_numbers.id_number_problem(id_number("612726", 1, date(1960, 11, 2)), START) == AGE


def test_an_id_number_is_masked_to_its_area_and_last_four() -> None:
    assert id_numbers.mask_id_number("61272619900101123X") == "6127**********123X"


def test_a_person_typed_loosely_is_normalised() -> None:
    # Given full-width digits, a lower-case x, +86 and spaces, and the Chinese words
    cells = person("绥德县", 3)
    number = id_number("612726", 3)
    x_number = next(n for n in (id_number("612726", k) for k in range(100)) if n.endswith("X"))
    loose = {
        **cells,
        "id_number": x_number.lower().replace("6", "６"),
        "phone": "+86 137-0000 0003",
        "stage": " 初中 ",
        "subject": "英语",
        "role": "工作坊主持人",
        "unit": "绥德县\n第一中学",
    }
    found, problems = rules.check_person(loose, "绥德县", START)
    assert problems == {} and found is not None
    assert found.id_number == x_number and found.phone == "13700000003"
    assert (found.stage, found.subject, found.role, found.unit) == (
        "junior",
        "english",
        "workshop_host",
        "绥德县 第一中学",
    )
    # And the codes are taken too (the JSON body's)
    found, problems = rules.check_person(
        {**cells, "id_number": number, "stage": "primary", "subject": "math", "role": "school_admin"},
        "绥德县",
        START,
    )
    assert problems == {} and found is not None and found.role == "school_admin"


def test_each_cell_rule_names_its_column() -> None:
    cells = person(
        "绥德县",
        4,
        name="",
        phone="1234567890",
        qq="012345",
        email="not-an-email",
        stage="高中",
        subject="体育",
        county="米脂县",
        role="校长",
        title="",
    )
    found, problems = rules.check_person(cells, "绥德县", START)
    assert found is None
    assert problems == {
        "name": problem("required"),
        "title": problem("required"),
        "phone": problem("mobile_invalid"),
        "qq": problem("qq_invalid"),
        "email": problem("email_invalid"),
        "stage": problem("stage_invalid"),
        "subject": problem("subject_invalid"),
        "county": problem("county_not_own", county="绥德县"),
        "role": problem("enrolment_role_invalid"),
    }
    # And each reads in Chinese beside its field (the one error table's words)
    assert field_words(problems["county"]) == "须为本区县：绥德县"
    assert (
        field_words(problems["stage"]) == "学段须为小学或初中（学段学科请在小学、初中语数英六个学科中选填）"
    )


def test_an_id_number_stored_as_a_number_is_named_as_such() -> None:
    _, problems = rules.check_person(person("绥德县", 5), "绥德县", START, numeric_id=True)
    assert problems == {"id_number": problem("id_number_stored_as_number")}


def test_control_characters_and_overlong_cells_are_refused() -> None:
    _, problems = rules.check_person(person("绥德县", 6, name="a\u0007b", unit="校" * 101), "绥德县", START)
    assert problems == {"name": problem("control_characters"), "unit": problem("text_too_long", limit=100)}
    assert field_words(problems["unit"]) == "不能超过100个字"


def test_the_header_row_is_found_in_any_order_or_language() -> None:
    # Given the template's layout: title, admin row, headers on row 3
    layout = enrolment_sheet.find_layout(grid([person("绥德县", 1)]))
    assert layout is not None and layout.header_index == 2 and not layout.missing
    assert layout.columns[1] == "id_number" and layout.columns[13] == "role"
    # When the headers come shuffled, half-width brackets, no asterisks, or as field names
    shuffled = [
        [
            "QQ号",
            "姓名",
            "所在地区(县)",
            "身份证号码",
            "所属校区",
            "单位",
            "职称",
            "所在地区(市)",
            "手机号",
            "学段",
            "学科",
        ]
    ]
    layout = enrolment_sheet.find_layout(shuffled)
    assert layout is not None and not layout.missing
    assert layout.columns == {
        0: "qq",
        1: "name",
        2: "county",
        3: "id_number",
        4: "campus",
        5: "unit",
        6: "title",
        7: "city",
        8: "phone",
        9: "stage",
        10: "subject",
    }
    english = [
        ["name", "id_number", "city", "county", "unit", "title", "phone", "qq", "stage", "subject", "campus"]
    ]
    assert enrolment_sheet.find_layout(english).missing == ()  # type: ignore[union-attr]
    # Then a missing required column is named
    layout = enrolment_sheet.find_layout([["姓名", "身份证号", "单位", "职称"]])
    assert layout is not None and "phone" in layout.missing and "qq" in layout.missing
    assert enrolment_sheet.find_layout([["学号", "成绩"], ["1", "90"]]) is None


def test_rows_are_numbered_as_the_sheet_shows_them_and_blank_or_note_rows_skipped() -> None:
    people = [person("绥德县", n) for n in range(1, 4)]
    rows = grid(people)
    rows.insert(4, [""] * 14)  # a blank row between the first and second person
    rows.append(["", "", "榆林市", "绥德县"])  # the template's pre-filled county alone
    rows.append(["注：学段学科请在小学、初中语数英六个学科中选填"])
    layout = enrolment_sheet.find_layout(rows)
    assert layout is not None
    found = enrolment_sheet.data_rows(rows, layout)
    assert [r.number for r in found] == [4, 6, 7]


def test_a_file_repeating_an_id_number_or_a_phone_errs_on_the_second_copy() -> None:
    a, b = person("绥德县", 1), person("绥德县", 2)
    again = {**person("绥德县", 3), "id_number": a["id_number"]}
    shared_phone = {**person("绥德县", 4), "phone": b["phone"]}
    rows = grid([a, b, again, shared_phone])
    layout = enrolment_sheet.find_layout(rows)
    assert layout is not None
    checked = enrolment_sheet.check_rows(enrolment_sheet.data_rows(rows, layout), "绥德县", START)
    assert [n for n, _ in checked.people] == [4, 5]
    assert [(e.row, e.column, field_words(e.problem)) for e in checked.errors] == [
        (6, "身份证号", "与第4行的身份证号重复"),
        (7, "联系方式", "与第5行的联系方式重复"),
    ]


def test_a_programme_closes_its_lists_no_later_than_it_starts() -> None:
    deadline = datetime(2026, 10, 26, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
    rules.check_programme_dates(deadline, date(2026, 10, 26), date(2026, 12, 31))
    with pytest.raises(ValidationFailedError) as late:
        rules.check_programme_dates(deadline, date(2026, 10, 25), date(2026, 12, 31))
    assert late.value.fields == {"enrolment_deadline": problem("enrolment_after_start")}
    with pytest.raises(ValidationFailedError) as backwards:
        rules.check_programme_dates(deadline, date(2026, 11, 2), date(2026, 11, 1))
    assert backwards.value.fields == {"end_date": problem("end_before_start")}


def test_only_trainees_count_against_places() -> None:
    assert rules.counts_against_places("trainee")
    assert not rules.counts_against_places("workshop_host")
    assert not rules.counts_against_places("school_admin")
