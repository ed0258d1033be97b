"""The office's exclusion list (不得参训的人员): a spreadsheet of ID numbers, each claimed in the
programme so that nobody on it can be enrolled; the answer names those already excluded or
already on a county's list (whom and where)."""

from __future__ import annotations

from typing import Any

from chalicelib.db import catalog, enrolment_lists, enrolments
from chalicelib.domain import enrolment as rules
from chalicelib.domain import enrolment_sheet, id_numbers
from chalicelib.domain.enrolment_sheet import RowError
from chalicelib.domain.errors import PayloadTooLargeError, Problem, ValidationFailedError, problem
from chalicelib.domain.records import Session
from chalicelib.observability import logger
from chalicelib.services import enrolment
from chalicelib.services.enrolment_files import at_upload, errors_shown, grid_of, layout_of, upload_bytes


def exclude(session: Session, programme_id: str, upload_id: str) -> dict[str, Any]:
    """The office's list of people who may not enrol (the earlier project's): any sheet with a
    身份证号 column. Each ID becomes an exclusion claim; one already enrolled is named."""
    programme = enrolment.programme_of(programme_id)
    _, data = upload_bytes(session, upload_id)
    grid = grid_of(data)
    layout = layout_of(grid, required=("id_number",), min_headers=1)
    rows = enrolment_sheet.data_rows(grid.rows, layout)
    if not rows:
        raise ValidationFailedError("sheet_empty", fields=at_upload("sheet_no_ids"))
    if len(rows) > rules.MAX_ROWS:
        raise PayloadTooLargeError("sheet_too_many_rows")
    errors: list[RowError] = []
    digests: dict[str, int] = {}
    for row in rows:
        number = id_numbers.normalize_id_number(row.cells.get("id_number", ""))
        if row.numeric_id or not number:
            found: Problem | None = problem(id_numbers.NUMBER_ID if number else "required")
        else:
            found = id_numbers.id_number_problem(number, None)
        if found:
            errors.append(RowError(row.number, "身份证号", found))
        else:
            digests.setdefault(enrolment.id_digest(number), row.number)
    taken = enrolments.exclude(programme.programme_id, list(digests))
    held = enrolment_lists.get_many(o for o in taken.values() if o != enrolments.EXCLUDED)
    names = {r.region_id: r.name for r in catalog.get_regions({e.region_id for e in held.values()})}
    enrolled = [
        {
            "row": digests[d],
            "enrolment_id": owner,
            "region_id": held[owner].region_id,
            "region_name": names.get(held[owner].region_id, ""),
            "name": held[owner].name,
        }
        for d, owner in taken.items()
        if owner in held
    ]
    logger.info(
        "exclusion list added",
        extra={"programme_id": programme.programme_id, "ids": len(digests) - len(taken)},
    )
    return {
        "rows": len(rows),
        "excluded": len(digests) - len(taken),
        "already_excluded": sum(1 for o in taken.values() if o == enrolments.EXCLUDED),
        "enrolled": sorted(enrolled, key=lambda e: e["row"]),
        "error_count": len(errors),
        "errors": errors_shown(errors),
    }
