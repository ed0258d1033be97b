"""Uploads, artifacts, the showcase and the yearbook (issue: artifacts). The batch runs
9/07–9/18 (Shanghai); the outcome window is 90 days after it."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import requests
from PIL import Image

from chalicelib.adapters import clock
from chalicelib.adapters.aws import client as aws
from chalicelib.config import settings
from chalicelib.db.models import ArtifactVersionModel, UploadModel
from chalicelib.jobs import JOBS
from tests.builders import png
from tests.integration.conftest import PROGRAMME, STRONG, Api, base_body, error_of, region_body

pytestmark = pytest.mark.integration

A, BASE_PHONE, T1, T2 = "13900000001", "13700000001", "13600000001", "13600000002"
IN_SESSION = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 29.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A 20,000 x 20,000 1-bit PNG of a few kilobytes: decoding it would take 400 M pixels."""
    raw = zlib.compress(b"\x00" * (side // 8 + 1) * side, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    return world(api, admin)


def world(api: Api, admin: str) -> dict:
    """A programme, a primary base, a region whose batch (9/07–9/18) has two confirmed
    trainees with their passwords changed, and the base contact ready."""
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body(BASE_PHONE, ["primary"])).data["base_id"]
    region = api.call("POST", "/regions", admin, region_body(A)).data["region_id"]
    contact = api.ready_token(A)
    api.call(
        "POST",
        f"/programmes/{pid}/demands",
        contact,
        {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]},
    )
    batch = api.call(
        "POST",
        f"/programmes/{pid}/batches",
        admin,
        {
            "base_id": base,
            "stage": "primary",
            "start_date": "2026-09-07",
            "end_date": "2026-09-18",
            "study_type": "placement",
        },
    ).data["batch_id"]
    api.call("PUT", f"/batches/{batch}/region", admin, {"region_id": region})
    for n, phone in enumerate((T1, T2), 1):
        api.call(
            "POST",
            f"/batches/{batch}/trainees",
            contact,
            {
                "name": f"学员{n}",
                "gender": "female",
                "phone": phone,
                "unit": "南沙小学",
                "team_role": "leader" if n == 1 else "member",
            },
        )
    api.call("POST", f"/batches/{batch}/roster/confirm", contact)
    api.ready_token(T1, "Trainee-Secret-1")
    api.ready_token(T2, "Trainee-Secret-2")
    api.ready_token(BASE_PHONE, "Base-Secret-1")
    return {"pid": pid, "batch": batch, "base": base, "region": region}


def at(api: Api, moment: datetime) -> dict[str, str]:
    """Move the clock and log everyone in again (sessions last 12 hours)."""
    clock.set_now(moment)
    return {
        "t1": api.login(T1, "Trainee-Secret-1").data["token"],
        "t2": api.login(T2, "Trainee-Secret-2").data["token"],
        "admin": api.login("13800000000", STRONG).data["token"],
        "contact": api.login(A, STRONG).data["token"],
        "base": api.login(BASE_PHONE, "Base-Secret-1").data["token"],
    }


def upload(
    api: Api, token: str, data: bytes, content_type: str = "image/png", declared: int | None = None
) -> tuple[str, requests.Response]:
    size = len(data) if declared is None else declared  # a client may lie about the size
    started = api.call("POST", "/uploads", token, {"content_type": content_type, "size": size})
    assert started.status_code == 201, started.data
    posted = requests.post(
        started.data["url"],
        data=started.data["fields"],
        files={"file": ("image", data, content_type)},
        timeout=30,
    )
    return started.data["upload_id"], posted


def s3_event(api: Api, upload_id: str) -> None:
    """What S3 tells the queue when the object lands, handed to the on_s3_event Lambda."""
    key = UploadModel.get(upload_id).s3_key
    body = json.dumps({"Records": [{"eventName": "ObjectCreated:Post", "s3": {"object": {"key": key}}}]})
    api.client.lambda_.invoke("on_s3_event", api.client.events.generate_sqs_event([body]))


