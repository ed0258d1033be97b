"""The one error table (api/errors.py) against the code: every error code the code raises
and every field problem it names has its Chinese words there, so no client ever reads a bare
code or an English word."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from chalicelib.api.errors import FIELD_PROBLEMS, MESSAGES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
ERRORS = {
    "ConflictError",
    "NotFoundError",
    "ForbiddenError",
    "ValidationFailedError",
    "UnauthenticatedError",
    "PayloadTooLargeError",
    "MalformedRequestError",
}


def _calls() -> list[ast.Call]:
    out = []
    for path in ROOT.rglob("*.py"):
        out += [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)]
    return out


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _first_string(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def test_every_error_code_raised_has_its_words() -> None:
    raised = {code for c in _calls() if _name(c) in ERRORS and (code := _first_string(c))}
    assert raised, "the scan found the code's errors"
    assert sorted(raised - set(MESSAGES)) == []


def test_every_field_problem_named_has_its_words() -> None:
    named = {
        code
        for c in _calls()
        if _name(c) in ("problem", "PydanticCustomError") and (code := _first_string(c))
    }
    assert len(named) > 20
    assert sorted(named - set(FIELD_PROBLEMS)) == []


def test_no_chinese_sentence_is_a_field_problem_outside_the_table() -> None:
    # A field's problem is a code: its words live in api/errors.py only
    for path in ROOT.rglob("*.py"):
        if path.name == "errors.py" and path.parent.name == "api":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "fields" and isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    assert not (isinstance(value, ast.Constant | ast.JoinedStr)), f"{path}: a field's words"
