"""The reward's write (the evaluation reads batches: services/year_end.py).

Access patterns: the reward: one transaction: the programme's reward claim (not exists:
once) and each chosen region's tally in the next programme (+places)."""

from __future__ import annotations

import json
from datetime import datetime

from chalicelib.db.models import ClaimModel, QuotaModel
from chalicelib.db.writes import transaction
from chalicelib.domain.errors import ConflictError


def grant(
    programme_id: str,
    next_programme_id: str,
    region_ids: list[str],
    places: int,
    default: int,
    actor: str,
    now: datetime,
) -> None:
    record = json.dumps(
        {"regions": region_ids, "next": next_programme_id, "by": actor, "at": now.isoformat()}
    )
    with transaction(errors={"once": ConflictError("reward_already_granted")}) as tx:
        tx.save(
            ClaimModel(f"reward#{programme_id}", owner=record),
            condition=ClaimModel.claim_key.does_not_exist(),
            tag="once",
        )
        for region_id in region_ids:
            tx.update(
                QuotaModel(next_programme_id, region_id),
                actions=[
                    QuotaModel.places.set((QuotaModel.places | default) + places),
                    QuotaModel.remaining.set((QuotaModel.remaining | default) + places),
                    QuotaModel.requested.set(QuotaModel.requested | 0),
                    QuotaModel.updated_at.set(now),
                    QuotaModel.reward_places.set((QuotaModel.reward_places | 0) + places),  # the ledger's
                ],
            )
