"""Figure 11: the 国培 学员信息表 import (issue 11), side by side in one run.

- parse + validate + write of 10,000 rows, python-calamine (what the service reads with)
  against openpyxl's read-only mode (what it would otherwise use): each reader parses the same
  10,000-row .xlsx (the template's layout, as openpyxl writes it), the same domain code finds
  the headers and checks every row, and the same commit path writes the people (each ID
  sealed and digested, the places reserved, chunks of 49 rows a transaction, in-process moto
  with the bench's lean transactions). Each reader writes into its own programme, so both
  write the same 10,000 new people. Times are wall seconds of one run each (the write is
  mostly moto's).
- DynamoDB calls per 1,000 rows committed: POST /enrolment-imports/{id}/commit of a
  1,000-row file through the app, counted as in figure 2, by operation, with the preview's
  calls beside it.
- a 340-person county's confirmation (POST /programmes/{id}/enrolment/confirm): its DynamoDB
  calls by operation and its SNS publishes (the first SEND_IN_REQUEST credentials; the rest
  wait in the outbox for its drain), and the median time of CONFIRM_RUNS counties.
- peak memory: a fresh interpreter per reader reads and checks the 10,000-row file; the peak
  resident set (Linux's VmHWM, reset just before the read) and what the read added to the
  resident set before it (calamine allocates in Rust, which tracemalloc cannot see). Target:
  well under the API function's 512 MB.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.calls import Recorder
from bench.env import ROOT, test_environment
from bench.moto_patches import lean_transactions
from bench.routes import ADMIN_PHONE, app_under_moto, quiet, ready_token
from bench.table import Row

ROWS = 10_000
COMMIT_ROWS = 1_000
CONFIRM_PEOPLE = 340  # 绥德县's places
CONFIRM_RUNS = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHILD = """
import datetime, io, json, sys, time
sys.path.insert(0, {root!r})
data = open({path!r}, "rb").read()
import python_calamine, openpyxl  # both loaded either way: only the read differs
from chalicelib.adapters import sheet_reader
from chalicelib.domain import enrolment_sheet as sheet

def read(reader):
    if reader == "calamine":
        return sheet_reader.read(data).rows
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB

loaded = status("VmRSS")
open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from now
started = time.perf_counter()
grid = read({reader!r})
layout = sheet.find_layout(grid)
checked = sheet.check_rows(sheet.data_rows(grid, layout), "绥德县", datetime.date(2026, 11, 2))
took = time.perf_counter() - started
peak = status("VmHWM")
print(json.dumps({{"loaded": loaded, "peak": peak, "people": len(checked.people), "seconds": took}}))
"""


def read_with(reader: str, data: bytes) -> list[list[Any]]:
    """A grid of the file's first visible sheet, by either reader."""
    if reader == "calamine":
        from chalicelib.adapters import sheet_reader

        return sheet_reader.read(data).rows
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def people_file(count: int, first: int = 1) -> bytes:
    from tests.guopei_people import grid, person, xlsx

    return xlsx(grid([person("绥德县", n) for n in range(first, first + count)]))


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def _county(api: Any, admin: str, places: int, n: int) -> tuple[str, str, str]:
    """A 国培 programme, a county "绥德县<n>" in it with `places`, its admin's token (one
    region per name: each bench county has its own)."""
    body = {
        "name": "“国培计划（2020）”——陕西省项目区县中小学青年教师学科教学助力培训项目",
        "kind": "guopei",
        "academic_year": "2020-2021",
        "enrolment_deadline": "2026-10-26T23:59:59+08:00",
        "start_date": "2026-11-02",
        "end_date": "2027-01-15",
    }
    pid = api.expect(201, "POST", "/programmes", admin, body)["programme_id"]
    phone = f"139000010{n:02d}"
    contact = {"name": "绥德管理员", "phone": phone, "unit": "绥德县教育局"}
    name = county_name(n)
    region = api.expect(201, "POST", "/regions", admin, {"name": name, "contact": contact})["region_id"]
    # The route takes up to 1,000 places (a county's are hundreds): the service sets 10,000
    from chalicelib.services import setup

    setup.set_quota(pid, region, places)
    return pid, region, ready_token(api, phone)


def county_name(n: int) -> str:
    return f"绥德县{n:02d}"


