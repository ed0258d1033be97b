"""Conditional writes, one idiom: a failed condition is a domain answer, never a 500.

A transaction's items carry tags, and the transaction is given, up front, what each tag's
failure means: an error to raise (`errors`), or an outcome the caller reads (`tolerate`):

    with transaction(errors={"deadline": ConflictError("deadline_passed")}, tolerate={"done"}) as tx:
        tx.condition_check(ProgrammeModel, pid, condition=..., tag="deadline")
        tx.update(TraineeModel(tid), actions=[...], condition=..., tag="done")
    if tx.refused:           # only tolerated tags failed: nothing was written
        return False

An error may also be a function of the refusal (`Refusal`: the failed tags, each one's
cancellation reason), for an answer that needs a second look. A single conditional write
is wrapped the same way: `with failing_as(NotFoundError("x")): item.update(...)`, or asked
`applied(lambda: item.update(...))` for a yes or no.

PynamoDB sends condition checks, deletes, puts, then updates, whatever order they were added
in (pynamodb#1284), and the cancellation reasons follow the sent order; the tags are kept in
that same order. A cancellation for TransactionConflict (another transaction touched one of
the items at that moment) is retried a few times: the whole transaction was refused, so
sending it again is safe."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from pynamodb.exceptions import CancellationReason, DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.db.common import connection
from chalicelib.domain.errors import DependencyUnavailableError


@dataclass(frozen=True)
class Refusal:
    """A refused transaction: the tags whose condition failed, and why each did."""

    tags: frozenset[str]
    reasons: Mapping[str, CancellationReason]

    def reason(self, tag: str) -> CancellationReason | None:
        return self.reasons.get(tag)


# What a tag's failure means: the error to raise, or a function of the refusal that gives
# one (None: look at the next tag).
Failure = BaseException | Callable[[Refusal], BaseException | None]


class Transaction(TransactWrite):
    """A TransactWrite whose items carry tags, and which knows what their failures mean."""

    CONFLICT_RETRIES = 5  # up to ~1.3 s of jittered backoff before answering 503

    def __init__(self, errors: Mapping[str, Failure] | None = None, tolerate: Iterable[str] = ()) -> None:
        # The token makes botocore's retry of a transaction whose answer was lost (a read
        # timeout) idempotent: DynamoDB does not apply it twice, nor fail its conditions.
        super().__init__(connection=connection(), client_request_token=uuid.uuid4().hex)
        self._tags: dict[str, list[str | None]] = {"check": [], "delete": [], "put": [], "update": []}
        self._errors = dict(errors or {})
        self._tolerate = frozenset(tolerate)
        self.refused: frozenset[str] = frozenset()

    def condition_check(
        self,
        model_cls: type[Model],
        hash_key: Any,
        range_key: Any = None,
        condition: Condition | None = None,
        *,
        tag: str | None = None,
    ) -> None:
        super().condition_check(model_cls, hash_key, range_key=range_key, condition=condition)
        self._tags["check"].append(tag)

    def delete(
        self,
        model: Model,
        condition: Condition | None = None,
        *,
        add_version_condition: bool = True,
        tag: str | None = None,
    ) -> None:
        super().delete(model, condition, add_version_condition=add_version_condition)
        self._tags["delete"].append(tag)

    def save(
        self,
        model: Model,
        condition: Condition | None = None,
        return_values: str | None = None,
        *,
        tag: str | None = None,
    ) -> None:
        super().save(model, condition, return_values)
        self._tags["put"].append(tag)

    def update(
        self,
        model: Model,
        actions: Sequence[Action],
        condition: Condition | None = None,
        return_values: str | None = None,
        *,
        add_version_condition: bool = True,
        tag: str | None = None,
    ) -> None:
        super().update(
            model, list(actions), condition, return_values, add_version_condition=add_version_condition
        )
        self._tags["update"].append(tag)

    def _sent(self) -> list[str | None]:
        return self._tags["check"] + self._tags["delete"] + self._tags["put"] + self._tags["update"]

    def refusal(self, exc: TransactWriteError) -> Refusal:
        """The tags of the items whose condition failed, with their reasons."""
        sent, reasons = self._sent(), exc.cancellation_reasons or []
        failed = {
            tag: reason
            for tag, reason in zip(sent, reasons, strict=False)
            if tag and reason is not None and reason.code == "ConditionalCheckFailed"
        }
        return Refusal(frozenset(failed), failed)

    def failed(self, exc: TransactWriteError) -> set[str]:
        """The tags of the items whose condition failed."""
        return set(self.refusal(exc).tags)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            return  # the block failed before the commit: nothing was sent
        try:
            self._commit()
        except TransactWriteError as exc:
            refusal = self.refusal(exc)
            for tag, failure in self._errors.items():
                if tag not in refusal.tags:
                    continue
                error = failure if isinstance(failure, BaseException) else failure(refusal)
                if error is not None:
                    raise error from exc
            if refusal.tags and refusal.tags <= self._tolerate:
                self.refused = refusal.tags
                return
            raise

    def _commit(self) -> Any:
        for attempt in range(self.CONFLICT_RETRIES + 1):
            try:
                return super()._commit()
            except TransactWriteError as exc:
                reasons = exc.cancellation_reasons or []
                if not any(r and r.code == "TransactionConflict" for r in reasons):
                    raise
                if attempt == self.CONFLICT_RETRIES:
                    # Still contended: the client may try again in a moment (503, Retry-After).
                    raise DependencyUnavailableError(retry_after=1) from exc
                time.sleep(0.02 * 2**attempt * (1 + random.random()))  # noqa: S311 - jitter, not a secret
                self._client_request_token = uuid.uuid4().hex  # a new attempt, not a replay
        raise AssertionError("unreachable")


def transaction(errors: Mapping[str, Failure] | None = None, tolerate: Iterable[str] = ()) -> Transaction:
    """A transaction whose tagged failures raise `errors[tag]`, or, for the tags in
    `tolerate`, leave `tx.refused` set (nothing written) for the caller to read."""
    return Transaction(errors, tolerate)


def condition_failed(exc: BaseException) -> bool:
    """A single write refused by its condition (the one place that reads DynamoDB's code)."""
    return isinstance(exc, PutError | UpdateError | DeleteError) and (
        exc.cause_response_code == "ConditionalCheckFailedException"
    )


@contextmanager
def failing_as(error: BaseException) -> Iterator[None]:
    """Around one conditional write: its failed condition raises `error` (from the cause)."""
    try:
        yield
    except (PutError, UpdateError, DeleteError) as exc:
        if condition_failed(exc):
            raise error from exc
        raise


def applied(write: Callable[[], object]) -> bool:
    """Run one conditional write: True if it was applied, False if its condition failed."""
    try:
        write()
    except (PutError, UpdateError, DeleteError) as exc:
        if condition_failed(exc):
            return False
        raise
    return True
