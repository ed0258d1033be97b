"""The 国培 form as workbooks: the blank 学员信息表 a county admin downloads (its county and
admin filled in, the choices as drop-downs, the ID, phone and QQ columns as text), and the
office's export of every county's list (ID numbers masked unless the office asks, on the
record)."""

from __future__ import annotations

from chalicelib.adapters import clock, crypto, secrets, storage
from chalicelib.adapters.spreadsheet import XLSX, FormSheet, build_forms
from chalicelib.db import accounts, catalog, enrolment_lists, enrolments
from chalicelib.domain import enrolment as rules
from chalicelib.domain import enrolment_sheet, pinyin
from chalicelib.domain.enrolment import COLUMNS, ROLE_COLUMN, Person
from chalicelib.domain.records import AuditEntry, Export, Region, Session
from chalicelib.domain.vocab import Role
from chalicelib.services import enrolment

TEMPLATE_ROWS_OVER_PLACES = 60  # room below a county's places for its hosts and school admins
TEMPLATE_MAX_ROWS = 2000


def _form_headers(with_role: bool = True) -> list[str]:
    heads = [f"{c.header}*" if c.required else c.header for c in COLUMNS]
    return [*heads, ROLE_COLUMN.header] if with_role else heads


def _admin_info(region: Region) -> list[str]:
    contact = accounts.get_account(region.contact_account_id)
    return list(
        enrolment_sheet.admin_line(
            contact.name if contact else "", contact.phone if contact else "", region.contact_unit
        )
    )


_CHOICES = {
    10: [rules.STAGE_WORDS_ZH[s] for s in rules.STAGES],
    11: list(rules.SUBJECT_WORDS_ZH.values()),
    13: list(rules.ROLE_WORDS_ZH.values()),
}


_TEXT_COLUMNS = (1, 7, 8)  # 身份证号, 联系方式, QQ号: typed as text, never turned into numbers


def template(session: Session, programme_id: str, wanted_region: str | None) -> str:
    """The seed's form for one county: title, the county admin's name, phone and unit, the
    headers (and 角色), drop-downs for 学段, 学科 and 角色, the county filled in."""
    programme = enrolment.programme_of(programme_id)
    region = enrolment.region_named(enrolment.county_of(session, wanted_region))
    county = enrolment.county_in(programme, region.region_id)
    count = min(county.places + TEMPLATE_ROWS_OVER_PLACES, TEMPLATE_MAX_ROWS)
    county_column = [c.field for c in COLUMNS].index("county")
    rows = [[None] * county_column + [region.name] for _ in range(count)]
    sheet = FormSheet(
        name=region.name,
        title=enrolment_sheet.sheet_title(programme.name),
        info=_admin_info(region),
        headers=_form_headers(),
        rows=rows,
        choices=_CHOICES,
        text_columns=_TEXT_COLUMNS,
        prompt=rules.NOTE,
        widths={1: 22, 4: 24},
    )
    key = f"exports/templates/{programme.programme_id}/{region.region_id}-{secrets.new_id()}.xlsx"
    storage.put_object(key, build_forms([sheet]), XLSX)
    return storage.presigned_get(key, filename=f"{region.name}学员信息表.xlsx")


def check_export(session: Session, programme_id: str) -> None:
    """An enrolment export is of a 国培 programme (404 otherwise)."""
    enrolment.programme_of(programme_id)


def build_export(export: Export) -> str:
    """The seed's form per county (one sheet each): the office's with whole ID numbers (the
    file is its submission to the programme's operator; its build is on the record), a
    county admin's with them masked."""
    programme = enrolment.programme_of(export.programme_id)
    whole = export.role == Role.admin
    if export.region_id is not None:
        tallies = [c for c in [enrolments.county(programme.programme_id, export.region_id)] if c]
    else:
        tallies = enrolments.counties(programme.programme_id)
    regions = {r.region_id: r for r in catalog.get_regions({c.region_id for c in tallies})}
    sheets = []
    for county in sorted(  # in pinyin order, as the summary
        tallies, key=lambda c: pinyin.sort_key(regions[c.region_id].name if c.region_id in regions else "")
    ):
        region = regions.get(county.region_id)
        if region is None:
            continue
        rows = []
        for e in enrolment_lists.of_county(programme.programme_id, region.region_id):
            number = crypto.open_sealed(e.id_sealed, enrolment.ID_NUMBER) if whole else e.id_masked
            person = Person(**{f: getattr(e, f) for f in rules.FIELDS if f != "id_number"}, id_number=number)
            cells = rules.person_cells(person)
            rows.append([cells[f] for f in rules.FIELDS])
        sheets.append(
            FormSheet(
                name=region.name,
                title=enrolment_sheet.sheet_title(programme.name),
                info=_admin_info(region),
                headers=_form_headers(),
                rows=rows,
                text_columns=_TEXT_COLUMNS,
                widths={1: 22, 4: 24},
            )
        )
    if not sheets:
        sheets.append(
            FormSheet(
                name="学员信息表",
                title=enrolment_sheet.sheet_title(programme.name),
                info=[""],
                headers=_form_headers(),
            )
        )
    if whole:
        enrolments.reveal_entry(
            AuditEntry(
                f"programme#{programme.programme_id}",
                export.requested_by,
                "export_id_numbers",
                export.export_id,
                clock.now(),
            )
        )
    key = f"exports/{export.export_id}.xlsx"
    storage.put_object(key, build_forms(sheets), XLSX)
    return key