def _pipeline(reader: str, data: bytes, pid: str, region_id: str, county: str) -> dict[str, float]:
    """parse, validate, write (the commit's own path) of the file, by one reader."""
    from chalicelib.adapters import clock
    from chalicelib.db import catalog
    from chalicelib.services import enrolment, enrolment_files

    programme = enrolment.programme_of(pid)
    region = catalog.get_region(region_id)
    assert region is not None and programme.start_date is not None
    grid, parse = _timed(lambda: read_with(reader, data))

    from chalicelib.domain import enrolment_sheet as sheet

    def validate() -> sheet.Checked:
        layout = sheet.find_layout(grid)
        assert layout is not None
        return sheet.check_rows(sheet.data_rows(grid, layout), county, date(2026, 11, 2))

    checked, check = _timed(validate)
    if len(checked.people) != ROWS:
        raise SystemExit(f"bench: {reader} read {len(checked.people)} people of {ROWS}: {checked.errors[:3]}")
    now = clock.now()

    def write() -> int:
        people = [enrolment.new_enrolment(programme, region_id, p, now, row=row) for row, p in checked.people]
        written, refused = enrolment_files.write_all(programme, region, people, now)
        assert not refused
        return len(written)

    written, put = _timed(write)
    assert written == ROWS
    return {"parse": parse, "validate": check, "write": put}


