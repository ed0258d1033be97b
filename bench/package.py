"""Figure 13: what each function loads, and the deployed API's cold import.

Sizes are the unzipped bytes of build/package (`make package`, infra/package.py): the code
zip every function has, plus the layers of the functions that take them. The cold import is
`import app` from the unzipped deployment.zip, as the python3.11 runtime does it: a bare
interpreter (`-I -S`) whose path is the package and the runtime's boto3/botocore, nothing of
the venv, with the deployed functions' variables (X-Ray on is the service's tracing: nothing
of ours imports an X-Ray SDK; the powertools middleware is part of `import app`). Interleaved
with `import boto3` from the same runtime copy, medians of 9 fresh interpreters each."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bench.env import ROOT, test_environment
from bench.table import Row, ms

PACKAGE = ROOT / "build" / "package"
RUNS = 9
API_TARGET_MIB = 30
RUNTIME = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"]
CHILD = (
    "import json, sys, time\n"
    "sys.path[:0] = json.loads(sys.argv[1])\n"
    "t = time.perf_counter()\n"
    "import {module}\n"
    "print(time.perf_counter() - t)\n"
)


def _built() -> dict[str, object]:
    if not (PACKAGE / "sizes.json").exists():
        subprocess.run([sys.executable, "infra/package.py"], cwd=ROOT, check=True)  # noqa: S603
    report: dict[str, object] = json.loads((PACKAGE / "sizes.json").read_text())
    return report


def _runtime(into: Path) -> Path:
    """The runtime's boto3 and friends: symlinks to the venv's copies (same versions)."""
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    runtime = into / "runtime"
    runtime.mkdir()
    for module in RUNTIME:
        (runtime / module).symlink_to(site / module)
    return runtime


def _time(module: str, paths: list[str], cwd: Path, env: dict[str, str]) -> float:
    out = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-I", "-S", "-c", CHILD.format(module=module), json.dumps(paths)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure() -> list[Row]:
    report = _built()
    mib = 2**20
    functions: dict[str, int] = report["functions"]  # type: ignore[assignment]
    files: dict[str, int] = report["files"]  # type: ignore[assignment]
    rows = []
    for name, size in sorted(functions.items()):
        target = f"<= {API_TARGET_MIB} MiB" if name == "APIHandler" else "<= 250 MiB"
        note = "deployment.zip" + (" + its layer" if size > files["deployment.zip"] else "")
        rows.append(Row(f"package {name}, unzipped", f"{size / mib:.1f} MiB", target, note))
    with tempfile.TemporaryDirectory(prefix="yanxiu-bench-") as tmp:
        task = Path(tmp) / "task"
        with zipfile.ZipFile(PACKAGE / "deployment.zip") as archive:
            archive.extractall(task)
        runtime = _runtime(Path(tmp))
        env = {
            **test_environment(),
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
        }
        paths = [str(task), str(runtime)]
        _time("boto3", paths, task, env)
        _time("app", paths, task, env)
        boto3_runs, app_runs = [], []
        for _ in range(RUNS):
            boto3_runs.append(_time("boto3", paths, task, env))
            app_runs.append(_time("app", paths, task, env))
    b, a = statistics.median(boto3_runs), statistics.median(app_runs)
    how = f"median of {RUNS} bare interpreters (-I -S) on the unzipped package, import only"
    return rows + [
        Row("cold import boto3 (runtime copy)", ms(b), "-", how),
        Row("cold import app (deployment.zip)", ms(a), "-", how + "; powertools middleware, X-Ray on"),
        Row("cold import app (deployment.zip) / boto3", f"{a / b:.2f}", "<= 1.3", "runs interleaved"),
    ]
