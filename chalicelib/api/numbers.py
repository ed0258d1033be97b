"""The office's numbers: the quota ledger, supply against demand, the funnel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.records import Page
from chalicelib.lazy import lazy_import
from chalicelib.schemas.numbers import FunnelOut, FunnelStepOut, LedgerRowOut, SupplyRowOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import numbers
else:
    numbers = lazy_import("chalicelib.services.numbers")

bp = Blueprint(__name__)
OFFICE_AND_REGION = ADMIN | {"region_contact"}


@route(
    bp,
    "/programmes/{programme_id}/ledger",
    roles=OFFICE_AND_REGION,
    response=LedgerRowOut,
    paged=True,
    query=("region_id",),
    summary="名额台账：各实验区的基础名额、奖励名额、申请、已分配、已填报、剩余（实验区联系人只见本区）",
)
def ledger(call: Call, programme_id: str) -> Page[LedgerRowOut]:
    region_id = numbers.scope(call.me, call.query.get("region_id"))
    return call.page_of([LedgerRowOut.model_validate(r) for r in numbers.ledger(programme_id, region_id)])


@route(
    bp,
    "/programmes/{programme_id}/supply",
    roles=ADMIN,
    response=SupplyRowOut,
    paged=True,
    summary="供需：各学段的批次、名额、申请与已分配",
)
def supply(call: Call, programme_id: str) -> Page[SupplyRowOut]:
    return call.page_of([SupplyRowOut.model_validate(r) for r in numbers.supply(programme_id)])


@route(
    bp,
    "/programmes/{programme_id}/funnel",
    roles=OFFICE_AND_REGION,
    response=FunnelOut,
    query=("region_id",),
    summary="项目漏斗：已分配 → 已填报 → 已确认 → 已报到 → 已签到 → 心得 → 成果 → 分享报告",
)
def funnel(call: Call, programme_id: str) -> FunnelOut:
    region_id = numbers.scope(call.me, call.query.get("region_id"))
    steps = [FunnelStepOut.model_validate(s) for s in numbers.funnel(programme_id, region_id)]
    return FunnelOut(programme_id=programme_id, region_id=region_id, steps=steps)
