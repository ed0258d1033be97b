"""The county achievement book (区县成果册): a county's workshops, each with its 研修主题 and
行动方案, its 简报 and its 优秀成果集 (foreword and the picked, graded submissions, with
their images), as one .docx with a table of contents, like the yearbook (adapters/document.py),
built by the exports job."""

from __future__ import annotations

import html

from chalicelib.adapters import clock, storage
from chalicelib.adapters.document import DOCX, Entry, Section, build_yearbook
from chalicelib.db import catalog, workshop_activities, workshop_assignments
from chalicelib.db import workshops as store
from chalicelib.domain.artifacts import MAX_IMAGE_BYTES
from chalicelib.domain.records import Export
from chalicelib.domain.vocab import STAGE_NAMES_ZH, SUBJECT_NAMES_ZH, Stage, Subject
from chalicelib.domain.workshops import Workshop
from chalicelib.observability import logger
from chalicelib.services.uploads import clean_key


def _paragraphs(text: str) -> str:
    """Plain text (a plan, a foreword) as the paragraphs the document builder reads."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def _section(w: Workshop) -> Section:
    stage = STAGE_NAMES_ZH.get(Stage(w.stage), w.stage)
    subject = SUBJECT_NAMES_ZH.get(Subject(w.subject), w.subject)
    plan = [
        Entry(
            w.theme or "（未填写研修主题）",
            f"{stage}{subject} · 主持人 {w.host_name}",
            _paragraphs(w.plan or ""),
        )
    ]
    briefings = [
        Entry(b.title, b.created_at.astimezone(clock.SHANGHAI).strftime("%Y年%m月%d日"), b.body)
        for b in sorted(workshop_activities.briefings(w.workshop_id), key=lambda b: b.created_at)
    ]
    titles = {a.assignment_id: a.title for a in workshop_assignments.assignments(w.workshop_id)}
    picked = {s.submission_id: s for s in workshop_assignments.all_submissions(w.workshop_id)}
    collection = [Entry("前言", "", _paragraphs(w.foreword))] if w.foreword else []
    collection += [
        Entry(titles.get(s.assignment_id, "作业"), f"{s.author_name} · {s.score} 分", s.body)
        for s in (picked[i] for i in w.collection if i in picked)
    ]
    return Section(
        w.name,
        [("研修主题与行动方案", plan), ("工作坊简报", briefings), ("优秀成果集", collection)],
    )


def build(export: Export) -> str:
    programme = catalog.get_programme(export.programme_id)
    region = catalog.get_region(export.region_id or "")
    if programme is None or region is None:
        raise LookupError("programme_or_region_not_found")
    workshops = sorted(
        store.of_programme(programme.programme_id, region.region_id), key=lambda w: w.created_at
    )
    document = build_yearbook(
        f"{programme.name}\n{region.name}成果册",
        f"共 {len(workshops)} 个工作坊 · {clock.now().astimezone(clock.SHANGHAI):%Y年%m月}",
        [_section(w) for w in workshops],
        lambda upload_id: storage.read(clean_key(upload_id), MAX_IMAGE_BYTES),
    )
    key = f"exports/{export.export_id}.docx"
    storage.put_object(key, document, DOCX)
    logger.info("county book built", extra={"export_id": export.export_id, "workshops": len(workshops)})
    return key
