"""Powertools as its users attach it: the Lambda context on every log line, the cold start
and the business events flushed as EMF even when the function fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from chalicelib import observability
from chalicelib.observability import count, observed

pytestmark = pytest.mark.unit


@dataclass
class FakeContext:
    function_name: str = "yanxiu-dev"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:123456789012:function:yanxiu-dev"
    aws_request_id: str = "req-1"


def _emf(out: str) -> list[dict]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def test_a_failing_invocation_still_flushes_its_metrics_and_logs_its_context(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The handler keeps the stdout it was made with; the log lines go where the metrics go.
    monkeypatch.setattr(observability.logger.registered_handler, "stream", sys.stdout)

    def work() -> None:
        count("DemandSubmitted")
        observability.logger.info("working")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        observed(FakeContext(), work)
    out = capfd.readouterr().out
    logs = [line for line in map(json.loads, out.splitlines()) if line.get("message") == "working"]
    assert logs and logs[0]["function_request_id"] == "req-1"
    assert "cold_start" in logs[0]
    metrics = _emf(out)
    names = {m["Name"] for blob in metrics for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert "DemandSubmitted" in names
    assert all(
        d["Namespace"] == observability.NAMESPACE for b in metrics for d in b["_aws"]["CloudWatchMetrics"]
    )


def test_without_a_lambda_context_the_metrics_are_flushed_all_the_same(
    capfd: pytest.CaptureFixture[str],
) -> None:
    def work() -> int:
        count("CheckedIn", 2)
        return 7

    assert observed(None, work) == 7
    blobs = _emf(capfd.readouterr().out)
    assert [b["CheckedIn"] for b in blobs] == [[2.0]]


def test_an_invocation_that_counted_nothing_writes_no_metrics(capfd: pytest.CaptureFixture[str]) -> None:
    observed(None, lambda: None)
    assert _emf(capfd.readouterr().out) == []


def test_every_function_runs_inside_the_middleware_when_lambda_imports_only_its_module() -> None:
    """Lambda imports the module its handler string names, nothing else: each function's
    handler, so imported in a fresh interpreter, must carry the app's middleware."""
    import app

    handlers = [s.handler_string for s in app.app.event_sources]
    handlers += [f.handler_string for f in app.app.pure_lambda_functions]
    assert len(handlers) >= 7  # noqa: PLR2004 - five schedules, the S3-event queue, the solver
    script = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    module, _, attr = name.rpartition('.')\n"
        "    handler = getattr(importlib.import_module(module), attr)\n"
        "    names = [m.__name__ for m in handler.middleware_handlers]\n"
        "    assert 'powertools' in names, (name, names)\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script, *handlers], cwd=root, capture_output=True, text=True
    )  # noqa: S603
    assert result.returncode == 0, result.stderr[-2000:]


def test_every_flush_names_the_service_and_the_stage_the_alarms_ask_for(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # infra/operations.py's alarms select our metrics by both dimensions, flush after flush.
    for _ in range(2):
        observed(None, lambda: count("ExportFailed"))
    blobs = [b for b in _emf(capfd.readouterr().out) if "ExportFailed" in b]
    assert len(blobs) == 2
    for blob in blobs:
        [declared] = blob["_aws"]["CloudWatchMetrics"]
        assert [sorted(d) for d in declared["Dimensions"]] == [["service", "stage"]]
        assert blob["service"] == "yanxiu" and blob["stage"] == os.environ.get("YANXIU_STAGE", "dev")
