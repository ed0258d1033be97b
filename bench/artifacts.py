"""Figure 8: the artifact routes' DynamoDB calls and the yearbook's build time, in-process
under moto with bench.routes' set-up, counted as figure 2's are (bench/calls.py).

The world, through the API as tests/integration/test_artifacts.py's fixture `w` builds it:
the admin creates a programme, a base and a region; the region's contact logs in, changes
the password and submits a demand; the admin creates a batch (primary, 9/07–9/18) and
allocates it with PUT /batches/{id}/region; the contact adds two trainees (a leader and a
member) and confirms the roster; the first trainee logs in with the SMS password and
changes it. Then the clock moves into the batch (everyone logs in again: sessions last
12 h) and the trainee writes reflections through POST /artifacts:

- GET /me/artifacts?limit=100 (a warm request) with FEW and with MANY of them;
- GET /showcase (no token, a warm request) after the admin features SHOWN of them.

For the yearbook the clock moves past the batch's end; OUTCOMES outcomes are written
directly, as chalicelib.db.artifacts.create writes their items (see _outcomes), spread over
STAGES x BASES sections, about 1,000 characters each, every IMAGE_EVERY-th with one PNG
whose clean copy is put in moto's S3 under clean/<upload id>. The admin requests the
yearbook with POST /programmes/{id}/exports; chalicelib.services.yearbook.build(export),
the exports job's own call (Query, .docx, .xlsx index, both put to S3), is timed RUNS times
(wall clock), and the .docx it wrote is measured and opened."""

from __future__ import annotations

import io
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.calls import Call, Recorder, describe, operations
from bench.moto_patches import moto_time
from bench.routes import ADMIN_PHONE, BASE, PROGRAMME, STRONG, Api, app_under_moto, quiet, ready_token
from bench.table import Row

FEW, MANY = 10, 100
SHOWN = 20
OUTCOMES = 500
IMAGE_EVERY = 25  # 20 of the 500 outcomes carry one image
STAGES = ("primary", "junior")
BASES = 10  # base names in the yearbook: STAGES x BASES sub-sections
RUNS = 3
WARMUP = 3

CONTACT, T1, T2 = "13900000001", "13600000001", "13600000002"
IN_SESSION = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)  # 9/08 10:00 Shanghai, day 2 of the batch
AFTER = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)  # 3 weeks after the batch: in the outcome window
REFLECTION = "<p>今天听了三节课，观察了基地学校的集体备课和课后教研，收获很多。</p>"
# Outcome text is drawn from these common characters with a fixed seed, so that the .docx
# (a zip) compresses it as it would real prose, not a repeated sentence.
COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点"
    "从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原"
    "又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革"
    "位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强"
    "放决西被干做必战先回则任取据处理府研究教师课堂观察备课作业评价学生校园基地实践反思成长合作交流"
)


def _png(seed: int) -> bytes:
    """A small photo-like PNG, 300 x 200: a gradient with 30 % noise (a one-colour PNG would
    shrink to nothing), different for each seed (python-docx stores identical pictures once)."""
    from PIL import Image

    size = (300, 200)
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    Image.blend(gradient, noise, 0.3).save(out, "PNG")
    return out.getvalue()


def _body(n: int, image_id: str | None) -> str:
    """About 1,000 characters: the headings, paragraphs and list an outcome report has."""
    rng = random.Random(n)

    def text(length: int) -> str:
        return "".join(rng.choice(COMMON) for _ in range(length))

    parts = [
        "<h2>背景</h2>",
        f"<p>{text(230)}。</p>",
        "<h2>实践</h2>",
        f"<p>{text(230)}。</p>",
        f"<ul><li>{text(20)}</li><li>{text(20)}</li><li>{text(20)}</li></ul>",
        f"<p>{text(230)}。</p>",
    ]
    if image_id:
        parts.append(f'<img src="upload:{image_id}">')
    parts.append(f"<p>{text(230)}。</p>")
    return "".join(parts)


def _login(api: Api, phone: str) -> str:
    return api.expect(200, "POST", "/auth/login", body={"phone": phone, "password": STRONG})["token"]


