"""Artifacts over HTTP against the local stack (the issue's acceptance): a real upload to
the presigned POST, a reflection with it, an edit, an outcome refused before the batch
ends, the showcase with a working image URL, and the yearbook built by `yanxiu run-job`."""

from __future__ import annotations

import io

import pytest
import requests
from docx import Document
from PIL import Image

from tests.e2e.conftest import ADMIN_PHONE, Stack

pytestmark = pytest.mark.e2e


def test_upload_write_edit_showcase_and_yearbook(stack: Stack) -> None:
    admin = stack.ready(ADMIN_PHONE, "Office-Secret-2026")
    pid, base, batch, contact = stack.allocated_batch(admin, "延长县", "13900000987", "13700000987")
    stack.call(
        "POST",
        f"/batches/{batch}/trainees",
        contact,
        {
            "name": "孙老师",
            "gender": "female",
            "phone": "13500000987",
            "unit": "延长小学",
            "team_role": "leader",
        },
    )
    stack.call("POST", f"/batches/{batch}/roster/confirm", contact)
    trainee = stack.ready("13500000987", "Trainee-Secret-2026")

    # A real upload to the presigned POST
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 128, 0)).save(picture, "PNG")
    started = stack.call(
        "POST", "/uploads", trainee, {"content_type": "image/png", "size": len(picture.getvalue())}
    )
    assert started.status_code == 201
    posted = requests.post(
        started.json()["url"],
        data=started.json()["fields"],
        files={"file": ("photo.png", picture.getvalue(), "image/png")},
        timeout=30,
    )
    assert posted.status_code in (200, 204)
    image = started.json()["upload_id"]
    # A reflection with it (local mode checks the image now, as the S3 event would)
    created = stack.call(
        "POST",
        "/artifacts",
        trainee,
        {
            "batch_id": batch,
            "kind": "reflection",
            "title": "第一周心得",
            "body": f'<p>听课收获</p><img src="upload:{image}">',
            "image_ids": [image],
        },
    )
    assert created.status_code == 201, created.json()
    artifact = created.json()["artifact_id"]
    edited = stack.call(
        "PATCH", f"/artifacts/{artifact}", trainee, {"version": 1, "title": "第一周心得（修改）"}
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    early = stack.call(
        "POST",
        "/artifacts",
        trainee,
        {"batch_id": batch, "kind": "outcome", "title": "成果", "body": "<p>x</p>"},
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "outcome_window_closed"
    # The office features it: the showcase shows it with a working image URL
    assert stack.call("PUT", f"/artifacts/{artifact}/featured", admin).status_code == 200
    [item] = requests.get(f"{stack.url}/showcase", params={"programme_id": pid}, timeout=30).json()["items"]
    assert item["title"] == "第一周心得（修改）"
    got = requests.get(item["images"][0]["url"], timeout=30)
    assert got.status_code == 200 and Image.open(io.BytesIO(got.content)).size == (64, 48)
    # The yearbook: requested, built by the job, downloaded, opened
    export = stack.call("POST", f"/programmes/{pid}/exports", admin, {"kind": "yearbook"}).json()
    stack.run_job("exports")
    ready = stack.call("GET", f"/exports/{export['export_id']}", admin).json()
    assert ready["status"] == "ready"
    document = Document(io.BytesIO(requests.get(ready["url"], timeout=30).content))
    assert any("学习成果汇编" in p.text for p in document.paragraphs)
