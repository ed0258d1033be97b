"""账号管理: the office finds any account, a region contact its trainees'; credentials are
reissued by SMS, and the office disables or enables an account (API.md "Account recovery")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.accounts import mask_phone
from chalicelib.domain.records import Account, Page, Session
from chalicelib.domain.vocab import Role
from chalicelib.lazy import lazy_import
from chalicelib.schemas.auth import AccountActionOut, AccountOut
from chalicelib.schemas.common import shanghai

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import accounts
else:
    accounts = lazy_import("chalicelib.services.accounts")

bp = Blueprint(__name__)
MANAGERS = ADMIN | frozenset({"region_contact"})


def account_out(session: Session, a: Account) -> AccountOut:
    return AccountOut(
        account_id=a.account_id,
        role=a.role,
        name=a.name,
        phone=a.phone if session.role == Role.admin else mask_phone(a.phone),
        region_ids=sorted(a.region_ids),
        home_region=a.home_region,
        disabled=a.disabled,
        created_at=shanghai(a.created_at),
    )


@route(
    bp,
    "/accounts",
    roles=MANAGERS,
    response=AccountOut,
    paged=True,
    query=("role", "region_id", "q"),
    summary="账号管理：按姓名（开头的字）或完整手机号查找（实验区联系人只见本区研修人员）",
)
def find_accounts(call: Call) -> Page[AccountOut]:
    q = call.query
    page = accounts.find(call.me, q.get("role"), q.get("region_id"), q.get("q"), *call.page())
    return Page([account_out(call.me, a) for a in page.items], page.next_cursor)


@route(
    bp,
    "/accounts/{account_id}/credentials",
    "POST",
    roles=MANAGERS,
    response=AccountActionOut,
    summary="重发初始密码（短信；旧密码与所有会话失效；记录在案）",
)
def reissue(call: Call, account_id: str) -> AccountActionOut:
    a = accounts.reissue(call.me, account_id)
    return AccountActionOut(account_id=a.account_id, disabled=a.disabled, credentials_sent=True)


@route(
    bp,
    "/accounts/{account_id}/disable",
    "POST",
    roles=ADMIN,
    response=AccountActionOut,
    summary="停用账号（不能登录，所有会话失效；记录在案）",
)
def disable(call: Call, account_id: str) -> AccountActionOut:
    a = accounts.set_disabled(call.me, account_id, True)
    return AccountActionOut(account_id=a.account_id, disabled=a.disabled)


@route(
    bp,
    "/accounts/{account_id}/enable",
    "POST",
    roles=ADMIN,
    response=AccountActionOut,
    summary="启用账号（记录在案）",
)
def enable(call: Call, account_id: str) -> AccountActionOut:
    a = accounts.set_disabled(call.me, account_id, False)
    return AccountActionOut(account_id=a.account_id, disabled=a.disabled)
