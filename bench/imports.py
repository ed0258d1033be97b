"""Figure 1: the cold import of the Lambda entry (`import app`) against `import boto3`.

Each import runs in a fresh interpreter; the child times only the import statement with
time.perf_counter and prints it, so interpreter start-up is not counted. Runs alternate
(boto3, app, boto3, app, ...) so drift in the machine's load hits both alike."""

from __future__ import annotations

import statistics
import subprocess
import sys

from bench.env import ROOT, test_environment
from bench.table import Row, ms

RUNS = 9
TARGET = 1.3

CHILD = "import time\nt = time.perf_counter()\nimport {module}\nprint(time.perf_counter() - t)\n"


def _time_import(module: str, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure() -> list[Row]:
    env = test_environment()
    # One untimed run of each first, so both start from written .pyc files.
    _time_import("boto3", env)
    _time_import("app", env)
    boto3_runs: list[float] = []
    app_runs: list[float] = []
    for _ in range(RUNS):
        boto3_runs.append(_time_import("boto3", env))
        app_runs.append(_time_import("app", env))
    boto3_median = statistics.median(boto3_runs)
    app_median = statistics.median(app_runs)
    how = f"median of {RUNS} fresh interpreters, import only (start-up excluded)"
    return [
        Row("cold import boto3", ms(boto3_median), "-", how),
        Row("cold import app", ms(app_median), "-", how + "; test env, no AWS_ENDPOINT_URL"),
        Row(
            "cold import app / boto3",
            f"{app_median / boto3_median:.2f}",
            f"<= {TARGET}",
            "runs interleaved boto3, app, boto3, app, ...",
        ),
    ]
