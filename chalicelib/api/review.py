"""The office's review of demands (审核): approve, or return with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.demands import demand_out
from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.lazy import lazy_import
from chalicelib.schemas.demand import DemandOut
from chalicelib.schemas.rosters import ReasonIn

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import review
else:
    review = lazy_import("chalicelib.services.review")

bp = Blueprint(__name__)


@route(
    bp,
    "/demands/{demand_id}/approve",
    "POST",
    roles=ADMIN,
    response=DemandOut,
    summary="审核通过研修需求（通过后参与分配；重复通过不改变任何数据）",
)
def approve(call: Call, demand_id: str) -> DemandOut:
    return demand_out(review.approve(call.me, demand_id))


@route(
    bp,
    "/demands/{demand_id}/return",
    "POST",
    roles=ADMIN,
    body=ReasonIn,
    response=DemandOut,
    summary="退回研修需求（名额即时退回，短信和邮件告知实验区联系人原因）",
)
def return_demand(call: Call[ReasonIn], demand_id: str) -> DemandOut:
    return demand_out(review.return_demand(call.me, demand_id, call.body.reason))
