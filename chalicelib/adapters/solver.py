"""Where the allocation is solved. OR-Tools (about 70 MB) is in the allocate function's layer
only (infra/package.py), so the API function, which previews and commits plans for the office,
asks that function synchronously; everything else about the allocation (reading the demands,
taking the batches) stays in the API. Locally and in tests, where the venv has OR-Tools and no
Lambda runs, the solver is called in process: YANXIU_SOLVER_FUNCTION unset.

The wire format is the domain's dataclasses as JSON (dates in ISO form), both ways."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from functools import cache
from typing import Any

from chalicelib.config import AWS_CONNECT_TIMEOUT, settings
from chalicelib.domain import allocation
from chalicelib.domain.errors import DependencyUnavailableError
from chalicelib.observability import logger

# The office waits for the preview: the solve must end inside API Gateway's 29 s, so one try.
SOLVER_READ_TIMEOUT = 25.0


def plan(
    demands: list[allocation.DemandToPlace],
    free: list[allocation.FreeBatch],
    stages_with_batches: set[str] | None = None,
) -> allocation.Plan:
    function = settings().solver_function
    if not function:
        return allocation.plan(demands, free, stages_with_batches)
    payload = encode_inputs(demands, free, stages_with_batches)
    response = _lambda().invoke(FunctionName=function, Payload=payload)
    body = response["Payload"].read()
    if response.get("FunctionError"):
        # The solver's traceback is in its own log (same correlation through X-Ray).
        logger.error("allocation solver failed", extra={"function_error": response["FunctionError"]})
        raise DependencyUnavailableError(retry_after=30)
    return decode_plan(json.loads(body))


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """The allocate function's body: inputs in, plan out."""
    demands, free, stages = decode_inputs(event)
    return _plain(allocation.plan(demands, free, stages))


@cache
def _lambda() -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 1},
        connect_timeout=AWS_CONNECT_TIMEOUT,
        read_timeout=SOLVER_READ_TIMEOUT,
    )
    return boto3.client("lambda", region_name=settings().aws_region, config=config)


def _plain(value: Any) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(asdict(value), default=_iso))
    return plain


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def encode_inputs(
    demands: list[allocation.DemandToPlace],
    free: list[allocation.FreeBatch],
    stages_with_batches: set[str] | None,
) -> bytes:
    body = {
        "demands": [asdict(d) for d in demands],
        "free": [asdict(b) for b in free],
        "stages": None if stages_with_batches is None else sorted(stages_with_batches),
    }
    return json.dumps(body, default=_iso, ensure_ascii=False).encode()


def decode_inputs(
    event: dict[str, Any],
) -> tuple[list[allocation.DemandToPlace], list[allocation.FreeBatch], set[str] | None]:
    demands = [
        allocation.DemandToPlace(**{**d, "items": tuple(allocation.DemandItem(**i) for i in d["items"])})
        for d in event["demands"]
    ]
    free = [
        allocation.FreeBatch(**{**b, "start_date": date.fromisoformat(b["start_date"])})
        for b in event["free"]
    ]
    stages = event.get("stages")
    return demands, free, None if stages is None else set(stages)


def decode_plan(body: dict[str, Any]) -> allocation.Plan:
    return allocation.Plan(
        **{
            **body,
            "assignments": [allocation.Assignment(**a) for a in body["assignments"]],
            "unmet": [allocation.Unmet(**u) for u in body["unmet"]],
        }
    )
