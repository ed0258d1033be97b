"""A programme's opening: every region's contact told once, then the programme marked open.

Access patterns:
- the regions' places: Query quotas[programme] (the regions' tallies, a partition of
  hundreds; the stages' tallies are skipped).
- the notices: per region, a claim "notice#open#<programme>#<region>" (not exists: once) with
  its SMS and e-mail, in transactions of 33 regions (99 items); a transaction refused because
  a claim exists (a retried opening) is sent again region by region, skipping the claimed.
- open: UpdateItem, draft removed and opened_at set, under the condition that it was not open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.db.models import ClaimModel, ProgrammeModel, QuotaModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import applied, transaction
from chalicelib.domain.demand import STAGE_TALLY
from chalicelib.domain.records import Message, Programme

REGIONS_PER_TRANSACTION = 33  # a claim, an SMS and an e-mail each: 99 of DynamoDB's 100 items


def region_places(programme_id: str) -> dict[str, int]:
    """{region_id: places} of the regions with a tally in the programme."""
    return {
        m.region_id: int(m.places or 0)
        for m in QuotaModel.query(programme_id)
        if not m.region_id.startswith(STAGE_TALLY)
    }


def notice_claim(kind: str, programme_id: str, recipient: str) -> str:
    return f"notice#{kind}#{programme_id}#{recipient}"


def _record(claims: Sequence[tuple[str, list[Message]]], expires: datetime) -> bool:
    """The claims and their messages, all or nothing; False if a claim existed already."""
    with transaction(tolerate={"claim"}) as tx:
        for claim, messages in claims:
            tx.save(
                ClaimModel(claim, owner="notice", expires_at=expires),
                condition=ClaimModel.claim_key.does_not_exist(),
                tag="claim",
            )
            for message in messages:
                tx.save(message_item(message))
    return not tx.refused


def record_once(notices: list[tuple[str, list[Message]]], expires: datetime) -> list[Message]:
    """Record each (claim, messages) unless its claim exists already; returns what was recorded."""
    recorded: list[Message] = []
    for start in range(0, len(notices), REGIONS_PER_TRANSACTION):
        chunk = notices[start : start + REGIONS_PER_TRANSACTION]
        if _record(chunk, expires):
            recorded += [m for _, messages in chunk for m in messages]
            continue
        # one of them was told before (an opening cut short): the others one by one
        recorded += [
            m for claim, messages in chunk if _record([(claim, messages)], expires) for m in messages
        ]
    return recorded


def mark_open(p: Programme, now: datetime) -> bool:
    """draft -> open (opened_at set), once. False if it was open already. The version moves
    on, so an edit made from what was read before fails as stale."""
    return applied(
        lambda: ProgrammeModel(p.programme_id, version=p.version).update(
            actions=[ProgrammeModel.draft.remove(), ProgrammeModel.opened_at.set(now)],
            condition=ProgrammeModel.programme_id.exists() & ProgrammeModel.opened_at.does_not_exist(),
            add_version_condition=False,
        )
    )