def _setup(api: Api) -> dict[str, str]:
    """Fixture `w`'s world (one region, one base, one batch of two trainees, confirmed)."""
    admin = ready_token(api, ADMIN_PHONE)
    pid = api.expect(201, "POST", "/programmes", admin, PROGRAMME)["programme_id"]
    base = api.expect(201, "POST", "/bases", admin, BASE)["base_id"]
    region_body = {
        "name": "广州南沙实验区",
        "contact": {"name": "李老师", "phone": CONTACT, "email": "li@example.cn"},
    }
    region = api.expect(201, "POST", "/regions", admin, region_body)["region_id"]
    contact = ready_token(api, CONTACT)
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    api.expect(201, "POST", f"/programmes/{pid}/demands", contact, demand)
    batch_body = {
        "base_id": base,
        "stage": "primary",
        "start_date": "2026-09-07",
        "end_date": "2026-09-18",
        "study_type": "placement",
    }
    batch = api.expect(201, "POST", f"/programmes/{pid}/batches", admin, batch_body)["batch_id"]
    api.expect(200, "PUT", f"/batches/{batch}/region", admin, {"region_id": region})
    for n, phone in enumerate((T1, T2), 1):
        trainee = {
            "name": f"学员{n}",
            "gender": "female",
            "phone": phone,
            "unit": "南沙小学",
            "team_role": "leader" if n == 1 else "member",
        }
        api.expect(201, "POST", f"/batches/{batch}/trainees", contact, trainee)
    api.expect(200, "POST", f"/batches/{batch}/roster/confirm", contact)
    ready_token(api, T1)
    return {"pid": pid, "batch": batch}


def _reflections(api: Api, token: str, batch: str, upto: int, have: int) -> list[str]:
    ids = []
    for n in range(have + 1, upto + 1):
        body = {"batch_id": batch, "kind": "reflection", "title": f"研修心得{n}", "body": REFLECTION}
        ids.append(api.expect(201, "POST", "/artifacts", token, body)["artifact_id"])
    return ids


def _recorded(recorder: Recorder, api: Api, path: str, token: str | None) -> tuple[list[Call], Any]:
    for _ in range(WARMUP):
        api.expect(200, "GET", path, token)
    with recorder.recording() as calls:
        answer = api.expect(200, "GET", path, token)
    return calls, answer


def _check(what: str, got: Any, expected: Any) -> None:
    if got != expected:
        raise SystemExit(f"bench: {what}: {got!r}, expected {expected!r}")


def _outcomes(pid: str, batch: str, trainee_id: str, author_id: str) -> tuple[int, int]:
    """OUTCOMES outcomes, written as the data layer's create writes them (its item: the same
    keys and index attributes), with BatchWriteItem: create()'s transaction also moves the
    trainee's and batch's counters, which the yearbook does not read, and moto copies every
    table a transaction touches, so 500 of them take ~20 s. Returns (pictures, their bytes)."""
    from chalicelib.adapters import storage
    from chalicelib.adapters.secrets import new_id
    from chalicelib.db import artifacts
    from chalicelib.db.models import ArtifactModel
    from chalicelib.domain.records import Artifact
    from chalicelib.services.uploads import clean_key

    images, image_bytes = 0, 0
    items = []
    for n in range(OUTCOMES):
        image_id = None
        if n % IMAGE_EVERY == 0:
            image_id = new_id()
            png = _png(n)
            storage.put_object(clean_key(image_id), png, "image/png")
            images, image_bytes = images + 1, image_bytes + len(png)
        at = AFTER + timedelta(minutes=n)
        stage = STAGES[n % len(STAGES)]
        base = n // len(STAGES) % BASES
        items.append(
            Artifact(
                artifact_id=new_id(),
                author_id=author_id,
                author_name=f"研修{n:03d}",
                trainee_id=trainee_id,
                batch_id=batch,
                programme_id=pid,
                programme_name=PROGRAMME["name"],
                region_id="r",
                region_name=f"实验区{n % 40:02d}",
                base_id=f"base{base:02d}",
                base_name=f"研修基地{base:02d}",
                stage=stage,
                start_date=datetime(2026, 9, 7).date(),
                end_date=datetime(2026, 9, 18).date(),
                kind="outcome",
                title=f"学习成果{n:03d}：课堂教学的迁移与实践",
                body=_body(n, image_id),
                image_ids=(image_id,) if image_id else (),
                version=1,
                created_at=at,
                updated_at=at,
            )
        )
    with ArtifactModel.batch_write() as batch_write:
        for item in items:
            batch_write.save(artifacts._item(item))
    return images, image_bytes


