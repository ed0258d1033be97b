"""The central office's set-up routes: programmes, regions, bases, batches, quotas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import Account, Base, Batch, Page, Programme, Region
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.setup import (
    BaseIn,
    BaseOut,
    BatchIn,
    BatchOut,
    ContactOut,
    ProgrammeIn,
    ProgrammeOut,
    ProgrammePatch,
    QuotaIn,
    QuotaOut,
    RegionIn,
    RegionOut,
)

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import setup
else:
    setup = lazy_import("chalicelib.services.setup")

bp = Blueprint(__name__)

PROGRAMME_READERS = ADMIN | {"region_contact", "base_contact", "trainee"}
BATCH_READERS = ADMIN | {"region_contact"}


def programme_out(p: Programme) -> ProgrammeOut:
    return ProgrammeOut.model_validate(p)


def _contact(account: Account | None, account_id: str) -> ContactOut:
    # The office sees the contact's whole phone: it is the one who calls them.
    if account is None:
        return ContactOut(account_id=account_id, name="", phone="")
    return ContactOut(account_id=account.account_id, name=account.name, phone=account.phone)


def region_out(r: Region, contact: Account | None) -> RegionOut:
    return RegionOut(
        region_id=r.region_id,
        name=r.name,
        contact=_contact(contact, r.contact_account_id).model_copy(update={"unit": r.contact_unit}),
        created_at=shanghai(r.created_at),
    )


def base_out(b: Base, contact: Account | None) -> BaseOut:
    return BaseOut(
        base_id=b.base_id,
        name=b.name,
        city=b.city,
        stages=sorted(b.stages),
        contact=_contact(contact, b.contact_account_id),
        created_at=shanghai(b.created_at),
    )


def batch_out(b: Batch) -> BatchOut:
    return BatchOut.model_validate(b)


# --- programmes -----------------------------------------------------------------------


@route(
    bp,
    "/programmes",
    "POST",
    roles=ADMIN,
    body=ProgrammeIn,
    response=ProgrammeOut,
    status=201,
    summary="新建项目",
)
def create_programme(call: Call[ProgrammeIn]) -> ProgrammeOut:
    return programme_out(setup.create_programme(call.body.model_dump()))


@route(bp, "/programmes", roles=PROGRAMME_READERS, response=ProgrammeOut, paged=True, summary="项目列表")
def list_programmes(call: Call) -> Page[ProgrammeOut]:
    page = setup.list_programmes(*call.page())
    return Page([programme_out(p) for p in page.items], page.next_cursor)


@route(bp, "/programmes/{programme_id}", roles=PROGRAMME_READERS, response=ProgrammeOut, summary="项目详情")
def get_programme(call: Call, programme_id: str) -> ProgrammeOut:
    return programme_out(setup.get_programme(programme_id))


@route(
    bp,
    "/programmes/{programme_id}",
    "PATCH",
    roles=ADMIN,
    body=ProgrammePatch,
    response=ProgrammeOut,
    summary="修改项目",
)
def patch_programme(call: Call[ProgrammePatch], programme_id: str) -> ProgrammeOut:
    return programme_out(
        setup.patch_programme(programme_id, call.body.model_dump(exclude_unset=True, exclude_none=True))
    )


# --- regions and bases ----------------------------------------------------------------


@route(
    bp,
    "/regions",
    "POST",
    roles=ADMIN,
    body=RegionIn,
    response=RegionOut,
    status=201,
    summary="新建实验区（创建联系人账号并短信发送账号密码）",
)
def create_region(call: Call[RegionIn]) -> RegionOut:
    region, contact = setup.create_region(call.body.name, call.body.contact.model_dump())
    return region_out(region, contact)


@route(bp, "/regions", roles=ADMIN, response=RegionOut, paged=True, summary="实验区列表")
def list_regions(call: Call) -> Page[RegionOut]:
    page = setup.list_regions(*call.page())
    contacts = setup.contacts_of(page.items)
    return Page([region_out(r, contacts.get(r.contact_account_id)) for r in page.items], page.next_cursor)


@route(bp, "/regions/{region_id}", roles=ADMIN | {"region_contact"}, response=RegionOut, summary="实验区详情")
def get_region(call: Call, region_id: str) -> RegionOut:
    if call.me.role == "region_contact" and region_id not in call.me.region_ids:
        raise NotFoundError("region_not_found")
    return region_out(*setup.get_region(region_id))


@route(
    bp,
    "/bases",
    "POST",
    roles=ADMIN,
    body=BaseIn,
    response=BaseOut,
    status=201,
    summary="新建研修基地（创建基地联系人账号）",
)
def create_base(call: Call[BaseIn]) -> BaseOut:
    b = call.body
    base, contact = setup.create_base(b.name, b.city, [s.value for s in b.stages], b.contact.model_dump())
    return base_out(base, contact)


@route(bp, "/bases", roles=ADMIN, response=BaseOut, paged=True, summary="研修基地列表")
def list_bases(call: Call) -> Page[BaseOut]:
    page = setup.list_bases(*call.page())
    contacts = setup.contacts_of(page.items)
    return Page([base_out(b, contacts.get(b.contact_account_id)) for b in page.items], page.next_cursor)


@route(bp, "/bases/{base_id}", roles=ADMIN, response=BaseOut, summary="研修基地详情")
def get_base(call: Call, base_id: str) -> BaseOut:
    return base_out(*setup.get_base(base_id))


# --- quotas and batches ---------------------------------------------------------------


@route(
    bp,
    "/programmes/{programme_id}/quotas/{region_id}",
    "PUT",
    roles=ADMIN,
    body=QuotaIn,
    response=QuotaOut,
    summary="设置实验区名额（不得低于已申请名额）",
)
def set_quota(call: Call[QuotaIn], programme_id: str, region_id: str) -> QuotaOut:
    return QuotaOut.model_validate(setup.set_quota(programme_id, region_id, call.body.places))


@route(
    bp,
    "/programmes/{programme_id}/batches",
    "POST",
    roles=ADMIN,
    body=BatchIn,
    response=BatchOut,
    status=201,
    summary="新建批次",
)
def create_batch(call: Call[BatchIn], programme_id: str) -> BatchOut:
    return batch_out(setup.create_batch(programme_id, call.body.model_dump()))


@route(
    bp,
    "/programmes/{programme_id}/batches",
    roles=BATCH_READERS,
    response=BatchOut,
    paged=True,
    query=("stage", "base_id", "region_id"),
    summary="批次列表（实验区联系人只见本区批次）",
)
def list_batches(call: Call, programme_id: str) -> Page[BatchOut]:
    setup.get_programme(programme_id)
    region_only = None
    if call.me.role == "region_contact":
        # A contact of several regions names one; otherwise its only region.
        wanted = call.query.get("region_id") or min(call.me.region_ids, default="")
        if wanted not in call.me.region_ids:
            raise NotFoundError("region_not_found")
        region_only = wanted
    page = setup.list_batches(programme_id, region_only, call.query, *call.page())
    return Page([batch_out(b) for b in page.items], page.next_cursor)
