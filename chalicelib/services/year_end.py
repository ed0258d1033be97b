"""The year-end 年度评估 (domain/year_end.py): each region's measures from what the programme
recorded, the office's weights and 综合调研 scores; the ranking the reward is chosen from."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters import clock
from chalicelib.db import catalog, demands, opening
from chalicelib.db import year_end as repo
from chalicelib.domain import year_end as rules
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import Session
from chalicelib.domain.review import RETURNED
from chalicelib.services.setup import get_programme


def weights_of(programme_id: str) -> dict[str, int]:
    weights, _ = repo.records(programme_id)
    return weights or dict(rules.DEFAULT_WEIGHTS)


def _years(programme_id: str) -> dict[str, rules.RegionYear]:
    """Each taking part region's year, from one read of each source (see db/year_end.py).
    No trainee is read: each batch carries its trainees' counts, kept in the transactions
    that change them (roster, 报到, 签到, artifacts, 分享报告), and a region's year is the sum
    of its batches'. The reads grow with the regions and batches, never with the trainees."""
    years: dict[str, rules.RegionYear] = {r: rules.RegionYear(r) for r in opening.region_places(programme_id)}

    def year(region_id: str) -> rules.RegionYear:
        return years.setdefault(region_id, rules.RegionYear(region_id))

    for d in demands.all_for_programme(programme_id):
        year(d.region_id).asked_in_time |= d.review != RETURNED
    for b in catalog.all_batches(programme_id):
        if b.region_id:
            y = year(b.region_id)
            y.batches += 1
            y.confirmed_batches += b.roster_status == "confirmed"
            y.trainees += b.trainee_count
            y.registered += b.registered_count
            y.checkin_days += b.checkin_count
            y.session_days += b.trainee_count * len(days(b.start_date, b.end_date))
            y.reflections += b.reflection_count
            y.with_outcome += b.outcome_trainees
            y.shared += b.sharing_count
    for region_id, featured in repo.featured_by_region(programme_id).items():
        year(region_id).featured += featured
    return years


@dataclass(frozen=True)
class RankedRegion:
    """A region's place in the ranking: its score, the four measures and the weights, and
    the figures behind them."""

    rank: int
    region_id: str
    region_name: str
    score: float
    measures: dict[str, float]
    weights: dict[str, int]
    visit_comment: str | None
    trainees: int
    registration_rate: float
    checkin_rate: float
    reflections_per_trainee: float
    outcome_rate: float
    demand_in_time: bool
    batches: int
    rosters_confirmed: int
    sharing_reports: int
    featured: int


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def evaluate(programme_id: str) -> list[RankedRegion]:
    """The regions ranked, each with its measures, the rates behind them and the weights."""
    get_programme(programme_id)
    years = _years(programme_id)
    weights, visits = repo.records(programme_id)
    weights = weights or dict(rules.DEFAULT_WEIGHTS)
    for region_id, visit in visits.items():
        if region_id in years:
            years[region_id].visit, years[region_id].visit_comment = visit.score, visit.comment
    names = {r.region_id: r.name for r in catalog.get_regions(set(years))}
    return [
        RankedRegion(
            rank=e.rank,
            region_id=e.region_id,
            region_name=names.get(e.region_id, ""),
            score=e.score,
            measures=e.measures,
            weights=weights,
            visit_comment=e.year.visit_comment,
            trainees=e.year.trainees,
            registration_rate=_ratio(e.year.registered, e.year.trainees),
            checkin_rate=_ratio(e.year.checkin_days, e.year.session_days),
            reflections_per_trainee=_ratio(e.year.reflections, e.year.trainees),
            outcome_rate=_ratio(e.year.with_outcome, e.year.trainees),
            demand_in_time=e.year.asked_in_time,
            batches=e.year.batches,
            rosters_confirmed=e.year.confirmed_batches,
            sharing_reports=e.year.shared,
            featured=e.year.featured,
        )
        for e in rules.rank(list(years.values()), weights, names)
    ]


def set_weights(session: Session, programme_id: str, weights: dict[str, int]) -> dict[str, int]:
    get_programme(programme_id)
    rules.check_weights(weights)
    repo.set_weights(programme_id, weights, session.account_id, clock.now())
    return weights


def set_visit(
    session: Session, programme_id: str, region_id: str, score: float, comment: str | None
) -> repo.Visit:
    """The office's 综合调研 score of a region (a second one replaces the first)."""
    get_programme(programme_id)
    if catalog.get_region(region_id) is None:
        raise NotFoundError("region_not_found")
    now = clock.now()
    repo.set_visit(programme_id, region_id, score, comment, session.account_id, now)
    return repo.Visit(region_id, score, comment, session.account_id, now)
