"""国培 enrolment rules (seed 003's 学员信息表), in plain Python: the form's columns and how a
file's headers map to them, each cell's rule, and who counts against a county's places. The
ID number's own rules are domain/id_numbers.py; a spreadsheet's rows, domain/enrolment_sheet.py.

A person is checked the same way whether typed into the page (POST /programmes/{id}/enrolments)
or read from a row of a spreadsheet: `check_person` takes the cells as text and answers the
normalised person or, per column, what is wrong, in the words the county admin reads.

- 身份证号: 18 characters, 17 digits and a check digit (0-9 or X) by GB 11643's ISO 7064
  MOD 11-2; a real province code and birth date; an age of 18 to 65 on the programme's
  `start_date`. Stored sealed (KMS envelope), found by a keyed digest, shown masked
  (6127**********123X) to everyone; the office alone may reveal one, on the record.
- 联系方式: a mainland mobile (11 digits from 13–19); spaces, hyphens and +86 are dropped.
- QQ号: 5–11 digits, no leading 0. 电子邮箱: optional, a valid address.
- 主要任教学段: 小学 | 初中; 主要任教学科: 语文 | 数学 | 英语 (the seed: "学段学科请在小学、初中
  语数英六个学科中选填"); the codes (primary, math, …) are taken as well.
- 所在地区（县）: the admin's own county.
- 角色 (an optional 14th column): 参训学员 (the default), 工作坊主持人, 校级管理员. Places
  count trainees only; hosts and school admins are extra ("遴选数量另文通知").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from chalicelib.domain.errors import Problem, problem
from chalicelib.domain.id_numbers import NUMBER_ID, id_number_problem, normalize_id_number
from chalicelib.domain.vocab import ROLE_NAMES_ZH, STAGE_NAMES_ZH, SUBJECT_NAMES_ZH, Role, Stage, Subject


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the seed's header, without its "*"
    required: bool


# The seed's 13 columns, in its order: the contract of the form (API.md "国培 programme").
COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True),
    Column("id_number", "身份证号", True),
    Column("city", "所在地区（市）", True),
    Column("county", "所在地区（县）", True),
    Column("unit", "单位", True),
    Column("title", "职称", True),
    Column("position", "职务", False),
    Column("phone", "联系方式", True),
    Column("qq", "QQ号", True),
    Column("email", "电子邮箱", False),
    Column("stage", "主要任教学段", True),
    Column("subject", "主要任教学科", True),
    Column("campus", "所属校区", True),
)
ROLE_COLUMN = Column("role", "角色", False)
ALL_COLUMNS = (*COLUMNS, ROLE_COLUMN)
HEADER_OF = {c.field: c.header for c in ALL_COLUMNS}
FIELDS = tuple(c.field for c in ALL_COLUMNS)

NOTE = "学段学科请在小学、初中语数英六个学科中选填"
# The template: title (row 1), the admin's name/phone/unit (row 2), headers (row 3), data from 4.
HEADER_ROW = 3
FIRST_DATA_ROW = 4
MAX_ROWS = 10_000  # data rows in one file: a county's list is hundreds; more is not a form
MAX_TEXT = 100
MAX_NAME = 50

TRAINEE = Role.trainee.value
ROLES = (Role.trainee.value, Role.workshop_host.value, Role.school_admin.value)
ROLE_WORDS_ZH = {
    Role.trainee.value: "参训学员",
    Role.workshop_host.value: "工作坊主持人",
    Role.school_admin.value: "校级管理员",
}
STAGES = (Stage.primary.value, Stage.junior.value)
STAGE_WORDS_ZH = {s: STAGE_NAMES_ZH[Stage(s)] for s in STAGES}
SUBJECT_WORDS_ZH = {s.value: zh for s, zh in SUBJECT_NAMES_ZH.items()}

_STAGE_WORDS = {"小学": Stage.primary.value, "初中": Stage.junior.value, **{s: s for s in STAGES}}
_SUBJECT_WORDS = {zh: s.value for s, zh in SUBJECT_NAMES_ZH.items()} | {s.value: s.value for s in Subject}
_ROLE_WORDS = {
    "参训学员": TRAINEE,
    "学员": TRAINEE,
    "参训教师": TRAINEE,
    "研修人员": TRAINEE,
    "工作坊主持人": Role.workshop_host.value,
    "坊主": Role.workshop_host.value,
    "主持人": Role.workshop_host.value,
    "校级管理员": Role.school_admin.value,
    **{r: r for r in ROLES},
}

# Header spellings: the seed's, without "*" and with either kind of brackets, short forms a
# person types, and the contract's field names (a file exported by another tool in English).
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name", "fullname"),
    "id_number": ("身份证号", "身份证号码", "身份证", "公民身份号码", "id_number", "idnumber", "idno", "id"),
    "city": ("所在地区(市)", "所在市", "地市", "市", "city"),
    "county": ("所在地区(县)", "所在县", "所在区县", "区县", "县", "county", "district"),
    "unit": ("单位", "工作单位", "学校", "unit", "school", "workunit"),
    "title": ("职称", "title", "professionaltitle"),
    "position": ("职务", "position", "post"),
    "phone": ("联系方式", "手机号", "手机号码", "手机", "联系电话", "电话", "phone", "mobile"),
    "qq": ("qq号", "qq", "qq号码"),
    "email": ("电子邮箱", "邮箱", "email", "e-mail", "mail"),
    "stage": ("主要任教学段", "任教学段", "学段", "stage"),
    "subject": ("主要任教学科", "任教学科", "学科", "subject"),
    "campus": ("所属校区", "校区", "campus"),
    "role": ("角色", "role", "身份"),
}


def _header_key(text: str) -> str:
    """A header as compared: full-width forms folded (（县） = (县)), case and spaces and the
    required mark (*) gone."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s*＊:：_]", "", folded)


