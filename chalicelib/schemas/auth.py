"""Accounts: login, password change, /me."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Input, Instant, Output, Password, Phone


class LoginIn(Input):
    phone: Phone
    password: Password


class LoginOut(Output):
    token: str
    role: str
    must_change_password: bool
    account_id: str
    expires_at: Instant


class PasswordIn(Input):
    old_password: Password
    new_password: Password


class MeOut(Output):
    account_id: str
    role: str
    name: str
    phone: str = Field(description="masked, e.g. 138****0000")
    region_id: str | None = None
    region_ids: list[str] = Field(default_factory=list)
    base_id: str | None = None
    must_change_password: bool


class ResetRequestIn(Input):
    phone: Phone


class ResetRequestOut(Output):
    accepted: bool = Field(description="always true: whether or not the phone has an account")


class ResetIn(Input):
    phone: Phone
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    new_password: Password


class AccountOut(Output):
    account_id: str
    role: str
    name: str
    phone: str = Field(description="whole for the office, masked for a region contact")
    region_ids: list[str]
    home_region: str | None
    disabled: bool
    created_at: Instant


class AccountActionOut(Output):
    account_id: str
    disabled: bool
    credentials_sent: bool = False
