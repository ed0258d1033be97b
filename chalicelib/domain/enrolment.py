"""国培 enrolment rules (seed 003's 学员信息表), in plain Python: the form's columns and how a
file's headers map to them, each cell's rule, the national ID number (GB 11643), masking, and
who counts against a county's places.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from chalicelib.domain.errors import Problem, problem
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


# --- the ID number (GB 11643-1999) -----------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Provinces, autonomous regions and municipalities (GB/T 2260's first two digits), and the
# residence permits of Hong Kong, Macao and Taiwan residents.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
MIN_AGE, MAX_AGE = 18, 65


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str) -> str:
    """Full-width digits and a lower-case x as typed on a phone's keyboard, spaces dropped."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", raw)).upper()


def birth_date(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def id_number_problem(value: str, start: date | None) -> Problem | None:
    """What is wrong with a normalised ID number (None: nothing), the first thing found. The
    age is checked against `start` (the programme's start date) when given."""
    shaped = bool(re.fullmatch(r"[0-9]{17}[0-9X]", value))
    born = birth_date(value) if shaped else None
    real = born is not None and born >= date(1900, 1, 1) and (start is None or born <= start)
    checks = (
        ("id_number_masked", "*" in value),
        ("id_number_format", not shaped),
        ("id_number_province", shaped and int(value[:2]) not in PROVINCES),
        ("id_number_birth_date", not real),
        ("id_number_check_digit", shaped and check_digit(value[:17]) != value[17]),
        (
            "id_number_age",
            start is not None and born is not None and not MIN_AGE <= age_on(born, start) <= MAX_AGE,
        ),
    )
    code = next((c for c, broken in checks if broken), None)
    if code == "id_number_age":
        return problem(code, low=MIN_AGE, high=MAX_AGE)
    return problem(code) if code else None


NUMBER_ID = "id_number_stored_as_number"  # Excel turned it into 6.12726E+17: its last digits are gone


def mask_id_number(value: str) -> str:
    """6127**********123X: the area and the last four, as a person recognises their own."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


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


# --- a file's rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """A data row of a file: its number as the spreadsheet shows it, the cells by field, and
    the row's cells as read (for the error workbook)."""

    number: int
    cells: dict[str, str]
    raw: tuple[str, ...]
    numeric_id: bool = False


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the Chinese header
    problem: Problem


@dataclass
class Layout:
    """Where the headers are and which column holds which field."""

    header_index: int  # 0-based
    columns: dict[int, str]  # column index -> field
    headers: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # required fields without a column
    repeated: tuple[str, ...] = ()  # fields with two columns


HEADER_SCAN_ROWS = 20
MIN_HEADERS = 3  # a row naming fewer known columns is not the header row


def find_layout(
    grid: Sequence[Sequence[Any]], required: Iterable[str] | None = None, min_headers: int = MIN_HEADERS
) -> Layout | None:
    """The header row: among the first rows, the first that names the most known columns
    (in any order, in Chinese or as the contract's field names). None: no such row."""
    best: Layout | None = None
    for index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        columns: dict[int, str] = {}
        seen: dict[str, int] = {}
        repeated: list[str] = []
        for col, value in enumerate(row):
            found = header_field(cell_text(value)) if isinstance(value, str) else None
            if found is None:
                continue
            if found in seen:
                repeated.append(found)
                continue
            seen[found] = col
            columns[col] = found
        if len(columns) >= min_headers and (best is None or len(columns) > len(best.columns)):
            headers = tuple(cell_text(v) for v in row)
            best = Layout(index, columns, headers, repeated=tuple(dict.fromkeys(repeated)))
    if best is None:
        return None
    wanted = tuple(required) if required is not None else tuple(c.field for c in COLUMNS if c.required)
    best.missing = tuple(f for f in wanted if f not in best.columns.values())
    return best


PREFILLED = frozenset({"city", "county"})  # the template fills these in; alone they are no row


def data_rows(grid: Sequence[Sequence[Any]], layout: Layout, first_row_number: int = 1) -> list[SheetRow]:
    """The rows under the headers that hold a person: blank rows, rows holding only what the
    template filled in (the county), and the seed's closing note (注：…) are skipped."""
    out = []
    id_col = next((c for c, f in layout.columns.items() if f == "id_number"), None)
    for index in range(layout.header_index + 1, len(grid)):
        row = grid[index]
        raw = tuple(clean(cell_text(v)) for v in row)
        cells = {f: raw[c] if c < len(raw) else "" for c, f in layout.columns.items()}
        filled = {f for f, v in cells.items() if v}
        if not filled or filled <= PREFILLED:
            continue
        texts = [v for v in raw if v]
        if len(texts) == 1 and re.match(r"^(注|备注|说明)[:：]", texts[0]):
            continue
        value = row[id_col] if id_col is not None and id_col < len(row) else None
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        out.append(SheetRow(index + first_row_number, cells, raw, numeric))
    return out


@dataclass
class Checked:
    """A file's rows checked: the people to enrol (with their row numbers) and the errors."""

    rows: int = 0
    people: list[tuple[int, Person]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def errors_by_row(self) -> dict[int, list[RowError]]:
        found: dict[int, list[RowError]] = {}
        for e in self.errors:
            found.setdefault(e.row, []).append(e)
        return found


def check_rows(rows: Sequence[SheetRow], county: str, start: date) -> Checked:
    """Every row checked on its own, then against the file: the second copy of an ID number
    (or of a phone, which is a person's login) is an error naming the first."""
    checked = Checked(rows=len(rows))
    first_id: dict[str, int] = {}
    first_phone: dict[str, int] = {}
    for row in rows:
        person, problems = check_person(row.cells, county, start, numeric_id=row.numeric_id)
        if person is not None:
            if (seen := first_id.get(person.id_number)) is not None:
                problems["id_number"] = problem("id_number_repeated", row=seen)
            elif (seen := first_phone.get(person.phone)) is not None:
                problems["phone"] = problem("phone_repeated", row=seen)
            else:
                first_id[person.id_number] = row.number
                first_phone[person.phone] = row.number
                checked.people.append((row.number, person))
        for f in FIELDS:
            if f in problems:
                checked.errors.append(RowError(row.number, HEADER_OF[f], problems[f]))
    return checked


def sheet_title(programme_name: str) -> str:
    """The seed's title row: the programme's name and 学员信息表."""
    return programme_name if programme_name.endswith("学员信息表") else f"{programme_name}学员信息表"


def admin_line(name: str, phone: str, unit: str | None) -> tuple[str, str, str]:
    """The seed's second row: 管理员姓名：… 电话：… 单位：…"""
    return f"管理员姓名：{name}", f"电话：{phone}", f"单位：{unit or ''}"


def check_programme_dates(enrolment_deadline: datetime, start_date: date, end_date: date) -> None:
    """A 国培 programme's order: the county lists close (in Shanghai's day) no later than
    the training starts, and it starts no later than it ends (422 otherwise)."""
    from chalicelib.domain.deadlines import local_day
    from chalicelib.domain.errors import ValidationFailedError

    if local_day(enrolment_deadline) > start_date:
        raise ValidationFailedError(fields={"enrolment_deadline": problem("enrolment_after_start")})
    if start_date > end_date:
        raise ValidationFailedError(fields={"end_date": problem("end_before_start")})


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """A person on a county's list: the form's cells, the ID number sealed (`id_sealed`),
    masked (`id_masked`) and as its keyed digest (`id_digest`, the blind index)."""

    enrolment_id: str
    programme_id: str
    region_id: str
    name: str
    id_sealed: str
    id_masked: str
    id_digest: str
    city: str
    county: str
    unit: str
    title: str
    phone: str
    qq: str
    stage: str
    subject: str
    campus: str
    role: str
    created_at: datetime
    created_key: str
    position: str | None = None
    email: str | None = None
    account_id: str | None = None
    import_id: str | None = None
    row: int | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class County:
    """A county's tally in a programme (its quota item): places, trainees held (reserved
    or enrolled), people listed, and whether its admin confirmed the list."""

    programme_id: str
    region_id: str
    places: int
    trainees: int = 0
    listed: int = 0
    listed_trainees: int = 0
    confirmed_at: datetime | None = None
    reserved_until: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class EnrolmentImport:
    """A file previewed for a county: whose, which checked file, what the preview found."""

    import_id: str
    programme_id: str
    region_id: str
    account_id: str
    upload_id: str
    s3_key: str
    file_sha256: str
    rows: int
    valid: int
    new: int
    error_count: int
    created_at: datetime
    committed_at: datetime | None = None
    committed: int | None = None


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