_HEADERS = {_header_key(word): f for f, words in _HEADER_WORDS.items() for word in words}


def header_field(text: str) -> str | None:
    return _HEADERS.get(_header_key(text)) if text else None


# --- cells ------------------------------------------------------------------------------------


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _moment_text(value: datetime) -> str:
    return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person typed: a whole number without ".0" (a QQ
    number or a phone typed into a number cell), a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime):
        return _moment_text(value)
    return value.isoformat() if isinstance(value, date) else str(value)


_SPACES = re.compile(r"\s+")
# What no person types into a form (and XML, hence every .xlsx we write, cannot hold).
_NEVER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """A cell's text: trimmed, runs of spaces and line breaks (Alt+Enter in a cell) as one space."""
    return _SPACES.sub(" ", text).strip()


# --- the other cells --------------------------------------------------------------------------


def normalize_phone(raw: str) -> str:
    text = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", raw))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def phone_problem(value: str) -> Problem | None:
    return None if re.fullmatch(r"1[3-9][0-9]{9}", value) else problem("mobile_invalid")


def qq_problem(value: str) -> Problem | None:
    return None if re.fullmatch(r"[1-9][0-9]{4,10}", value) else problem("qq_invalid")


def email_problem(value: str) -> Problem | None:
    # email-validator loads on first use (its regexes cost ~15 ms to compile).
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return problem("email_invalid")
    return None


def _word(value: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).casefold()


def parse_stage(value: str) -> str | None:
    return _STAGE_WORDS.get(_word(value))


def parse_subject(value: str) -> str | None:
    return _SUBJECT_WORDS.get(_word(value))


def parse_role(value: str) -> str | None:
    return TRAINEE if not value.strip() else _ROLE_WORDS.get(_word(value))


def same_place(a: str, b: str) -> bool:
    return _word(a) == _word(b)


# --- a person ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One row of the form, normalised: what is stored (the ID number then sealed)."""

    name: str
    id_number: str
    city: str
    county: str
    unit: str
    title: str
    phone: str
    qq: str
    stage: str
    subject: str
    campus: str
    position: str | None = None
    email: str | None = None
    role: str = TRAINEE


@dataclass(frozen=True)
class _Against:
    """What a row is checked against: the admin's county, the programme's start date, and
    whether the file stored the ID number as a number (its last digits are then lost)."""

    county: str
    start: date
    numeric_id: bool = False


Rule = Callable[[str, _Against], tuple[Any, Problem | None]]


def _id_number(text: str, at: _Against) -> tuple[Any, Problem | None]:
    value = normalize_id_number(text)
    return value, problem(NUMBER_ID) if at.numeric_id else id_number_problem(value, at.start)


def _phone(text: str, at: _Against) -> tuple[Any, Problem | None]:
    value = normalize_phone(text)
    return value, phone_problem(value)


def _qq(text: str, at: _Against) -> tuple[Any, Problem | None]:
    value = re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
    return value, qq_problem(value)


def _email(text: str, at: _Against) -> tuple[Any, Problem | None]:
    return (text, email_problem(text)) if text else (None, None)


