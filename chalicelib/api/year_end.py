"""The year-end 年度评估's settings: the weights of its measures, the office's 综合调研 score."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.evaluation import VisitIn, VisitOut, WeightsIn, WeightsOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import year_end
else:
    year_end = lazy_import("chalicelib.services.year_end")

bp = Blueprint(__name__)


@route(
    bp,
    "/programmes/{programme_id}/evaluation-weights",
    roles=ADMIN,
    response=WeightsOut,
    summary="年度评估四项的权重（未设置时为默认：40/30/30/0）",
)
def weights(call: Call, programme_id: str) -> WeightsOut:
    return WeightsOut.model_validate(year_end.weights_of(programme_id))


@route(
    bp,
    "/programmes/{programme_id}/evaluation-weights",
    "PUT",
    roles=ADMIN,
    body=WeightsIn,
    response=WeightsOut,
    summary="设置年度评估四项的权重（整数，合计 100）",
)
def set_weights(call: Call[WeightsIn], programme_id: str) -> WeightsOut:
    return WeightsOut.model_validate(year_end.set_weights(call.me, programme_id, call.body.model_dump()))


@route(
    bp,
    "/programmes/{programme_id}/evaluation/{region_id}",
    "PUT",
    roles=ADMIN,
    body=VisitIn,
    response=VisitOut,
    summary="综合调研：管理办公室对实验区的评分（0–100）与评语",
)
def set_visit(call: Call[VisitIn], programme_id: str, region_id: str) -> VisitOut:
    v = year_end.set_visit(call.me, programme_id, region_id, call.body.score, call.body.comment)
    return VisitOut(
        programme_id=programme_id,
        region_id=v.region_id,
        score=v.score,
        comment=v.comment,
        scored_at=shanghai(v.at),
    )
