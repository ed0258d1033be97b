"""Domain errors: one type per failure the client can act on. They carry no HTTP;
api/errors.py maps them to status codes and Chinese messages, by `code`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field, as a code (api/errors.py gives it its Chinese words)
    and the values those words name (a length, an image's id)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


def problem(code: str, **params: object) -> Problem:
    return Problem(code, params)


class DomainError(Exception):
    code = "error"

    def __init__(self, code: str | None = None, fields: Mapping[str, Problem] | None = None) -> None:
        self.code = code or self.code
        self.fields: dict[str, Problem] = dict(fields or {})
        super().__init__(self.code)


class MalformedRequestError(DomainError):
    code = "malformed_json"


class ValidationFailedError(DomainError):
    """Input that breaks a rule of shape or range (422, with `fields`)."""

    code = "validation_failed"


class UnauthenticatedError(DomainError):
    code = "unauthenticated"


class ForbiddenError(DomainError):
    code = "forbidden"


class NotFoundError(DomainError):
    code = "not_found"


class ConflictError(DomainError):
    """A conflict with stored state: quota used up, batch full, duplicate, deadline passed."""

    code = "conflict"


class PayloadTooLargeError(DomainError):
    code = "payload_too_large"

    def __init__(self, code: str | None = None) -> None:
        super().__init__(code)


class UnsupportedMediaTypeError(DomainError):
    """A body sent as something other than JSON (415)."""

    code = "unsupported_media_type"


class TooManyAttemptsError(DomainError):
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(1, int(retry_after))


class DependencyUnavailableError(DomainError):
    code = "dependency_unavailable"

    def __init__(self, retry_after: int = 30) -> None:
        super().__init__()
        self.retry_after = retry_after
