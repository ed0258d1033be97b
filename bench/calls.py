"""Counting the DynamoDB calls a request makes, with botocore's own events.

PynamoDB builds its own botocore session and client per Connection (and per thread), and
the service's boto3 clients have theirs; every botocore session registers the handlers in
botocore.handlers.BUILTIN_HANDLERS when it is created (moto's mock hooks in the same way).
So `install()` appends two handlers there, before any session exists, and every DynamoDB
client the process builds afterwards reports to the one Recorder:

- before-parameter-build.dynamodb: once per API call, with the operation's model and the
  call's keyword arguments (kept, so the same call can be replayed with a plain client);
- before-call.dynamodb: once per API call (retries excluded), the count itself.

Both are cheap no-ops unless a recording is open."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    operation: str
    params: dict[str, Any]


@dataclass
class Recorder:
    active: bool = False
    calls: list[Call] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)
    _pending: list[dict[str, Any]] = field(default_factory=list)

    def on_parameter_build(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.active:
            self._pending.append(copy.deepcopy(params))

    def on_call(self, model: Any, **_: Any) -> None:
        if self.active:
            self.counted.append(model.name)
            self.calls.append(Call(model.name, self._pending.pop(0) if self._pending else {}))

    @contextmanager
    def recording(self) -> Iterator[list[Call]]:
        """The DynamoDB calls made inside the block, in order."""
        self.calls, self.counted, self._pending = [], [], []
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False
        assert not self._pending, "a DynamoDB call was built but never sent"


RECORDER = Recorder()
_installed = False


def install() -> Recorder:
    """Register the handlers for every botocore session created from now on."""
    global _installed
    if not _installed:
        from botocore.handlers import BUILTIN_HANDLERS

        BUILTIN_HANDLERS.append(("before-parameter-build.dynamodb", RECORDER.on_parameter_build))
        BUILTIN_HANDLERS.append(("before-call.dynamodb", RECORDER.on_call))
        _installed = True
    return RECORDER


def operations(calls: list[Call]) -> str:
    """The value column of a call-count row: "3: GetItem, GetItem, PutItem"."""
    names = [c.operation for c in calls]
    return f"{len(names)}: {', '.join(names)}"


def describe(calls: list[Call], table_prefix: str) -> str:
    """'GetItem(credentials), PutItem(sessions)'; a transaction lists its actions, a batch
    call its tables with their numbers of keys (BatchGetItem) or requests (BatchWriteItem)."""

    def short(table: str) -> str:
        return table.removeprefix(table_prefix)

    parts = []
    for call in calls:
        if "TransactItems" in call.params:
            actions = [
                f"{kind} {short(body.get('TableName', '?'))}"
                for item in call.params["TransactItems"]
                for kind, body in item.items()
            ]
            parts.append(f"{call.operation}[{', '.join(actions)}]")
        elif "RequestItems" in call.params:  # BatchGetItem, BatchWriteItem: tables and key counts
            requests = call.params["RequestItems"].items()
            tables = [f"{short(t)} ×{len(r['Keys'] if isinstance(r, dict) else r)}" for t, r in requests]
            parts.append(f"{call.operation}({', '.join(tables)})")
        elif "TableName" in call.params:
            parts.append(f"{call.operation}({short(call.params['TableName'])})")
        else:
            parts.append(call.operation)
    return ", ".join(parts)
