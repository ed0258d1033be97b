"""Accounts: login, password change, /me."""

from __future__ import annotations

from pydantic import Field

from chalicelib.schemas.common import Input, Output, Password, Phone


class LoginIn(Input):
    phone: Phone
    password: Password


class LoginOut(Output):
    token: str
    role: str
    must_change_password: bool
    account_id: str
    expires_at: str


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
