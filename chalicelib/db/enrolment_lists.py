"""Reading 国培 people: one by id (consistent), many (BatchGetItem), a county's list and the
programme's in pages (Query by_region / by_programme, role, stage, subject or unit as a
filter), a county's whole list, a person's enrolments (Query by_account)."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib.db.common import cursor_checked, decode_cursor, encode_cursor
from chalicelib.db.enrolments import enrolment_of
from chalicelib.db.models import EnrolmentModel
from chalicelib.domain.records import Enrolment, Page


def get(enrolment_id: str) -> Enrolment | None:
    try:
        return enrolment_of(EnrolmentModel.get(enrolment_id, consistent_read=True))
    except DoesNotExist:
        return None


def get_many(enrolment_ids: Iterable[str]) -> dict[str, Enrolment]:
    ids = list(dict.fromkeys(enrolment_ids))
    if not ids:
        return {}
    return {m.enrolment_id: enrolment_of(m) for m in EnrolmentModel.batch_get(ids, consistent_read=True)}


def _filter(filters: dict[str, str]) -> Condition | None:
    condition: Condition | None = None
    for name in ("role", "stage", "subject", "unit"):
        if value := filters.get(name):
            part = getattr(EnrolmentModel, name) == value
            condition = part if condition is None else condition & part
    return condition


def page_of_county(
    programme_id: str, region_id: str, filters: dict[str, str], limit: int, cursor: str | None
) -> Page[Enrolment]:
    rows = EnrolmentModel.by_region.query(
        f"{programme_id}#{region_id}",
        filter_condition=_filter(filters),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, EnrolmentModel.by_region),
    )
    with cursor_checked(cursor):
        items = [enrolment_of(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


def page_of_programme(
    programme_id: str, filters: dict[str, str], limit: int, cursor: str | None
) -> Page[Enrolment]:
    rows = EnrolmentModel.by_programme.query(
        programme_id,
        filter_condition=_filter(filters),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, EnrolmentModel.by_programme),
    )
    with cursor_checked(cursor):
        items = [enrolment_of(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


def of_county(programme_id: str, region_id: str) -> list[Enrolment]:
    """The county's whole list (hundreds: bounded by its places and its extras)."""
    return [enrolment_of(m) for m in EnrolmentModel.by_region.query(f"{programme_id}#{region_id}")]


def of_account(account_id: str) -> list[Enrolment]:
    return [enrolment_of(m) for m in EnrolmentModel.by_account.query(account_id)]