def _yearbook(recorder: Recorder, api: Api, pid: str, batch: str, account_id: str) -> dict[str, Any]:
    from docx import Document  # before the runs: each is a warm build

    from chalicelib.adapters.aws import client
    from chalicelib.config import settings
    from chalicelib.db import exports, trainees
    from chalicelib.services import exports as export_service
    from chalicelib.services import yearbook

    [trainee] = [t for t in trainees.of_account(account_id) if t.batch_id == batch]
    images, image_bytes = _outcomes(pid, batch, trainee.trainee_id, account_id)
    admin = _login(api, ADMIN_PHONE)
    requested = api.expect(202, "POST", f"/programmes/{pid}/exports", admin, {"kind": "yearbook"})
    export_id = requested["export_id"]
    export = exports.get(export_id)
    assert export is not None
    seconds, cpus, in_motos = [], [], []
    kept: list[Call] = []
    for _ in range(RUNS):
        with recorder.recording() as calls, moto_time() as in_moto:
            started, cpu = time.perf_counter(), time.process_time()
            yearbook.build(export)
            seconds.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        in_motos.append(in_moto[0])
        kept = calls  # the last run's
    export_service.build(export)  # the job's own path: leased, built once more, marked ready
    ready = exports.get(export_id)
    assert ready is not None
    _check("yearbook export", (ready.status, ready.s3_key), ("ready", f"exports/{export_id}.docx"))
    document = client("s3").get_object(Bucket=settings().bucket, Key=ready.s3_key)["Body"].read()
    size = len(document)
    opened = Document(io.BytesIO(document))
    _check("pictures in the yearbook", len(opened.inline_shapes), images)
    return {
        "seconds": seconds,
        "cpu": statistics.median(cpus),
        "in_moto": statistics.median(in_motos),
        "size": size,
        "images": images,
        "image_bytes": image_bytes,
        "calls": kept,
    }


def _run(recorder: Recorder) -> tuple[dict[str, Any], str]:
    from chalicelib.adapters import clock

    with app_under_moto() as (api, prefix):
        w = _setup(api)
        clock.set_now(IN_SESSION)
        t1 = _login(api, T1)
        account_id = api.expect(200, "GET", "/me", t1)["account_id"]
        mine = "/me/artifacts?limit=100"
        ids = _reflections(api, t1, w["batch"], FEW, 0)
        out: dict[str, Any] = {}
        out["few"], answer = _recorded(recorder, api, mine, t1)
        _check(f"/me/artifacts with {FEW}", len(answer["items"]), FEW)
        ids += _reflections(api, t1, w["batch"], MANY, FEW)
        out["many"], answer = _recorded(recorder, api, mine, t1)
        _check(f"/me/artifacts with {MANY}", len(answer["items"]), MANY)
        admin = _login(api, ADMIN_PHONE)
        for artifact_id in ids[:SHOWN]:
            api.expect(200, "PUT", f"/artifacts/{artifact_id}/featured", admin)
        out["showcase"], answer = _recorded(recorder, api, "/showcase", None)
        _check("showcase items", len(answer["items"]), SHOWN)
        clock.set_now(AFTER)
        out["yearbook"] = _yearbook(recorder, api, w["pid"], w["batch"], account_id)
    return out, prefix


def measure(recorder: Recorder) -> list[Row]:
    with quiet():
        out, prefix = _run(recorder)

    def note(calls: list[Call], extra: str) -> str:
        return f"{describe(calls, prefix)} ({extra})"

    few, many = out["few"], out["many"]
    same = [c.operation for c in few] == [c.operation for c in many]
    verdict = f"{'same' if same else 'NOT the same'} at {FEW} and {MANY}"
    rows = [
        Row(
            f"DynamoDB calls GET /me/artifacts, {n} artifacts",
            operations(calls),
            "2: GetItem session + one Query; same at 10 and 100",
            note(calls, f"?limit=100, all {n} in one page; a warm request; {verdict}"),
        )
        for n, calls in ((FEW, few), (MANY, many))
    ]
    rows.append(
        Row(
            f"DynamoDB calls GET /showcase, {SHOWN} featured",
            operations(out["showcase"]),
            "1: one Query (public: no session)",
            note(out["showcase"], f"no token; {SHOWN} of {MANY} reflections featured; a warm request"),
        )
    )
    book = out["yearbook"]
    seconds = book["seconds"]
    runs = ", ".join(f"{s:.2f}" for s in seconds)
    rows.append(
        Row(
            f"yearbook build(), {OUTCOMES} outcomes",
            f"{statistics.median(seconds):.2f} s",
            "-",
            f"median of {RUNS} runs ({runs} s; python-docx imported before them); median CPU "
            f"{book['cpu']:.2f} s, {book['in_moto']:.2f} s (wall) inside moto (S3 reads, puts, Query); "
            f"~1,000 characters each, {book['images']} with a 300x200 PNG read from S3; "
            f"{len(STAGES)} stages x {BASES} bases; the .xlsx index too; "
            f"DynamoDB: {describe(book['calls'], prefix)}",
        )
    )
    rows.append(
        Row(
            f"yearbook .docx size, {OUTCOMES} outcomes",
            f"{book['size'] / 1024 / 1024:.2f} MiB",
            "-",
            f"{book['size']:,} bytes; {book['images']} pictures embedded (checked by opening it), "
            f"{book['image_bytes'] / 1024:,.0f} KiB of PNG in all",
        )
    )
    return rows