def test_upload_is_a_presigned_post_bounded_by_size_and_type(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    r = api.call("POST", "/uploads", tokens["t1"], {"content_type": "image/png", "size": 1000})
    policy = json.loads(base64.b64decode(r.data["fields"]["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert r.data["fields"]["key"].startswith(
        f"uploads/{api.login(T1, 'Trainee-Secret-1').data['account_id']}/"
    )
    assert r.data["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    big = api.call(
        "POST", "/uploads", tokens["t1"], {"content_type": "image/png", "size": 10 * 1024 * 1024 + 1}
    )
    assert big.status_code == 413 and big.data["error"]["code"] == "upload_too_large"
    svg = api.call("POST", "/uploads", tokens["t1"], {"content_type": "image/svg+xml", "size": 100})
    assert svg.status_code == 422 and "content_type" in svg.data["error"]["fields"]


def test_an_upload_whose_image_never_lands_is_settled_as_expired(api: Api, w: dict) -> None:
    # Given an upload started and never posted, and one posted a moment later
    tokens = at(api, IN_SESSION)
    started = api.call("POST", "/uploads", tokens["t1"], {"content_type": "image/png", "size": 1000})
    abandoned = started.data["upload_id"]
    # When the sweep runs within the POST's validity, the first stays pending
    assert JOBS["uploads"]() == {"checked": 0}
    assert UploadModel.get(abandoned).status == "pending"
    # When it runs well after the POST expired
    clock.advance(timedelta(minutes=16))
    JOBS["uploads"]()
    # Then it is settled as expired, out of the sweep's way
    stored = UploadModel.get(abandoned)
    assert (stored.status, stored.reason, stored.pending) == ("rejected", "expired", None)
    # And an image that does land later is still checked and made ready
    late, posted = upload(api, tokens["t1"], png())
    assert posted.status_code == 204
    assert JOBS["uploads"]() == {"checked": 1}
    assert UploadModel.get(late).status == "ready"


def test_clean_image_has_no_exif_and_is_ready(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    upload_id, posted = upload(api, tokens["t1"], jpeg_with_gps(), "image/jpeg")
    assert posted.status_code in (200, 204)
    s3_event(api, upload_id)
    item = UploadModel.get(upload_id)
    assert item.status == "ready" and (item.width, item.height) == (40, 30)
    clean = aws("s3").get_object(Bucket=settings().bucket, Key=item.clean_key)["Body"].read()
    assert len(Image.open(io.BytesIO(clean)).getexif()) == 0
    assert b"PhoneMaker" not in clean
    # The raw upload is gone: only the clean copy is kept
    assert aws("s3").list_objects_v2(Bucket=settings().bucket, Prefix="uploads/").get("KeyCount", 0) == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><script>alert(1)</script></html>", "not_an_image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "not_an_image"),
        (png_bomb(), "too_many_pixels"),
        (png()[:60], "broken_image"),
        # Past the POST policy's 10 MB (S3 refuses it; moto does not, so the check must)
        (png() + bytes(10 * 1024 * 1024), "too_large"),
    ],
)
def test_bad_files_are_rejected_and_quarantined(api: Api, w: dict, data: bytes, reason: str) -> None:
    tokens = at(api, IN_SESSION)
    upload_id, _ = upload(api, tokens["t1"], data, declared=min(len(data), 1000))  # named .png, image/png
    s3_event(api, upload_id)
    item = UploadModel.get(upload_id)
    assert (item.status, item.reason) == ("rejected", reason)
    keys = [o["Key"] for o in aws("s3").list_objects_v2(Bucket=settings().bucket).get("Contents", [])]
    assert f"quarantine/{upload_id}" in keys and item.s3_key not in keys
    r = api.call(
        "POST",
        "/artifacts",
        tokens["t1"],
        {
            "batch_id": w["batch"],
            "kind": "reflection",
            "title": "x",
            "body": "<p>x</p>",
            "image_ids": [upload_id],
        },
    )
    assert r.status_code == 422 and "image_ids" in r.data["error"]["fields"]


def _reflection(batch: str, **extra: object) -> dict:
    return {
        "batch_id": batch,
        "kind": "reflection",
        "title": "研修报告",
        "body": "<p>今天听了三节课。</p>",
        **extra,
    }


def test_reflection_with_image_is_sanitised_and_listed(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    image, _ = upload(api, tokens["t1"], png())
    s3_event(api, image)
    other_image, _ = upload(api, tokens["t2"], png())
    s3_event(api, other_image)
    body = (
        f'<p onclick="steal()">收获<script>alert(1)</script><a href="javascript:alert(1)">链接</a>'
        f'<img src="upload:{image}" onerror="x()"><img src="upload:{other_image}"><img src="https://evil.example/x"></p>'
    )
    r = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], body=body, image_ids=[image]))
    assert r.status_code == 201, r.data
    stored = r.data["body"]
    for bad in ("script", "onclick", "onerror", "javascript:", "evil.example", other_image):
        assert bad not in stored
    assert r.data["images"][0]["upload_id"] == image
    assert requests.get(r.data["images"][0]["url"], timeout=10).content[:8] == b"\x89PNG\r\n\x1a\n"
    mine = api.call("GET", "/me/artifacts", tokens["t1"]).data["items"]
    assert [
        (m["programme_name"], m["title"], m["kind_name"], m["start_date"], m["end_date"]) for m in mine
    ] == [(PROGRAMME["name"], "研修报告", "心得体会", "2026-09-07", "2026-09-18")]


