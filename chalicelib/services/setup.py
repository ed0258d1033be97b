"""The office's set-up: programmes, regions, bases, batches and quotas."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import accounts as accounts_repo
from chalicelib.db import catalog, demands
from chalicelib.domain import programmes as rules
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import Account, Base, Batch, Page, Programme, Quota, Region
from chalicelib.domain.vocab import ProgrammeKind, Role
from chalicelib.services import auth, guopei

# --- programmes -----------------------------------------------------------------------


def create_programme(data: dict[str, Any]) -> Programme:
    if data["kind"] == ProgrammeKind.guopei:
        return guopei.create_programme(data)
    guopei.only_fields_of(data, ProgrammeKind.base_training)
    rules.check_deadlines(data["demand_deadline"], data["roster_deadline"], data["registration_deadline"])
    programme = Programme(programme_id=new_id(), created_at=clock.now(), **data)
    catalog.put_programme(programme)
    # Every region's tally, awaiting its first demand: the demand form and the reminders read it.
    demands.open_quotas(
        programme.programme_id, catalog.all_region_ids(), programme.default_places, clock.now()
    )
    if not programme.draft:
        from chalicelib.services.opening import open_programme  # it reads programmes through here

        return open_programme(programme.programme_id)
    return programme


def get_programme(programme_id: str) -> Programme:
    programme = catalog.get_programme(programme_id)
    if programme is None:
        raise NotFoundError("programme_not_found")
    return programme


def patch_programme(programme_id: str, changes: dict[str, Any]) -> Programme:
    current = get_programme(programme_id)
    guopei.only_fields_of(changes, current.kind, patch=True)
    merged = replace(current, **changes)
    if merged.kind == ProgrammeKind.guopei:
        guopei.check_dates(merged)
    else:
        rules.check_deadlines(merged.demand_deadline, merged.roster_deadline, merged.registration_deadline)
    return catalog.update_programme(merged)


def list_programmes(limit: int, cursor: str | None) -> Page[Programme]:
    return catalog.list_programmes(limit, cursor)


# --- regions and bases ----------------------------------------------------------------


def create_region(name: str, contact: dict[str, Any]) -> tuple[Region, Account]:
    region = Region(
        region_id=new_id(),
        name=name,
        contact_account_id="",
        created_at=clock.now(),
        contact_unit=contact.get("unit"),
    )
    account = auth.open_account(
        Role.region_contact, contact["name"], contact["phone"], contact.get("email"), region=region
    )
    now = clock.now()
    for programme in catalog.all_programmes():
        # A region joining while demand is open may still ask (a 国培 programme has no demand:
        # a county takes part once the office gives it places), and is told so, as the others
        # were when it opened (a draft tells everyone when it opens)
        if programme.kind != ProgrammeKind.guopei and programme.demand_deadline >= now:
            demands.create_quota(programme.programme_id, region.region_id, programme.default_places, now)
            if not programme.draft:
                from chalicelib.services.opening import announce  # it reads programmes through here

                announce(programme, {region.region_id})
    return replace(region, contact_account_id=account.account_id), account


def get_region(region_id: str) -> tuple[Region, Account | None]:
    region = catalog.get_region(region_id)
    if region is None:
        raise NotFoundError("region_not_found")
    return region, accounts_repo.get_account(region.contact_account_id)


def list_regions(limit: int, cursor: str | None) -> Page[Region]:
    return catalog.list_regions(limit, cursor)


def list_bases(limit: int, cursor: str | None) -> Page[Base]:
    return catalog.list_bases(limit, cursor)


def create_base(name: str, city: str, stages: list[str], contact: dict[str, Any]) -> tuple[Base, Account]:
    base = Base(
        base_id=new_id(),
        name=name,
        city=city,
        stages=frozenset(stages),
        contact_account_id="",
        created_at=clock.now(),
    )
    account = auth.open_account(
        Role.base_contact, contact["name"], contact["phone"], contact.get("email"), base=base
    )
    return replace(base, contact_account_id=account.account_id), account


def get_base(base_id: str) -> tuple[Base, Account | None]:
    base = catalog.get_base(base_id)
    if base is None:
        raise NotFoundError("base_not_found")
    return base, accounts_repo.get_account(base.contact_account_id)


def contacts_of(items: list[Any]) -> dict[str, Account]:
    """The contact accounts of a page of regions or bases (one batch read, not one per item)."""
    return accounts_repo.get_accounts({item.contact_account_id for item in items})


# --- batches and quotas ---------------------------------------------------------------


def create_batch(programme_id: str, data: dict[str, Any]) -> Batch:
    rules.check_batch_dates(data["start_date"], data["end_date"])
    batch = Batch(batch_id=new_id(), programme_id=programme_id, created_at=clock.now(), **data)
    catalog.create_batch(batch)
    return batch


def list_batches(
    programme_id: str, region_only: str | None, query: dict[str, Any], limit: int, cursor: str | None
) -> Page[Batch]:
    return catalog.list_batches(
        programme_id,
        stage=query.get("stage"),
        base_id=query.get("base_id"),
        region_id=region_only or query.get("region_id"),
        limit=limit,
        cursor=cursor,
    )


def set_quota(programme_id: str, region_id: str, places: int) -> Quota:
    programme = get_programme(programme_id)
    if catalog.get_region(region_id) is None:
        raise NotFoundError("region_not_found")
    quota = demands.set_quota(Quota(programme_id, region_id, places), clock.now())
    if programme.kind == ProgrammeKind.guopei:
        guopei.county_joined(programme, region_id)  # its admin is reminded until the list is confirmed
    return quota
