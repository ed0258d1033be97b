"""Field types shared by every schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.adapters.clock import SHANGHAI

Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 32 for c in value):
        raise PydanticCustomError("rule", "不能包含控制字符")
    return value


Text = Annotated[Name, AfterValidator(_no_control_chars)]


class Input(BaseModel):
    """A request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Contact(Input):
    name: Text
    phone: Phone
    email: EmailStr | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    error: ErrorBody


def shanghai(moment):  # type: ignore[no-untyped-def]
    """Instants are shown in Asia/Shanghai (+08:00), as the users read them."""
    return moment.astimezone(SHANGHAI).isoformat() if moment is not None else None