def test_artifact_validation(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    ok = api.call(
        "POST", "/artifacts", tokens["t1"], _reflection(w["batch"], body="<p>" + "字" * 10_000 + "</p>")
    )
    assert ok.status_code == 201
    cases = [
        (_reflection(w["batch"], body="<p>" + "字" * 10_001 + "</p>"), 422, "body"),
        (_reflection(w["batch"], title=""), 422, "title"),
        (_reflection(w["batch"], title="题" * 101), 422, "title"),
        (_reflection(w["batch"], kind="diary"), 422, "kind"),
        (_reflection(w["batch"], image_ids=["f" * 32]), 422, "image_ids"),
        # ~120 KB of links whose "&" sanitising escapes five-fold: past DynamoDB's item size
        (_reflection(w["batch"], body='<a href="https://x.cn/?' + "&" * 120_000 + '">x</a>'), 422, "body"),
    ]
    for body, status, field in cases:
        r = api.call("POST", "/artifacts", tokens["t1"], body)
        assert r.status_code == status and field in r.data["error"]["fields"], (field, r.data)
    pending, _ = upload(api, tokens["t1"], png())  # landed, but no S3 event yet (not local mode)
    r = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], image_ids=[pending]))
    assert error_of(r) == (422, "validation_failed")
    r = api.call("POST", "/artifacts", tokens["t1"], _reflection("another-batch"))
    assert r.status_code == 404 and r.data["error"]["code"] == "not_on_roster"


def test_outcome_window(api: Api, w: dict) -> None:
    outcome = {"batch_id": w["batch"], "kind": "outcome", "title": "学习成果", "body": "<p>迁移经验</p>"}
    tokens = at(api, datetime(2026, 9, 5, 2, 0, tzinfo=UTC))
    early = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"]))
    assert early.status_code == 409 and early.data["error"]["code"] == "batch_not_started"
    tokens = at(api, datetime(2026, 9, 18, 15, 0, tzinfo=UTC))  # 9/18 23:00 Shanghai: last day
    r = api.call("POST", "/artifacts", tokens["t1"], outcome)
    assert r.status_code == 409 and r.data["error"]["code"] == "outcome_window_closed"
    tokens = at(api, datetime(2026, 9, 18, 16, 0, tzinfo=UTC))  # 9/19 00:00 Shanghai: the day after
    assert api.call("POST", "/artifacts", tokens["t1"], outcome).status_code == 201
    tokens = at(api, datetime(2026, 12, 17, 15, 59, tzinfo=UTC))  # 12/17 23:59: day 90
    assert api.call("POST", "/artifacts", tokens["t1"], outcome).status_code == 201
    tokens = at(api, datetime(2026, 12, 17, 16, 0, tzinfo=UTC))  # 12/18: day 91
    late = api.call("POST", "/artifacts", tokens["t1"], outcome)
    assert late.status_code == 409 and late.data["error"]["code"] == "outcome_window_closed"


