"""A draft programme's opening."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.admin import programme_out
from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.lazy import lazy_import
from chalicelib.schemas.setup import ProgrammeOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import opening
else:
    opening = lazy_import("chalicelib.services.opening")

bp = Blueprint(__name__)


@route(
    bp,
    "/programmes/{programme_id}/open",
    "POST",
    roles=ADMIN,
    response=ProgrammeOut,
    summary="开放项目（草稿）：短信和邮件通知各实验区联系人填报研修需求（每区一次）",
)
def open_programme(call: Call, programme_id: str) -> ProgrammeOut:
    return programme_out(opening.open_programme(programme_id))
