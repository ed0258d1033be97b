"""The 训后调查 (post-training survey), in plain Python: its questions, an answer checked
against them, the window (after the programme's end_date), and the tally of the answers per
question (option counts, the scale's counts and mean, the texts)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.errors import ConflictError, ValidationFailedError, problem

TYPES = ("single", "multiple", "scale", "text")
SCALE = (1, 2, 3, 4, 5)
TEXT_MAX = 500


@dataclass(frozen=True)
class Question:
    text: str
    type: str
    options: tuple[str, ...] = ()


def check_questions(questions: list[Question]) -> None:
    """Choices have two or more distinct options; scale and text questions none."""
    fields = {}
    for n, q in enumerate(questions):
        if q.type in ("single", "multiple"):
            if len(q.options) < 2 or len(set(q.options)) != len(q.options):
                fields[f"questions.{n}.options"] = problem("survey_options")
        elif q.options:
            fields[f"questions.{n}.options"] = problem("survey_no_options")
    if fields:
        raise ValidationFailedError(fields=fields)


def check_open(today: date, end: date) -> None:
    """Answered after the programme's end_date."""
    if today <= end:
        raise ConflictError("survey_not_open")


def check_answers(questions: list[Question], answers: list[Any]) -> list[Any]:
    """One answer per question, each of its type and within its options (422 naming them)."""
    if len(answers) != len(questions):
        raise ValidationFailedError(fields={"answers": problem("survey_answer_count", count=len(questions))})
    fields = {}
    clean: list[Any] = []
    for n, (q, a) in enumerate(zip(questions, answers, strict=True)):
        ok = False
        if q.type == "single":
            ok = isinstance(a, str) and a in q.options
        elif q.type == "multiple":
            ok = (
                isinstance(a, list)
                and len(a) > 0
                and all(isinstance(x, str) and x in q.options for x in a)
                and len(set(a)) == len(a)
            )
        elif q.type == "scale":
            ok = isinstance(a, int) and not isinstance(a, bool) and a in SCALE
        elif q.type == "text":
            ok = isinstance(a, str) and len(a.strip()) <= TEXT_MAX
            a = a.strip() if ok else a
        if not ok:
            fields[f"answers.{n}"] = problem("survey_answer_invalid")
        clean.append(a)
    if fields:
        raise ValidationFailedError(fields=fields)
    return clean


def tally(questions: list[Question], responses: list[list[Any]]) -> list[dict[str, Any]]:
    """Per question: the count of each option (or scale point), the mean of a scale, the texts."""
    out = []
    for n, q in enumerate(questions):
        given = [r[n] for r in responses if n < len(r)]
        item: dict[str, Any] = {"text": q.text, "type": q.type, "answered": len(given)}
        if q.type in ("single", "multiple"):
            counts: Counter[str] = Counter()
            for a in given:
                counts.update(a if isinstance(a, list) else [a])
            item["counts"] = {o: counts[o] for o in q.options}
        elif q.type == "scale":
            scale = Counter(int(a) for a in given)
            item["counts"] = {str(p): scale[p] for p in SCALE}
            item["mean"] = round(sum(int(a) for a in given) / len(given), 2) if given else None
        else:
            item["texts"] = [a for a in given if a]
        out.append(item)
    return out


def survey_reminder(name: str, programme: str, site: str) -> str:
    return (
        f"【研修平台】{name}您好，{programme}已结束，请登录 {site} 在“我的工作坊”的“训后调查”中"
        "完成调查（匿名，约3分钟）。已完成的请忽略。"
    )