def test_modify_keeps_versions_and_refuses_stale_writes(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    created = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"])).data
    aid = created["artifact_id"]
    r = api.call("PATCH", f"/artifacts/{aid}", tokens["t1"], {"version": 1, "title": "修改后的报告"})
    assert r.status_code == 200 and r.data["version"] == 2 and r.data["title"] == "修改后的报告"
    stale = api.call("PATCH", f"/artifacts/{aid}", tokens["t1"], {"version": 1, "title": "另一处修改"})
    assert stale.status_code == 409 and stale.data["error"]["code"] == "stale_version"
    [kept] = list(ArtifactVersionModel.query(aid))
    assert (kept.version, kept.title) == (1, "研修报告")
    other = api.call("PATCH", f"/artifacts/{aid}", tokens["t2"], {"version": 2, "title": "不是我的"})
    assert error_of(other) == (404, "artifact_not_found")


def test_who_sees_what(api: Api, admin: str, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    aid = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"])).data["artifact_id"]
    for who in ("t1", "contact", "base", "admin"):
        assert api.call("GET", f"/artifacts/{aid}", tokens[who]).status_code == 200, who
    api.call("POST", "/regions", tokens["admin"], region_body("13900000009", "另一实验区"))
    other_contact = api.ready_token("13900000009")
    for token in (tokens["t2"], other_contact):
        r = api.call("GET", f"/artifacts/{aid}", token)
        assert r.status_code == 404 and r.data["error"]["code"] == "artifact_not_found"
    assert error_of(api.call("GET", "/artifacts/0123456789abcdef0123456789abcdef", tokens["t1"])) == (
        404,
        "artifact_not_found",
    )


def test_delete_hides_and_the_office_restores_within_30_days(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    aid = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"])).data["artifact_id"]
    assert api.call("DELETE", f"/artifacts/{aid}", tokens["t1"]).status_code == 204
    assert api.call("GET", "/me/artifacts", tokens["t1"]).data["items"] == []
    assert error_of(api.call("GET", f"/artifacts/{aid}", tokens["t1"])) == (404, "artifact_not_found")
    assert api.call("GET", f"/artifacts/{aid}", tokens["admin"]).data["deleted_at"]
    restored = api.call("POST", f"/artifacts/{aid}/restore", tokens["admin"])
    assert restored.status_code == 200 and restored.data["deleted_at"] is None
    assert len(api.call("GET", "/me/artifacts", tokens["t1"]).data["items"]) == 1
    api.call("DELETE", f"/artifacts/{aid}", tokens["t1"])
    tokens = at(api, IN_SESSION + timedelta(days=31))
    late = api.call("POST", f"/artifacts/{aid}/restore", tokens["admin"])
    assert late.status_code == 409 and late.data["error"]["code"] == "restore_window_closed"


def test_showcase_features_and_unfeatures_at_once(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    image, _ = upload(api, tokens["t1"], png())
    s3_event(api, image)
    aid = api.call(
        "POST",
        "/artifacts",
        tokens["t1"],
        _reflection(w["batch"], body=f'<p>课堂观察</p><img src="upload:{image}">', image_ids=[image]),
    ).data["artifact_id"]
    assert error_of(api.call("PUT", f"/artifacts/{aid}/featured", tokens["t1"])) == (403, "forbidden")
    assert api.call("PUT", f"/artifacts/{aid}/featured", tokens["admin"]).status_code == 200
    shown = api.call("GET", f"/showcase?programme_id={w['pid']}").data["items"]  # no token
    [item] = shown
    assert (item["title"], item["author_name"], item["region_name"]) == (
        "研修报告",
        "学员1",
        "广州南沙实验区",
    )
    assert requests.get(item["images"][0]["url"], timeout=10).status_code == 200
    assert 'src="http' in item["body"] and "upload:" not in item["body"]
    assert api.call("GET", "/showcase?programme_id=other").data["items"] == []
    assert api.call("DELETE", f"/artifacts/{aid}/featured", tokens["admin"]).status_code == 200
    assert api.call("GET", "/showcase").data["items"] == []


def test_yearbook_is_built_by_the_job_and_opens(api: Api, w: dict) -> None:
    from docx import Document
    from openpyxl import load_workbook

    tokens = at(api, datetime(2026, 9, 20, 2, 0, tzinfo=UTC))
    image, _ = upload(api, tokens["t1"], png(300, 200))
    s3_event(api, image)
    for token, title in ((tokens["t1"], "课堂教学的迁移"), (tokens["t2"], "教研组建设的实践")):
        r = api.call(
            "POST",
            "/artifacts",
            token,
            {
                "batch_id": w["batch"],
                "kind": "outcome",
                "title": title,
                "body": f'<h2>背景</h2><p>实践。</p><ul><li>一</li></ul><img src="upload:{image}">',
                "image_ids": [image] if token == tokens["t1"] else [],
            },
        )
        assert r.status_code == 201
    assert (
        api.call(
            "POST", f"/programmes/{w['pid']}/exports", tokens["contact"], {"kind": "yearbook"}
        ).status_code
        == 403
    )
    started = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "yearbook"})
    assert started.status_code == 202 and started.data["status"] == "pending"
    assert api.call("GET", f"/exports/{started.data['export_id']}", tokens["admin"]).data["url"] is None
    assert JOBS["exports"]() == {"built": 1}
    ready = api.call("GET", f"/exports/{started.data['export_id']}", tokens["admin"]).data
    assert ready["status"] == "ready"
    document = Document(io.BytesIO(requests.get(ready["url"], timeout=10).content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert (
        "学习成果汇编" in text and "小学" in text and "课堂教学的迁移" in text and "教研组建设的实践" in text
    )
    assert len(document.inline_shapes) == 1
    index = list(
        load_workbook(io.BytesIO(requests.get(ready["index_url"], timeout=10).content)).active.values
    )
    assert index[0][:4] == ("序号", "学段", "研修基地", "标题") and len(index) == 3
    assert JOBS["exports"]() == {"built": 0}


def test_the_batch_archive_lists_what_each_trainee_wrote(api: Api, w: dict) -> None:
    # Given trainee 1 wrote two reflections and deleted one
    tokens = at(api, IN_SESSION)
    kept = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], title="第一天")).data
    gone = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], title="第二天")).data
    assert api.call("DELETE", f"/artifacts/{gone['artifact_id']}", tokens["t1"]).status_code == 204

    def listed(token: str) -> dict[str, list[dict]]:
        rows = api.call("GET", f"/batches/{w['batch']}/archive", token).data["trainees"]
        return {r["name"]: r["artifact_list"] for r in rows}

    # Then the region and base contacts see the kept one, and can open it by its id
    for who in ("contact", "base"):
        seen = [a for items in listed(tokens[who]).values() for a in items]
        assert [(a["artifact_id"], a["title"], a["kind"]) for a in seen] == [
            (kept["artifact_id"], "第一天", "reflection")
        ], who
        assert api.call("GET", f"/artifacts/{kept['artifact_id']}", tokens[who]).status_code == 200
    # And the office sees the deleted one too, marked, and restores it from there
    by_id = {a["artifact_id"]: a for items in listed(tokens["admin"]).values() for a in items}
    assert by_id[gone["artifact_id"]]["deleted_at"] and by_id[kept["artifact_id"]]["deleted_at"] is None
    assert api.call("POST", f"/artifacts/{gone['artifact_id']}/restore", tokens["admin"]).status_code == 200
    assert len([a for items in listed(tokens["contact"]).values() for a in items]) == 2


def test_the_archive_counts_the_trainees_who_uploaded_not_the_pieces(api: Api, w: dict) -> None:
    # Given trainee 1 wrote three pieces (one deleted since) and trainee 2 none
    tokens = at(api, IN_SESSION)
    for title in ("第一天", "第二天", "第三天"):
        made = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], title=title))
        assert made.status_code == 201
    assert api.call("DELETE", f"/artifacts/{made.data['artifact_id']}", tokens["t1"]).status_code == 204
    # When the office and the region contact read the archive
    for who in ("admin", "contact"):
        [row] = api.call("GET", f"/programmes/{w['pid']}/archive", tokens[who]).data["items"]
        detail = api.call("GET", f"/batches/{w['batch']}/archive", tokens[who]).data["batch"]
        # Then the pieces are 2, but the share of trainees who uploaded is one of two
        for summary in (row, detail):
            assert (summary["trainees"], summary["artifacts"]) == (2, 2), who
            assert (summary["uploaders"], summary["upload_rate"]) == (1, 0.5), who
