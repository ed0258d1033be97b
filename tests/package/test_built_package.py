"""The built packages, run as Lambda would run them: each function's code is the unzipped
deployment.zip plus its layers, on an interpreter without the venv (`python -I -S`), with
boto3/botocore as the python3.11 runtime provides them, against an embedded AWS. A package
that misses a module, or an API package that carries OR-Tools after all, fails here.

`make test` builds the packages first (`make package`); run alone, the module builds them."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters import solver
from chalicelib.domain import allocation
from tests.builders import region_body

pytestmark = pytest.mark.package

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "build" / "package"
ADMIN_PHONE = "13800000000"
# What the python3.11 Lambda runtime has besides the standard library (infra/package.py).
RUNTIME = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"]
HEAVY = ["ortools", "docx", "PIL", "lxml", "numpy", "pandas", "dns"]

# Runs in the venv: the embedded AWS with the tables, bucket, key and an admin; prints the
# admin's initial password, then serves until its stdin closes.
AWS_SCRIPT = """
import re, sys
from yanxiu_local.stack import (
    _sms_messages, bucket_cors, ensure_admin, provision, site_url, start_moto, use_local_environment,
)
port = int(sys.argv[1])
use_local_environment(port, 8080)
server = start_moto(port, bucket_cors(site_url(8080)))
provision()
ensure_admin(sys.argv[2], "管理员")
[text] = [m["text"] for m in _sms_messages() if "初始密码" in m["text"]]
print("PASSWORD", re.search(r"初始密码：(\\S+?)。", text).group(1), flush=True)
sys.stdin.read()
server.stop()
"""

# Runs in the bare interpreter: a function's handler called with an event, as Lambda does.
FUNCTION_SCRIPT = """
import importlib, json, sys
paths, handler, event, forbidden = json.loads(sys.argv[1])
sys.path[:0] = paths
found = []
for name in forbidden:
    try:
        importlib.import_module(name)
        found.append(name)
    except ImportError:
        pass

class Context:
    function_name = "yanxiu-smoke"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:yanxiu-smoke"
    aws_request_id = "smoke-1"
    def get_remaining_time_in_millis(self):
        return 30000

module, _, attr = handler.rpartition(".")
result = getattr(importlib.import_module(module), attr)(event, Context())
print("RESULT " + json.dumps({"result": result, "importable": found}, ensure_ascii=False))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not (PACKAGE / "sizes.json").exists():
        subprocess.run([sys.executable, "infra/package.py"], cwd=ROOT, check=True)  # noqa: S603
    out = tmp_path_factory.mktemp("lambda")
    dirs = {}
    for name, file in (
        ("task", "deployment.zip"),
        ("solver", "layer-solver.zip"),
        ("media", "layer-media.zip"),
    ):
        with zipfile.ZipFile(PACKAGE / file) as archive:
            archive.extractall(out / name)
        # A layer's files are under python/ (Lambda puts /opt/python on the path).
        dirs[name] = out / name / "python" if name != "task" else out / name
    runtime = out / "runtime"
    runtime.mkdir()
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    for module in RUNTIME:
        (runtime / module).symlink_to(site / module)
    dirs["runtime"] = runtime
    return dirs


@pytest.fixture(scope="module")
def aws() -> Iterator[tuple[dict[str, str], str]]:
    """(the functions' environment, the admin's password)."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", AWS_SCRIPT, str(port), ADMIN_PHONE],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("YANXIU_", "AWS_"))},
    )
    assert process.stdout is not None and process.stdin is not None
    password = ""
    for line in process.stdout:  # the service's own log lines come first
        if line.startswith("PASSWORD "):
            password = line.split()[1]
            break
    assert password, "the embedded AWS did not start"
    from yanxiu_local.stack import local_environment

    env = {"PATH": os.environ["PATH"], **local_environment(port, 8080), "POWERTOOLS_SERVICE_NAME": "yanxiu"}
    yield env, password
    process.stdin.close()
    process.wait(timeout=30)


def run_function(
    dirs: list[Path], handler: str, event: dict[str, Any], env: dict[str, str]
) -> tuple[Any, list[str], str]:
    """(the handler's answer, which heavy modules were importable, the function's stdout)."""
    argument = json.dumps([[str(d) for d in dirs], handler, event, HEAVY])
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-S", "-c", FUNCTION_SCRIPT, argument],
        cwd=dirs[0],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    answer = json.loads(line.removeprefix("RESULT "))
    return answer["result"], answer["importable"], done.stdout


def api_event(method: str, path: str, body: Any, token: str | None = None) -> dict[str, Any]:
    """API Gateway's REST proxy event, as Chalice reads it."""
    headers = {"content-type": "application/json", "host": "api.example.cn"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": method, "requestId": "smoke", "stage": "api"},
        "body": json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
    }


