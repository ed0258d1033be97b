"""Field types shared by every schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from chalicelib.adapters.clock import SHANGHAI

Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 32 for c in value):
        raise PydanticCustomError("rule", "不能包含控制字符")
    return value


Text = Annotated[Name, AfterValidator(_no_control_chars)]


def _email(value: str) -> str:
    # email-validator loads on first use, not at cold start (~15 ms of regex compiling).
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise PydanticCustomError("rule", "邮箱格式不正确") from exc


Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]


class Input(BaseModel):
    """A request body: unknown fields are an error, not silently dropped. defer_build: the
    validator is built on first use, not at cold start (dozens of models)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True, defer_build=True)


class Contact(Input):
    name: Text
    phone: Phone
    email: Email | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    error: ErrorBody


def shanghai(moment):  # type: ignore[no-untyped-def]
    """Instants are shown in Asia/Shanghai (+08:00), as the users read them."""
    return moment.astimezone(SHANGHAI).isoformat() if moment is not None else None