def _memory(reader: str, path: Path) -> dict[str, Any]:
    child = CHILD.format(root=str(ROOT), path=str(path), reader=reader)
    out = subprocess.run(
        [sys.executable, "-c", child],
        cwd=ROOT,
        env=test_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def _renamed(data: bytes, name: str) -> bytes:
    """The file with the county column renamed (each bench county has its own name)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=4, min_col=4, max_col=4):
        row[0].value = name
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(recorder: Recorder) -> list[Row]:
    data = people_file(ROWS)
    rows: list[Row] = []
    with app_under_moto() as (api, prefix), quiet(), lean_transactions():
        from yanxiu_local.stack import ensure_admin

        ensure_admin(ADMIN_PHONE, "管理员")
        admin = ready_token(api, ADMIN_PHONE)
        results = {}
        for n, reader in enumerate(("calamine", "openpyxl")):
            pid, region, _ = _county(api, admin, ROWS, n)
            results[reader] = _pipeline(reader, _renamed(data, county_name(n)), pid, region, county_name(n))
        rows += _pipeline_rows(results)
        rows += _calls(api, admin, recorder)
        rows += _confirm(api, admin, recorder)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "people.xlsx"
        path.write_bytes(data)
        memory = {reader: _memory(reader, path) for reader in ("calamine", "openpyxl")}
    for reader, found in memory.items():
        peak, added = found["peak"] / 1024, (found["peak"] - found["loaded"]) / 1024
        rows.append(
            Row(
                f"enrolment 10,000 rows peak memory, {reader}",
                f"{peak:.0f} MB (+{added:.0f} MB)",
                "< 512 MB",
                f"fresh interpreter: peak resident set of read + check ({found['seconds']:.2f} s), "
                f"what they added in brackets; {found['people']} people",
            )
        )
    return rows


def _pipeline_rows(results: dict[str, dict[str, float]]) -> list[Row]:
    cal, opx = results["calamine"], results["openpyxl"]
    out = []
    for step in ("parse", "validate", "write"):
        note = (
            "the same domain code for both"
            if step != "parse"
            else f"openpyxl / calamine {opx[step] / cal[step]:.1f}x"
        )
        if step == "write":
            note = "seal + digest each ID, reserve, 205 chunk transactions, release (in-process moto)"
        out.append(
            Row(
                f"enrolment 10,000 rows {step}",
                f"calamine {cal[step]:.2f} s, openpyxl {opx[step]:.2f} s",
                "-",
                note,
            )
        )
    total_c, total_o = sum(cal.values()), sum(opx.values())
    out.append(
        Row(
            "enrolment 10,000 rows parse + validate + write",
            f"calamine {total_c:.2f} s, openpyxl {total_o:.2f} s",
            "-",
            f"one run each, side by side; without the write: {cal['parse'] + cal['validate']:.2f} s "
            f"vs {opx['parse'] + opx['validate']:.2f} s",
        )
    )
    return out


def _by_op(calls: Any) -> str:
    counted = Counter(c.operation for c in calls)
    return f"{len(calls)}: " + ", ".join(f"{op} ×{n}" for op, n in counted.most_common())


def _confirm(api: Any, admin: str, recorder: Recorder) -> list[Row]:
    """CONFIRM_RUNS counties of 340 (each its own programme, people and phones), each confirmed
    through the app: the calls of the first, the median time of all."""
    import statistics

    from chalicelib.adapters import messaging, secrets
    from chalicelib.db.enrolment_confirmation import PEOPLE_PER_TRANSACTION
    from chalicelib.services import enrolment_confirmation, notify
    from tests.guopei_people import enrol, person

    published: list[str] = []
    send_sms = messaging.send_sms

    def counted(phone: str, text: str) -> None:
        published.append(phone)
        send_sms(phone, text)

    times: list[float] = []
    cpus: list[float] = []
    drains: list[tuple[int, float]] = []
    calls: list[Any] = []
    answer: dict[str, Any] = {}
    sends = 0
    messaging.send_sms = counted
    try:
        for run in range(CONFIRM_RUNS):
            n = 20 + run
            pid, region, token = _county(api, admin, CONFIRM_PEOPLE, n)
            first = 30_001 + run * 1000
            people = [
                person("绥德县", k, county=county_name(n)) for k in range(first, first + CONFIRM_PEOPLE)
            ]
            assert enrol(pid, region, people) == CONFIRM_PEOPLE
            published.clear()
            path = f"/programmes/{pid}/enrolment/confirm"
            with recorder.recording() as recorded:
                started, cpu = time.perf_counter(), time.process_time()
                answer = api.expect(200, "POST", path, token)
                times.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            calls = calls or list(recorded)
            sends = len(published)
            # The outbox job's runs that send the rest (100 a run, one message at a time)
            started, runs = time.perf_counter(), 0
            while notify.drain()["sent"]:
                runs += 1
            drains.append((runs, time.perf_counter() - started))
    finally:
        messaging.send_sms = send_sms
    assert answer["accounts_provisioned"] == CONFIRM_PEOPLE and sends == answer["sms_sent"], answer
    # Each new account's initial password is hashed with argon2id: the confirmation's CPU
    hashing = 1.0
    for _ in range(3):
        cpu = time.process_time()
        for _ in range(10):
            secrets.hash_password("Initial-Pass-1")
        hashing = min(hashing, (time.process_time() - cpu) / 10)
    return [
        Row(
            "confirm of a 340-person county: calls",
            f"{_by_op(calls)}; SNS Publish ×{sends}",
            f"SNS ≤ {enrolment_confirmation.SEND_IN_REQUEST}",
            f"{answer['sms_queued']} SMS left in the outbox for its drain; 340 accounts in "
            f"{-(-CONFIRM_PEOPLE // PEOPLE_PER_TRANSACTION)} transactions of {PEOPLE_PER_TRANSACTION} people",
        ),
        Row(
            "confirm of a 340-person county: time",
            f"{statistics.median(times):.2f} s wall, {statistics.median(cpus):.2f} s CPU",
            "< 29 s",
            f"median of {CONFIRM_RUNS} counties, in-process moto (SNS answers at once there; the "
            f"cloud's Publish takes tens of ms each); of the CPU, 340 argon2id hashes of the "
            f"initial passwords ≈ {hashing * CONFIRM_PEOPLE:.1f} s (a 512 MB Lambda has ~0.3 vCPU)",
        ),
        Row(
            "confirm of a 340-person county: the drain after",
            f"{answer['sms_queued']} SMS in {drains[0][0]} runs, {drains[0][1]:.2f} s",
            "-",
            "the outbox job (every 5 minutes in the cloud, 100 a run) sends what the request left",
        ),
    ]


def _calls(api: Any, admin: str, recorder: Recorder) -> list[Row]:
    pid, _, token = _county(api, admin, COMMIT_ROWS, 9)
    data = _renamed(people_file(COMMIT_ROWS, first=20_001), county_name(9))
    started = api.expect(201, "POST", "/uploads", token, {"content_type": XLSX, "size": len(data)})
    import requests

    requests.post(started["url"], data=started["fields"], files={"file": ("f", data, XLSX)}, timeout=60)
    with recorder.recording() as preview_calls:
        shown = api.expect(
            201, "POST", f"/programmes/{pid}/enrolment-imports", token, {"upload_id": started["upload_id"]}
        )
    with recorder.recording() as commit_calls:
        done = api.expect(200, "POST", f"/enrolment-imports/{shown['import_id']}/commit", token)
    assert done["enrolled"] == COMMIT_ROWS, done
    chunks = -(-COMMIT_ROWS // 49)
    by_op = _by_op

    return [
        Row(
            "DynamoDB calls per 1,000 rows committed",
            by_op(commit_calls),
            f"~{chunks + 1 + 10 + 8}",
            f"{chunks} chunk transactions of 49 rows (2 items a row + the tally), 1 reservation, "
            "10 BatchGetItems of the IDs' claims (the file parsed again), the release, reads of "
            "the session, import, programme, county",
        ),
        Row(
            "DynamoDB calls of the 1,000-row preview",
            by_op(preview_calls),
            "-",
            "claims read in BatchGetItems of 100",
        ),
    ]
