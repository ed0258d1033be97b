"""Accounts: login, password, logout, /me (API.md "Accounts")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ANY_ACCOUNT, PUBLIC, Call, route
from chalicelib.domain.accounts import mask_phone
from chalicelib.lazy import lazy_import
from chalicelib.schemas.auth import (
    LoginIn,
    LoginOut,
    MeOut,
    PasswordIn,
    ResetIn,
    ResetRequestIn,
    ResetRequestOut,
)
from chalicelib.schemas.common import shanghai

if TYPE_CHECKING:
    from chalicelib.services.auth import LoginResult

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import accounts, auth
else:
    auth = lazy_import("chalicelib.services.auth")
    accounts = lazy_import("chalicelib.services.accounts")

bp = Blueprint(__name__)


def _login_out(result: LoginResult) -> LoginOut:
    s = result.session
    return LoginOut(
        token=result.token,
        role=s.role,
        must_change_password=result.must_change_password,
        account_id=s.account_id,
        expires_at=shanghai(s.expires_at),
    )


@route(bp, "/auth/login", "POST", roles=PUBLIC, body=LoginIn, response=LoginOut, summary="登录")
def login(call: Call[LoginIn]) -> LoginOut:
    return _login_out(auth.login(call.body.phone, call.body.password))


@route(
    bp,
    "/auth/password",
    "POST",
    roles=ANY_ACCOUNT,
    body=PasswordIn,
    response=LoginOut,
    before_password_change=True,
    summary="修改密码（所有会话失效，返回新的令牌）",
)
def change_password(call: Call[PasswordIn]) -> LoginOut:
    return _login_out(auth.change_password(call.me, call.body.old_password, call.body.new_password))


@route(
    bp, "/auth/logout", "POST", roles=ANY_ACCOUNT, status=204, before_password_change=True, summary="退出登录"
)
def logout(call: Call) -> None:
    auth.logout(call.me)


@route(bp, "/me", roles=ANY_ACCOUNT, response=MeOut, before_password_change=True, summary="当前账号")
def me(call: Call) -> MeOut:
    account = auth.me(call.me)
    regions = sorted(account.region_ids)
    return MeOut(
        account_id=account.account_id,
        role=account.role,
        name=account.name,
        phone=mask_phone(account.phone),
        region_id=regions[0] if regions else None,
        region_ids=regions,
        base_id=min(account.base_ids) if account.base_ids else None,
        must_change_password=call.me.must_change_password,
    )


@route(
    bp,
    "/auth/reset/request",
    "POST",
    roles=PUBLIC,
    body=ResetRequestIn,
    response=ResetRequestOut,
    status=202,
    summary="忘记密码：向该手机号发送6位验证码（10分钟有效；有无账号回答相同）",
)
def request_reset(call: Call[ResetRequestIn]) -> ResetRequestOut:
    accounts.request_reset(call.body.phone)
    return ResetRequestOut(accepted=True)


@route(
    bp,
    "/auth/reset",
    "POST",
    roles=PUBLIC,
    body=ResetIn,
    response=LoginOut,
    summary="用验证码重置密码（错5次验证码作废；成功后其他会话失效，并返回新的令牌）",
)
def reset(call: Call[ResetIn]) -> LoginOut:
    return _login_out(accounts.reset(call.body.phone, call.body.code, call.body.new_password))