def test_the_api_package_logs_in_and_writes_without_the_heavy_modules(
    unzipped: dict[str, Path], aws: tuple[dict[str, str], str]
) -> None:
    env, password = aws
    dirs = [unzipped["task"], unzipped["runtime"]]
    login = api_event("POST", "/auth/login", {"phone": ADMIN_PHONE, "password": password})
    answer, importable, stdout = run_function(dirs, "app.app", login, env)
    assert importable == []
    assert answer["statusCode"] == 200, answer
    token = json.loads(answer["body"])["token"]
    change = {"old_password": password, "new_password": "Smoke-test-2026"}
    changed, _, _ = run_function(dirs, "app.app", api_event("POST", "/auth/password", change, token), env)
    assert changed["statusCode"] == 200, changed  # argon2 (cffi) in the package
    token = json.loads(changed["body"])["token"]
    # A contact's e-mail is validated (email-validator without dnspython) and the region stored.
    created, _, _ = run_function(dirs, "app.app", api_event("POST", "/regions", region_body(), token), env)
    assert created["statusCode"] == 201, created
    # powertools' middleware ran: the log line carries the Lambda context.
    assert '"function_request_id":"smoke-1"' in stdout


def test_the_allocate_package_solves_with_or_tools_from_its_layer(
    unzipped: dict[str, Path], aws: tuple[dict[str, str], str]
) -> None:
    env, _ = aws
    demands = [
        allocation.DemandToPlace("d1", "r1", "1", "placement", (allocation.DemandItem("primary", 20),)),
        allocation.DemandToPlace("d2", "r2", "2", "placement", (allocation.DemandItem("primary", 10),)),
    ]
    free = [
        allocation.FreeBatch(f"b{i}", "primary", f"base{i % 2}", "placement", date(2026, 9, 7), 10)
        for i in range(3)
    ]
    event = json.loads(solver.encode_inputs(demands, free, None))
    dirs = [unzipped["task"], unzipped["solver"], unzipped["runtime"]]
    answer, importable, _ = run_function(dirs, "app.allocate", event, env)
    assert "ortools" in importable and "numpy" not in importable
    plan = solver.decode_plan(answer)
    assert sorted(a.demand_id for a in plan.assignments) == ["d1", "d1", "d2"]
    assert plan == allocation.plan(demands, free)
    # Without its layer the API package cannot solve: the API must ask the function.
    lean = [unzipped["task"], unzipped["runtime"]]
    _, importable, _ = run_function(lean, "app.drain_outbox_schedule", _scheduled(), env)
    assert "ortools" not in importable


def test_the_media_layer_builds_documents_and_checks_images(
    unzipped: dict[str, Path], aws: tuple[dict[str, str], str]
) -> None:
    """What build_exports and the image checks import, from the media layer: a checked image
    and the yearbook's .docx, with the scheduled drain of the outbox as a function call."""
    env, _ = aws
    dirs = [unzipped["task"], unzipped["media"], unzipped["runtime"]]
    _, importable, _ = run_function(dirs, "app.check_uploads_schedule", _scheduled(), env)
    assert {"PIL", "docx", "lxml"} <= set(importable) and "ortools" not in importable
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    script = (
        "import base64, io, sys\n"
        "from chalicelib.adapters import images\n"
        "data, kind, size = images.clean(base64.b64decode(sys.argv[1]))\n"
        "import docx\n"
        "d = docx.Document(); d.add_paragraph('研修成果'); out = io.BytesIO(); d.save(out)\n"
        "print(kind, size, len(out.getvalue()) > 0)\n"
    )
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            f"import sys; sys.path[:0] = {[str(d) for d in dirs]!r}\n" + script,
        ]
        + [base64.b64encode(png.getvalue()).decode()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.fullmatch(r"\S+ \(8, 8\) True", done.stdout.strip())


def test_every_function_but_the_solver_and_the_media_users_is_the_lean_package() -> None:
    sizes = json.loads((PACKAGE / "sizes.json").read_text())
    assert sizes["functions"]["APIHandler"] == sizes["files"]["deployment.zip"]
    assert "ortools" in sizes["packages"]["solver"] and "ortools" not in sizes["packages"]["function"]
    assert not {"numpy", "pandas", "protobuf", "boto3", "botocore"} & set(sizes["packages"]["function"])
    # Issue 15's target for the API function, unzipped: a dependency that grows it fails here
    assert sizes["functions"]["APIHandler"] <= 30 * 2**20, sizes["functions"]["APIHandler"] / 2**20


def _scheduled() -> dict[str, Any]:
    return {
        "version": "0",
        "id": "smoke",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-12-02T01:00:00Z",
        "region": "ap-southeast-1",
        "resources": ["arn:aws:events:ap-southeast-1:123456789012:rule/smoke"],
        "detail": {},
    }


IMPORT_ALL_SCRIPT = """
import importlib, json, pkgutil, sys
sys.path[:0] = json.loads(sys.argv[1])
import chalicelib
failed = {}
names = ["app"] + [m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = repr(exc)
print("RESULT " + json.dumps({"imported": len(names), "failed": failed}))
"""


def test_every_module_imports_from_the_package_and_its_layers(
    unzipped: dict[str, Path], aws: tuple[dict[str, str], str]
) -> None:
    # What infra/package.py prunes from shipped libraries is imported by nothing of ours.
    env, _ = aws
    dirs = [unzipped[d] for d in ("task", "solver", "media", "runtime")]
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-S", "-c", IMPORT_ALL_SCRIPT, json.dumps([str(d) for d in dirs])],
        cwd=dirs[0],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    answer = json.loads(line.removeprefix("RESULT "))
    assert answer["failed"] == {}
    assert answer["imported"] > 50
