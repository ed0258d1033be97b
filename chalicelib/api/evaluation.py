"""The office's year-end evaluation and reward places."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.evaluation import REWARD_PLACES
from chalicelib.domain.records import Page
from chalicelib.lazy import lazy_import
from chalicelib.schemas.evaluation import RankedRegionOut, RewardIn, RewardOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import evaluation, year_end
else:
    evaluation = lazy_import("chalicelib.services.evaluation")
    year_end = lazy_import("chalicelib.services.year_end")

bp = Blueprint(__name__)


@route(
    bp,
    "/programmes/{programme_id}/evaluation",
    roles=ADMIN,
    response=RankedRegionOut,
    paged=True,
    summary="年度评估：组织管理、汇报交流、成果运用、综合调研四项（0–100）按权重综合排名",
)
def evaluate(call: Call, programme_id: str) -> Page[RankedRegionOut]:
    return call.page_of([RankedRegionOut.model_validate(r) for r in year_end.evaluate(programme_id)])


@route(
    bp,
    "/programmes/{programme_id}/rewards",
    "POST",
    roles=ADMIN,
    body=RewardIn,
    response=RewardOut,
    status=201,
    summary="研训名额奖励：为 1–2 个实验区在下一项目各增加 10 个名额（每项目一次）",
)
def reward(call: Call[RewardIn], programme_id: str) -> RewardOut:
    evaluation.reward(call.me, programme_id, call.body.region_ids, call.body.next_programme_id)
    return RewardOut(
        programme_id=programme_id,
        next_programme_id=call.body.next_programme_id,
        region_ids=call.body.region_ids,
        places_added=REWARD_PLACES,
    )
