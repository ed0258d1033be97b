"""Field types shared by every schema."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, overload

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.adapters.clock import SHANGHAI

# ASCII digits only: `\d` would also take "１" or "०", and a phone written so would dodge
# the one-phone rules.
Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9][0-9]{9}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Name
# A password is taken as typed: never stripped (a space is part of it).
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=128)]

# C0 controls, DEL, C1 controls, lone surrogates and the two noncharacters: no person types
# them, XML (every .xlsx and .docx export) refuses them, and a lone surrogate cannot even be
# encoded to store. Tab and line breaks are text only in the fields a model names multiline.
_NEVER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile("[\t\n\r]")


def check_plain_text(value: Any, multiline: bool) -> None:
    """Every string in a request body, nested lists and mappings included (the one place)."""
    if isinstance(value, str):
        if _NEVER.search(value) or (not multiline and _BREAKS.search(value)):
            raise PydanticCustomError(
                "control_characters" if multiline else "control_characters_or_breaks", ""
            )
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_plain_text(item, multiline)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_plain_text(key, False)
            check_plain_text(item, multiline)


def _email(value: str) -> str:
    # email-validator loads on first use, not at cold start (~15 ms of regex compiling).
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise PydanticCustomError("email_invalid", "email_invalid") from exc


Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]


class Input(BaseModel):
    """A request body: unknown fields are an error, not silently dropped. defer_build: the
    validator is built on first use, not at cold start (dozens of models).

    Every string field is plain text (check_plain_text): no control characters, and no tab
    or line break outside the fields named in `multiline`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)
    multiline: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        check_plain_text(value, info.field_name in cls.multiline)
        return value


class Output(BaseModel):
    """An answer's shape. from_attributes: it reads a record's attributes itself, so a view
    passes the record (`AnnouncementOut.model_validate(a)`) rather than copying its fields."""

    model_config = ConfigDict(from_attributes=True, defer_build=True)


def _instant(value: Any) -> Any:
    return shanghai(value) if isinstance(value, datetime) else value


# A stored instant (an aware datetime) in an answer: ISO 8601 in Asia/Shanghai, as users read it.
Instant = Annotated[str, BeforeValidator(_instant)]


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


@overload
def shanghai(moment: datetime) -> str: ...
@overload
def shanghai(moment: None) -> None: ...
@overload
def shanghai(moment: datetime | None) -> str | None: ...
def shanghai(moment: datetime | None) -> str | None:
    """Instants are shown in Asia/Shanghai (+08:00), as the users read them."""
    return moment.astimezone(SHANGHAI).isoformat() if moment is not None else None
