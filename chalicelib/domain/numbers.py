"""The office's numbers (台账, 供需, 漏斗), from counters written with the changes.

- ledger, per region and year (programme): base places (the quota without the reward),
  reward places (研训名额奖励), asked (live demand), allocated seats (the capacity of its
  batches), seated (people named on its rosters), remaining (places not asked for);
- supply, per stage: batches, seats, asked, allocated seats;
- funnel: allocated (seats) → named → confirmed (on a confirmed roster) → registered (报到) →
  checked in (签到 at least once) → reflections (at least one 心得体会 or 学习感悟) → outcomes
  (a 学习成果) → sharing reports (分享报告)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.records import Batch

FUNNEL = (
    "allocated",
    "named",
    "confirmed",
    "registered",
    "checked_in",
    "reflections",
    "outcomes",
    "sharing_reports",
)
FUNNEL_ZH = {
    "allocated": "已分配名额",
    "named": "已填报",
    "confirmed": "已确认",
    "registered": "已报到",
    "checked_in": "已签到",
    "reflections": "提交心得",
    "outcomes": "提交成果",
    "sharing_reports": "分享报告",
}


def batch_counts(batches: Iterable[Batch]) -> Counter[str]:
    """The funnel's steps, from the batches' counters (kept with the writes: no trainee is read)."""
    out: Counter[str] = Counter()
    for b in batches:
        if not b.region_id:
            continue
        out["allocated"] += b.capacity
        out["named"] += b.trainee_count
        out["confirmed"] += b.trainee_count if b.roster_status == "confirmed" else 0
        out["registered"] += b.registered_count
        out["checked_in"] += b.checked_in_trainees
        out["reflections"] += b.reflection_trainees
        out["outcomes"] += b.outcome_trainees
        out["sharing_reports"] += b.sharing_count
    return out


@dataclass(frozen=True)
class FunnelStep:
    step: str
    label: str
    count: int


def funnel(counts: Counter[str]) -> list[FunnelStep]:
    return [FunnelStep(step, FUNNEL_ZH[step], counts[step]) for step in FUNNEL]
