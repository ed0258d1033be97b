"""The bench's patches of moto's internals: the rollback copy of its transactions
(lean_transactions) and the time spent inside it (moto_time). Both reach into moto's
private classes, so they are checked against the moto they were written for: another
version stops the bench with the reason, instead of measuring something else silently."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The versions these patches were read against (moto/dynamodb/models/__init__.py's
# transact_write_items, its `copy.deepcopy` of each table, and BotocoreStubber.__call__).
WRITTEN_FOR = ("5.2.",)


def check_version() -> None:
    import moto

    version = getattr(moto, "__version__", "?")
    if not version.startswith(WRITTEN_FOR):
        raise SystemExit(
            f"bench/moto_patches.py was written for moto {WRITTEN_FOR}, this is moto {version}: "
            "read DynamoDBBackend.transact_write_items and BotocoreStubber.__call__ again, "
            "then update WRITTEN_FOR"
        )


@contextmanager
def lean_transactions() -> Iterator[None]:
    """moto's TransactWriteItems deep-copies every table it touches before writing (its
    rollback), so each reminder costs O(table size): the trainees' guard copies 2,500
    trainees, and the claims and outbox tables grow with every reminder (one registration run
    took 200+ s). Inside this block the rollback copy holds the touched items only: the table
    object is copied shallowly, with its own item dicts, and each item the transaction names
    is deep-copied into it. A cancelled transaction is rolled back to exactly the same state
    (moto writes nothing but the items a transaction names); a successful one costs what
    real DynamoDB's does not depend on: the table's size."""
    check_version()
    import copy
    from collections import defaultdict as default_dict

    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    backend_class = models.DynamoDBBackend
    original = backend_class.transact_write_items
    snapshots: dict[int, Table] = {}

    def snapshot(table: Table, keys: list[dict[str, Any]]) -> Table:
        copied = copy.copy(table)
        items: Any = default_dict(dict)
        for hash_key, value in table.items.items():
            items[hash_key] = dict(value) if table.has_range_key else value
        for key in keys:
            hash_key = DynamoType(key[str(table.hash_key_attr)])
            range_key = DynamoType(key[str(table.range_key_attr)]) if table.has_range_key else None
            current = table.get_item(hash_key, range_key)
            if current is not None:
                if range_key is not None:
                    items[hash_key][range_key] = copy.deepcopy(current)
                else:
                    items[hash_key] = copy.deepcopy(current)
        copied.items = items
        return copied

    def lean(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched: dict[str, list[dict[str, Any]]] = default_dict(list)
        for entry in transact_items:
            op = next(iter(entry.values()))
            if op.get("TableName") in self.tables:
                touched[op["TableName"]].append(op.get("Key") or op["Item"])
        snapshots.clear()
        for name, keys in touched.items():
            snapshots[id(self.tables[name])] = snapshot(self.tables[name], keys)
        try:
            original(self, transact_items)
        finally:
            snapshots.clear()

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if id(value) in snapshots:  # not `or`: an empty Table is falsy
            return snapshots[id(value)]
        return copy.deepcopy(value, memo)

    shim = type("copy_shim", (), {"deepcopy": staticmethod(deepcopy)})
    backend_class.transact_write_items = lean  # type: ignore[method-assign]
    models.copy = shim  # type: ignore[assignment]
    try:
        yield
    finally:
        backend_class.transact_write_items = original  # type: ignore[method-assign]
        models.copy = copy


@contextmanager
def moto_time() -> Iterator[list[float]]:
    """The seconds spent inside moto (its before-send handler: the backend and its answer),
    summed over every AWS call in the block: [seconds]."""
    check_version()
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__
    spent = [0.0]

    def timed(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, event_name, request, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    BotocoreStubber.__call__ = timed  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]
