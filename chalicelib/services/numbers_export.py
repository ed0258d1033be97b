"""The office's numbers as an .xlsx (an export kind, services/exports.py): the ledger, supply
against demand and the funnel, one sheet each, for the export's scope."""

from __future__ import annotations

from chalicelib.adapters import storage
from chalicelib.adapters.spreadsheet import XLSX, build_xlsx
from chalicelib.domain.records import Export
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Stage
from chalicelib.services import numbers

LEDGER = [
    "实验区",
    "学年",
    "基础名额",
    "奖励名额",
    "已申请",
    "已分配批次",
    "已分配名额",
    "已填报",
    "剩余名额",
]
SUPPLY = ["学段", "批次", "名额", "申请名额", "已分配批次", "已分配名额"]
FUNNEL = ["环节", "人数"]


def build(export: Export) -> str:
    ledger = [
        [
            r.region_name,
            r.academic_year,
            r.base_places,
            r.reward_places,
            r.asked,
            r.allocated_batches,
            r.allocated_seats,
            r.seated,
            r.remaining,
        ]
        for r in numbers.ledger(export.programme_id, export.region_id)
    ]
    supply = [
        [
            STAGE_NAMES_ZH[Stage(r.stage)],
            r.batches,
            r.seats,
            r.asked,
            r.allocated_batches,
            r.allocated_seats,
        ]
        for r in numbers.supply(export.programme_id)
    ]
    funnel = [[s.label, s.count] for s in numbers.funnel(export.programme_id, export.region_id)]
    key = f"exports/{export.export_id}.xlsx"
    sheets = [("名额台账", LEDGER, ledger), ("供需", SUPPLY, supply), ("项目漏斗", FUNNEL, funnel)]
    storage.put_object(key, build_xlsx(sheets), XLSX)
    return key
