"""The 训后调查's results as an .xlsx (an export kind, services/exports.py): the response
rate, each choice and scale question's counts with a bar chart beside them, and the text
answers on their own sheet, for the export's scope (every county, or one)."""

from __future__ import annotations

from chalicelib.adapters import storage
from chalicelib.adapters.spreadsheet import XLSX, ChartBlock, build_charted
from chalicelib.domain.records import Export
from chalicelib.services.survey import tally_of


def build(export: Export) -> str:
    results = tally_of(export.programme_id, export.region_id)
    rate = results["response_rate"]
    summary = [
        ["回收份数", results["responses"]],
        ["参训人数", results["enrolled"]],
        ["回收率", f"{round(rate * 100, 1)}%" if rate is not None else "—"],
    ]
    blocks = []
    texts = []
    for n, q in enumerate(results["questions"], 1):
        title = f"{n}. {q['text']}" + (f"（均分 {q['mean']}）" if q.get("mean") is not None else "")
        if "counts" in q:
            blocks.append(ChartBlock(title, list(q["counts"].items())))
        for text in q.get("texts", []):
            texts.append([title, text])
    key = f"exports/{export.export_id}.xlsx"
    storage.put_object(key, build_charted("调查结果", summary, blocks, texts), XLSX)
    return key
