"""The national ID number (GB 11643-1999, 18 characters): its shape, province, birth date,
check digit and the age it gives on the programme's start; normalised as typed on a phone,
and masked as shown (the area and the last four)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from chalicelib.domain.errors import Problem, problem

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
