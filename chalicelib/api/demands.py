"""Demand and allocation: the region contact's form and demands, the office's review,
allocation plan and manual changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.admin import batch_out
from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.records import Page
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.demand import (
    AllocationIn,
    AllocationOut,
    BatchRegionIn,
    DemandCreatedOut,
    DemandFormOut,
    DemandIn,
    DemandOut,
)
from chalicelib.schemas.setup import BatchOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import allocation, demand, waiting
    from chalicelib.services.demand import DemandProgress
else:
    demand = lazy_import("chalicelib.services.demand")
    allocation = lazy_import("chalicelib.services.allocation")
    waiting = lazy_import("chalicelib.services.waiting")

bp = Blueprint(__name__)
REGION = frozenset({"region_contact"})


@route(
    bp,
    "/programmes/{programme_id}/demand-form",
    roles=REGION,
    response=DemandFormOut,
    query=("region_id",),
    summary="研修需求填报页：剩余名额、截止时间、各学段名额情况",
)
def demand_form(call: Call, programme_id: str) -> DemandFormOut:
    form = demand.form(call.me, programme_id, call.query.get("region_id"))
    return DemandFormOut.model_validate(form)


@route(
    bp,
    "/programmes/{programme_id}/demands",
    "POST",
    roles=REGION,
    body=DemandIn,
    response=DemandCreatedOut,
    status=201,
    summary="提交研修需求（可多次提交，合计不超过名额）",
)
def submit_demand(call: Call[DemandIn], programme_id: str) -> DemandCreatedOut:
    d = demand.submit(call.me, programme_id, call.body)
    return DemandCreatedOut(
        demand_id=d.demand_id, status="pending", submitted_at=shanghai(d.submitted_at), places=d.places
    )


def demand_out(d: DemandProgress) -> DemandOut:
    return DemandOut.model_validate(d)


@route(
    bp,
    "/programmes/{programme_id}/demands",
    roles=ADMIN | REGION,
    response=DemandOut,
    paged=True,
    query=("region_id", "status"),
    summary="研修需求列表，按提交时间先后；可按实验区和状态筛选（实验区联系人只见本区）",
)
def list_demands(call: Call, programme_id: str) -> Page[DemandOut]:
    if call.query.get("status"):
        return call.page_of(
            [demand_out(d) for d in demand.demands_in_status(call.me, programme_id, call.query)]
        )
    page = demand.list_demands(call.me, programme_id, call.query, *call.page())
    return Page([demand_out(d) for d in page.items], page.next_cursor)


@route(
    bp,
    "/programmes/{programme_id}/allocation",
    "POST",
    roles=ADMIN,
    body=AllocationIn,
    response=AllocationOut,
    summary="分配方案：commit=false 预览，commit=true 执行并通知实验区联系人",
)
def allocate(call: Call[AllocationIn], programme_id: str) -> AllocationOut:
    plan, committed, plan_id = allocation.run(programme_id, call.body.commit, call.body.plan_id)
    return AllocationOut.model_validate(
        {"committed": committed, "assignments": plan.assignments, "unmet": plan.unmet, "plan_id": plan_id},
        from_attributes=True,
    )


@route(
    bp,
    "/batches/{batch_id}/region",
    "PUT",
    roles=ADMIN,
    body=BatchRegionIn,
    response=BatchOut,
    summary="手工分配一个批次（须空闲，且该实验区有该学段的需求）",
)
def allocate_by_hand(call: Call[BatchRegionIn], batch_id: str) -> BatchOut:
    return batch_out(allocation.allocate_by_hand(batch_id, call.body.region_id))


@route(
    bp,
    "/batches/{batch_id}/region",
    "DELETE",
    roles=ADMIN,
    response=BatchOut,
    summary="收回一个批次（尚无研修人员时），并依次提供给名额未满的实验区（候补）",
)
def free_by_hand(call: Call, batch_id: str) -> BatchOut:
    return batch_out(waiting.free_by_office(call.me, batch_id))
