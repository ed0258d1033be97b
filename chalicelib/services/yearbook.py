"""The yearbook (汇编成册): a programme's outcomes by stage and base, as one .docx with an
.xlsx index, built by the exports job (services/exports.py; not inside an API request)."""

from __future__ import annotations

from itertools import groupby

from chalicelib.adapters import clock, storage
from chalicelib.adapters.document import DOCX, Entry, Section, build_yearbook
from chalicelib.adapters.spreadsheet import XLSX, build_xlsx
from chalicelib.db import artifacts, catalog
from chalicelib.domain.artifacts import MAX_IMAGE_BYTES
from chalicelib.domain.records import Artifact, Export
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Stage
from chalicelib.observability import logger
from chalicelib.services.uploads import clean_key

STAGE_ORDER = {s.value: i for i, s in enumerate(Stage)}


def sections(outcomes: list[Artifact]) -> list[Section]:
    ordered = sorted(outcomes, key=lambda a: (STAGE_ORDER.get(a.stage, 9), a.base_name, a.created_at))
    out = []
    for stage, by_stage in groupby(ordered, key=lambda a: a.stage):
        subsections = []
        for base, by_base in groupby(by_stage, key=lambda a: a.base_name):
            entries = [
                Entry(
                    a.title,
                    f"{a.author_name}（{a.region_name}）  研修日期 {a.start_date}至{a.end_date}",
                    a.body,
                )
                for a in by_base
            ]
            subsections.append((base, entries))
        out.append(Section(STAGE_NAMES_ZH.get(Stage(stage), stage), subsections))
    return out


def index_rows(outcomes: list[Artifact]) -> list[list[object]]:
    ordered = sorted(outcomes, key=lambda a: (STAGE_ORDER.get(a.stage, 9), a.base_name, a.created_at))
    return [
        [
            n,
            STAGE_NAMES_ZH.get(Stage(a.stage), a.stage),
            a.base_name,
            a.title,
            a.author_name,
            a.region_name,
            a.created_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d"),
        ]
        for n, a in enumerate(ordered, 1)
    ]


def build(export: Export) -> str:
    """The programme's outcomes as a .docx and its .xlsx index in S3; the .docx's key."""
    programme = catalog.get_programme(export.programme_id)
    if programme is None:
        raise LookupError("programme_not_found")
    outcomes = artifacts.outcomes(programme.programme_id)
    document = build_yearbook(
        f"{programme.name}\n学习成果汇编",
        f"共 {len(outcomes)} 篇 · {clock.now().astimezone(clock.SHANGHAI):%Y年%m月}",
        sections(outcomes),
        lambda upload_id: storage.read(clean_key(upload_id), MAX_IMAGE_BYTES),
    )
    key = f"exports/{export.export_id}.docx"
    storage.put_object(key, document, DOCX)
    headers = ["序号", "学段", "研修基地", "标题", "作者", "实验区", "上传日期"]
    storage.put_object(
        key.replace(".docx", "-index.xlsx"), build_xlsx([("成果索引", headers, index_rows(outcomes))]), XLSX
    )
    logger.info("yearbook built", extra={"export_id": export.export_id, "outcomes": len(outcomes)})
    return key
