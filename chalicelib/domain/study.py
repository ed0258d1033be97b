"""国培 study paths (研修路径), in plain Python: courses by theme and level, a trainee's
自我评估 (self-assessment) and the level it suggests, their 分层选择 (level), and the hours of
the courses they completed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.errors import ValidationFailedError, problem

LEVELS = ("basic", "advanced")
LEVEL_NAMES_ZH = {"basic": "基础", "advanced": "提高"}
ADVANCED_FROM = 4.0  # a mean self-assessment of 4 or more suggests 提高
MAX_HOURS = 100


@dataclass(frozen=True)
class Course:
    course_id: str
    programme_id: str
    theme: str
    level: str
    title: str
    url: str
    hours: float
    created_at: datetime


@dataclass(frozen=True)
class StudyProfile:
    programme_id: str
    enrolment_id: str
    level: str | None = None
    assessment: dict[str, int] = field(default_factory=dict)
    hours: float = 0
    completed: int = 0


def check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValidationFailedError(fields={"level": problem("value_invalid")})


def suggested_level(answers: dict[str, int]) -> str:
    """提高 for a mean of 4 or more over the answers (1–5), else 基础."""
    if not answers:
        return "basic"
    return "advanced" if sum(answers.values()) / len(answers) >= ADVANCED_FROM else "basic"
