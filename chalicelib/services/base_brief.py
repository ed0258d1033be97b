"""What the base knows of a batch before it comes (流程: 团长 ↔ 基地): the study type, the
region's 研修学习目的 and 备注 (from the demand the batch serves), lodging, and the 团长's
contact. The 团长's phone is whole (the base calls the team through it); e-mails stay masked
for the base, as everywhere (README: Security)."""

from __future__ import annotations

from typing import Any

from chalicelib.db import review
from chalicelib.domain.accounts import mask_email
from chalicelib.domain.records import Batch, Demand, Trainee
from chalicelib.domain.rosters import LEADER


def _remark(demand: Demand | None, stage: str) -> str | None:
    if demand is None:
        return None
    return next((line.remark for line in demand.items if line.stage == stage), None)


def briefs(batches: list[Batch], team: dict[str, list[Trainee]]) -> dict[str, dict[str, Any]]:
    """{batch_id: the brief's fields} (one index read per distinct demand)."""
    demands = {d: review.get_demand(d) for d in {b.demand_id for b in batches if b.demand_id}}
    out = {}
    for b in batches:
        demand = demands.get(b.demand_id or "")
        leader = next((t for t in team.get(b.batch_id, []) if t.team_role == LEADER), None)
        out[b.batch_id] = {
            "study_type": b.study_type,
            "lodging": b.lodging,
            "lodging_address": b.lodging_address,
            "lodging_notes": b.lodging_notes,
            "purpose": demand.purpose if demand else None,
            "remark": _remark(demand, b.stage),
            "leader": (
                {"name": leader.name, "phone": leader.phone, "email": mask_email(leader.email)}
                if leader is not None
                else None
            ),
        }
    return out
