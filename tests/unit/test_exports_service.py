"""The exports' rules, run in the real service (services/exports.py) against an in-memory
twin of its store: a build is leased, tried a bounded number of times, built by the record's
kind, and its link given only within its scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.domain.records import Export, Session
from chalicelib.services import exports, ports
from tests.unit.twins import Exports

pytestmark = pytest.mark.unit

NOW = datetime(2026, 9, 7, 4, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[Exports]:
    twin = Exports()
    before = ports.bind(exports=twin)
    clock.set_now(NOW)
    yield twin
    ports.restore(before)
    clock.set_now(None)


def _export(kind: str = "roster", region: str | None = "r1", role: str = "region_contact") -> Export:
    return Export(f"{kind}-{region}-{role}", "p1", kind, "a1", role, "pending", NOW, region)


def test_a_build_is_chosen_by_the_record_s_kind_and_ends_ready(
    store: Exports, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[str, str | None]] = []

    def record(e: Export) -> str:
        built.append((e.kind, e.region_id))
        return "k"

    for kind in ("roster", "archive", "yearbook"):
        monkeypatch.setitem(exports.BUILDERS, kind, record)
    for kind, region in (("roster", "r1"), ("yearbook", None)):
        store.put(_export(kind, region))
    assert exports.build_pending() == {"built": 2}
    assert sorted(built, key=str) == [("roster", "r1"), ("yearbook", None)]
    assert {e.status for e in store.rows.values()} == {"ready"}


def test_a_failing_build_is_retried_after_a_pause_then_fails_for_good(
    store: Exports, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(e: Export) -> str:
        raise OSError("S3 said no")

    monkeypatch.setitem(exports.BUILDERS, "roster", broken)
    e = _export()
    store.put(e)
    outcomes = []
    for minutes in range(0, 15, 1):
        clock.set_now(NOW + timedelta(minutes=minutes))
        outcomes.append(exports.build_pending())
    tried = [o for o in outcomes if o.get("retry") or o.get("failed")]
    assert len(tried) == exports.MAX_ATTEMPTS  # not every minute: after RETRY_AFTER each
    stored = store.get(e.export_id)
    assert stored is not None and (stored.status, stored.attempts, stored.error) == (
        "failed",
        exports.MAX_ATTEMPTS,
        "OSError",
    )


def test_a_builder_that_died_on_the_last_attempt_leaves_it_failed(store: Exports) -> None:
    e = _export()
    store.put(e)
    for _ in range(exports.MAX_ATTEMPTS):  # each builder took the lease and vanished
        store.lease(e.export_id, clock.now(), clock.now() + exports.LEASE)
        clock.set_now(clock.now() + exports.LEASE + timedelta(seconds=1))
    assert exports.build(store.rows[e.export_id]) == "failed"


def test_one_builder_at_a_time(store: Exports, monkeypatch: pytest.MonkeyPatch) -> None:
    e = _export()
    store.put(e)
    inner: list[str] = []

    def overlapping(x: Export) -> str:
        inner.append(exports.build(x))  # a second builder, while the first holds the lease
        return "k"

    monkeypatch.setitem(exports.BUILDERS, "roster", overlapping)
    assert exports.build(e) == "built" and inner == ["skipped"]


@pytest.mark.parametrize(
    ("export", "may"),
    [
        (_export("roster", "r1", "region_contact"), True),
        (_export("archive", "r1", "region_contact"), True),
        (_export("roster", "r2", "region_contact"), False),  # another region's
        (_export("roster", None, "region_contact"), False),  # every region's
        (_export("yearbook", None, "region_contact"), False),  # not a region's kind
        (_export("roster", "r1", "admin"), False),  # built with whole phones
    ],
)
def test_a_region_contact_s_link_stays_within_its_scope(export: Export, may: bool) -> None:
    contact = Session("t", "a1", "region_contact", NOW, region_ids=frozenset({"r1"}))
    stranger = Session("t", "a2", "region_contact", NOW, region_ids=frozenset({"r1"}))
    office = Session("t", "a9", "admin", NOW)
    assert exports.may_download(contact, export) is may
    assert exports.may_download(stranger, export) is False
    assert exports.may_download(office, export) is True
