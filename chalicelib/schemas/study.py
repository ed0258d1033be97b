"""国培 study paths (研修路径) and the 训后调查."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr, StringConstraints

from chalicelib.domain import study as rules
from chalicelib.schemas.artifacts import Title
from chalicelib.schemas.common import Input, Output

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Level = Literal["basic", "advanced"]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CourseIn(Input):
    theme: Title
    level: Level = Field(description="basic 基础 | advanced 提高")
    title: Title
    url: Url
    hours: float = Field(gt=0, le=rules.MAX_HOURS)


class CourseOut(Output):
    course_id: str
    programme_id: str
    theme: str
    level: str
    title: str
    url: str
    hours: float
    completed: bool = Field(description="the caller (a trainee) completed it")


class SelfAssessmentIn(Input):
    programme_id: Id
    answers: dict[Question, Annotated[int, Field(ge=1, le=5)]] = Field(min_length=1, max_length=20)


class LevelIn(Input):
    programme_id: Id
    level: Level


class StudyOut(Output):
    programme_id: str
    level: str | None
    assessment: dict[str, int]
    suggested_level: str | None = Field(default=None, description="from the self-assessment")
    hours: float
    completed: int
    completed_course_ids: list[str]


class MemberHoursOut(Output):
    enrolment_id: str
    name: str
    unit: str
    level: str | None
    hours: float
    completed: int


class QuestionIn(Input):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    type: Literal["single", "multiple", "scale", "text"]
    options: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = (
        Field(default_factory=list, max_length=20)
    )


class SurveyIn(Input):
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)


class QuestionOut(Output):
    text: str
    type: str
    options: list[str]


class SurveyOut(Output):
    questions: list[QuestionOut]
    answered: bool = Field(description="the caller (a trainee) has answered")


class ResponseIn(Input):
    multiline = frozenset({"answers"})
    answers: list[StrictStr | StrictInt | list[StrictStr]] = Field(
        max_length=50, description="one per question: an option, a list of options, 1–5, or text"
    )


class ResponseOut(Output):
    answered: bool


class QuestionResultOut(Output):
    text: str
    type: str
    answered: int
    counts: dict[str, int] | None = None
    mean: float | None = None
    texts: list[str] | None = None


class SurveyResultsOut(Output):
    region_id: str | None
    responses: int
    enrolled: int
    response_rate: float | None
    questions: list[QuestionResultOut]