def _chosen(parse: Callable[[str], str | None], code: str) -> Rule:
    """A cell that must be one of a list's words (学段, 学科, 角色)."""

    def rule(text: str, at: _Against) -> tuple[Any, Problem | None]:
        value = parse(text)
        return value, None if value is not None else problem(code)

    return rule


def _county(text: str, at: _Against) -> tuple[Any, Problem | None]:
    return text, None if same_place(text, at.county) else problem("county_not_own", county=at.county)


def _as_typed(text: str, at: _Against) -> tuple[Any, Problem | None]:
    return text or None, None


RULES: dict[str, Rule] = {
    "id_number": _id_number,
    "phone": _phone,
    "qq": _qq,
    "email": _email,
    "stage": _chosen(parse_stage, "stage_invalid"),
    "subject": _chosen(parse_subject, "subject_invalid"),
    "county": _county,
    "role": _chosen(parse_role, "enrolment_role_invalid"),
}


def _shape(column: Column, text: str) -> Problem | None:
    """Every cell: plain text, there when required, not too long."""
    limit = MAX_NAME if column.field == "name" else MAX_TEXT
    if _NEVER.search(text):
        return problem("control_characters")
    if column.required and not text:
        return problem("required")
    return problem("text_too_long", limit=limit) if len(text) > limit else None


def check_person(
    cells: Mapping[str, str | None], county: str, start: date, *, numeric_id: bool = False
) -> tuple[Person | None, dict[str, Problem]]:
    """The person, or for each field what is wrong with it. `county` is the admin's county;
    `numeric_id`: the file stored the ID number as a number (its last digits are lost)."""
    against = _Against(county, start, numeric_id)
    out: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for column in ALL_COLUMNS:
        text = clean(cells.get(column.field) or "")
        found = _shape(column, text)
        value: Any = text
        if found is None:
            value, found = RULES.get(column.field, _as_typed)(text, against)
        out[column.field] = value
        if found is not None:
            problems[column.field] = found
    if problems:
        return None, problems
    return Person(**out), {}


def person_cells(p: Person) -> dict[str, str]:
    """A person as the form's cells (the Chinese words of 学段, 学科 and 角色)."""
    return {
        **{f: getattr(p, f) or "" for f in FIELDS},
        "stage": STAGE_NAMES_ZH[Stage(p.stage)],
        "subject": SUBJECT_NAMES_ZH[Subject(p.subject)],
        "role": ROLE_WORDS_ZH[p.role],
    }


def counts_against_places(role: str) -> bool:
    """Places count trainees; workshop hosts and school admins are extra."""
    return role == TRAINEE


def stage_subject_key(stage: str, subject: str) -> str:
    return f"{stage}/{subject}"


STAGE_SUBJECT_KEYS = tuple(stage_subject_key(s, j.value) for s in STAGES for j in Subject)


def role_name_zh(role: str) -> str:
    return ROLE_NAMES_ZH.get(Role(role), role) if role in set(Role) else role


def check_programme_dates(enrolment_deadline: datetime, start_date: date, end_date: date) -> None:
    """A 国培 programme's order: the county lists close (in Shanghai's day) no later than
    the training starts, and it starts no later than it ends (422 otherwise)."""
    from chalicelib.domain.deadlines import local_day
    from chalicelib.domain.errors import ValidationFailedError

    if local_day(enrolment_deadline) > start_date:
        raise ValidationFailedError(fields={"enrolment_deadline": problem("enrolment_after_start")})
    if start_date > end_date:
        raise ValidationFailedError(fields={"end_date": problem("end_before_start")})


# --- what the service says by SMS -------------------------------------------------------------


def selected_note(programme: str, county: str, role: str) -> str:
    """The line a new account's credentials SMS ends with: what the person was chosen for."""
    return f"您已入选{programme}（{county}，{ROLE_WORDS_ZH.get(role, role)}），请登录查看。"


def selected_sms(name: str, programme: str, county: str, role: str, site: str) -> str:
    """For a person whose phone already has an account: the same news, the same login."""
    return (
        f"【研修平台】{name}您好，您已入选{programme}（{county}，{ROLE_WORDS_ZH.get(role, role)}）。"
        f"请使用原账号登录 {site} 查看。"
    )


def enrolment_reminder(county: str, programme: str, deadline: str, listed: int, site: str) -> str:
    return (
        f"【研修平台】{county}：{programme}的学员信息表将于{deadline}截止报送，贵区县尚未确认报送"
        f"（已填报{listed}人）。请登录 {site} 在“学员信息表”中完成确认报送。"
    )
