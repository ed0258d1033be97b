"""The allocation solved by the allocate function (OR-Tools in its layer only): the API sends
it the demands and free batches and gets the plan back, the same plan as in process."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest

import app
from chalicelib.adapters import clock, solver
from chalicelib.config import settings
from tests.integration.conftest import Api, error_of
from tests.integration.test_demand import _demand
from tests.integration.test_demand import world as demand_world

pytestmark = pytest.mark.integration


class _Lambda:
    """The Lambda service, as far as Invoke goes: it runs the registered allocate handler
    (middleware and all) on the JSON it is sent, and answers as Lambda does."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803 - boto3's names
        self.calls.append(FunctionName)
        if self.fail:
            return {"FunctionError": "Unhandled", "Payload": io.BytesIO(b'{"errorMessage": "boom"}')}
        answer = app.allocate(json.loads(Payload), None)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}


world = demand_world  # the demand tests' programme, bases, regions and batches


@pytest.fixture
def solver_function(monkeypatch: pytest.MonkeyPatch) -> _Lambda:
    service = _Lambda()
    monkeypatch.setattr(settings(), "solver_function", "yanxiu-test-allocate")
    monkeypatch.setattr(solver, "_lambda", lambda: service)
    return service


def test_preview_through_the_allocate_function_equals_the_plan_in_process(
    api: Api, admin: str, world: dict, solver_function: _Lambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = world["pid"]
    first = api.call("POST", f"/programmes/{pid}/demands", world["b"], _demand(places=10)).data
    clock.advance(timedelta(seconds=1))
    second = api.call(
        "POST", f"/programmes/{pid}/demands", world["a"], _demand(places=10, study="exchange")
    ).data
    for demand in (first, second):  # the office plans only what it approved (审核)
        api.call("POST", f"/demands/{demand['demand_id']}/approve", admin)
    remote = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": False}).data
    assert solver_function.calls == ["yanxiu-test-allocate"]
    monkeypatch.setattr(settings(), "solver_function", "")
    local = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": False}).data
    assert solver_function.calls == ["yanxiu-test-allocate"]
    assert remote["assignments"] and remote["unmet"]
    assert (remote["assignments"], remote["unmet"]) == (local["assignments"], local["unmet"])


def test_a_failed_solve_is_a_503_and_nothing_is_allocated(
    api: Api, admin: str, world: dict, solver_function: _Lambda
) -> None:
    pid = world["pid"]
    api.call("POST", f"/programmes/{pid}/demands", world["b"], _demand(places=10))
    solver_function.fail = True
    r = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True})
    assert error_of(r) == (503, "dependency_unavailable")
    batches = api.call("GET", f"/programmes/{pid}/batches", admin).data["items"]
    assert all(b["region_id"] is None for b in batches)
