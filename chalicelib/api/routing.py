"""Route registration in one place: authentication, the role check, the body's size and
schema, and the mapping of errors to the contract all happen here, around every view.
Chalice's middleware does not see view exceptions, so the mapping wraps the views.

Each registration is also recorded for the OpenAPI document (api/openapi.py)."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Generic, TypedDict, Unpack

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ValidationError
from typing_extensions import TypeVar  # a TypeVar with a default (PEP 696): a bare Call is Call[None]

from chalicelib.api.errors import error_response, from_domain, from_validation
from chalicelib.config import settings
from chalicelib.domain.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    MalformedRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
    problem,
)
from chalicelib.domain.records import Page, Session
from chalicelib.observability import logger

T = TypeVar("T")
Body = TypeVar("Body", default=None)

PUBLIC: frozenset[str] = frozenset()
ANY_ACCOUNT = frozenset(
    {"admin", "region_contact", "base_contact", "workshop_host", "trainee", "school_admin"}
)
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    roles: frozenset[str]
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    paged: bool = False
    # /auth/* and GET /me stay open to an account that has not yet changed its initial password.
    before_password_change: bool = False
    query: tuple[str, ...] = ()
    # The answer holds a secret (a token, a password, an ID number): it is never stored to
    # replay for an Idempotency-Key, which such a route ignores.
    secret: bool = False


ENDPOINTS: list[Endpoint] = []
# Each registered view beside its endpoint (the check that a view's Call[...] is its body).
VIEWS: list[tuple[Endpoint, Callable[..., Any]]] = []


@dataclass
class Call(Generic[Body]):
    """What a view gets: the caller's session (None on public routes), the validated body,
    the query string, and the page arguments. A view with a body says its type in its
    signature (`call: Call[DemandIn]`), the same class its route's `body=` names: mypy then
    checks the view's use of it, and tests/unit/test_routes_typed.py that the two agree."""

    session: Session | None
    body: Body
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def me(self) -> Session:
        assert self.session is not None
        return self.session

    def page(self) -> tuple[int, str | None]:
        raw = self.query.get("limit", "50")
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
            raise ValidationFailedError(fields={"limit": problem("page_limit")})
        return int(raw), self.query.get("cursor") or None

    def page_of(self, items: Sequence[T]) -> Page[T]:
        """One page of a list the service computed whole (a roster, a programme's archive,
        the evaluation's ranking: bounded by the programme's size), under the contract's
        `{"items", "next_cursor"}` like every list; the cursor is the next item's position."""
        limit, cursor = self.page()
        start = _offset(cursor)
        end = start + limit
        return Page(list(items[start:end]), _offset_cursor(end) if end < len(items) else None)


def _offset_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise ValidationFailedError(fields={"cursor": problem("cursor_invalid")}) from exc
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
        raise ValidationFailedError(fields={"cursor": problem("cursor_invalid")})
    return value


def _bearer(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# No body of the contract nests deeper than a few levels; a deeper one is junk (and deep
# enough, it would exhaust the interpreter's recursion while being read or validated).
MAX_JSON_DEPTH = 32


def _too_deep(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return True
            stack += [(v, depth + 1) for v in (value.values() if isinstance(value, dict) else value)]
    return False


def _parse_body(raw: str | bytes | None, model: type[BaseModel]) -> BaseModel:
    try:
        data = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedRequestError() from exc
    if _too_deep(data):
        raise MalformedRequestError()
    return model.model_validate(data)


def _json(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, Page):
        return {"items": [_json(i) for i in result.items], "next_cursor": result.next_cursor}
    if isinstance(result, list):
        # API.md: every list is {"items", "next_cursor"}; a view returns a Page (call.page_of).
        raise TypeError("a list goes out as a Page")
    return result


def _respond(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None and status == 204:
        return Response(body="", status_code=204)
    return Response(
        body=json.dumps(_json(result), ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


def _authorise(endpoint: Endpoint, headers: Any) -> Session | None:
    if not endpoint.roles:
        return None
    from chalicelib.services.auth import authenticate  # services import db: keep api import light

    session = authenticate(_bearer(headers))
    if session.role not in endpoint.roles:
        raise ForbiddenError("forbidden")
    if session.must_change_password and not endpoint.before_password_change:
        raise ForbiddenError("password_change_required")
    return session


def _answer(
    view: Callable[..., Any], call: Call[Any], params: dict[str, str], endpoint: Endpoint
) -> Response:
    try:
        return _respond(view(call, **params), endpoint.status)
    except DomainError as exc:
        return from_domain(exc)


# Without a Lambda context (chalice local), a request is over by then: API Gateway's limit.
REQUEST_DEADLINE = timedelta(seconds=30)
# What a body's fingerprint is bound to (adapters/crypto.py's keyed digests)
IDEMPOTENT_BODY = "idempotent_body"


def _deadline(lambda_context: Any, now: datetime) -> datetime:
    """When this request's function will have stopped, answered or not."""
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        return now + timedelta(milliseconds=max(0, int(remaining())))
    return now + REQUEST_DEADLINE


def body_fingerprint(raw: str | bytes | None) -> str:
    """What the idempotency record keeps of a request's body to tell a reused key: keyed
    (the blind index's HMAC key), since a body may hold a whole ID number and a plain hash of
    one is found again from its masked form (8 digits shown, a check digit) in moments."""
    from chalicelib.adapters import crypto

    return crypto.keyed_digest(IDEMPOTENT_BODY, raw or b"")


def _once(
    key: str,
    endpoint: Endpoint,
    session: Session | None,
    params: dict[str, str],
    raw: str | bytes | None,
    answer: Callable[[], Response],
    lambda_context: Any,
) -> Response:
    """The first answer for (caller, route, key), whatever comes again with the same key."""
    from chalicelib.adapters import clock
    from chalicelib.db import idempotency

    if len(key) > 100:
        raise ValidationFailedError(fields={"Idempotency-Key": problem("idempotency_key_too_long")})
    scope = hashlib.sha256(
        json.dumps(
            [session.account_id if session else "", endpoint.method, endpoint.path, params, key],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    body_hash = body_fingerprint(raw)
    now = clock.now()
    prior = idempotency.claim(scope, body_hash, now, _deadline(lambda_context, now))
    if prior is not None:
        if prior.body_hash != body_hash:
            raise ValidationFailedError(fields={"Idempotency-Key": problem("idempotency_key_reused")})
        if prior.status is None:
            raise ConflictError("idempotency_in_progress")
        return Response(
            body=prior.body or "",
            status_code=prior.status,
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotent-Replayed": "true"},
        )
    try:
        response = answer()
    except BaseException:
        idempotency.release(scope)
        raise
    if response.status_code >= 500:
        idempotency.release(scope)  # our failure: the client may try again with the same key
    else:
        body = (
            response.body if isinstance(response.body, str) else json.dumps(response.body, ensure_ascii=False)
        )
        idempotency.finish(scope, response.status_code, body or "")
    return response


def _is_json(content_type: str | None) -> bool:
    """No type (a bare client) or application/json, or any +json type, parameters aside."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class RouteOptions(TypedDict, total=False):
    """What a route may say beyond its path, roles and summary (Endpoint's fields)."""

    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    paged: bool
    before_password_change: bool
    query: tuple[str, ...]
    secret: bool


def route(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    roles: Iterable[str],
    summary: str,
    **options: Unpack[RouteOptions],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    endpoint = Endpoint(method, path, frozenset(roles), summary, **options)
    if path.startswith("/auth/"):
        # /auth/* answers hold tokens, or ask for what must happen once (a reset code).
        endpoint = replace(endpoint, secret=True)
    ENDPOINTS.append(endpoint)

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        VIEWS.append((endpoint, view))

        @functools.wraps(view)
        def handler(**params: str) -> Response:
            request = bp.current_request
            try:
                raw = request.raw_body if endpoint.body else None
                if raw and len(raw) > settings().max_body_bytes:
                    raise PayloadTooLargeError()
                session = _authorise(endpoint, request.headers)
                if raw and not _is_json(request.headers.get("content-type")):
                    raise UnsupportedMediaTypeError()
                call: Call[Any] = Call(
                    session=session,
                    body=_parse_body(raw, endpoint.body) if endpoint.body else None,
                    query=dict(request.query_params or {}),
                    headers=dict(request.headers),
                )
                key = request.headers.get("idempotency-key")
                if key and endpoint.method != "GET" and not endpoint.secret:
                    return _once(
                        key,
                        endpoint,
                        session,
                        params,
                        raw,
                        lambda: _answer(view, call, params, endpoint),
                        getattr(request, "lambda_context", None),
                    )
                return _respond(view(call, **params), endpoint.status)
            except DomainError as exc:
                return from_domain(exc)
            except ValidationError as exc:
                # include_input=False: the rejected values (a phone, a password) stay out of
                # everything, logs included.
                return from_validation(exc.errors(include_input=False, include_url=False))
            except Exception as exc:  # noqa: BLE001 - the last guard: a 500 in the contract's shape
                # The traceback's frames without the exception's text, which may quote input.
                logger.error(
                    "unhandled error",
                    extra={
                        "error_type": type(exc).__name__,
                        "frames": traceback.format_tb(exc.__traceback__)[-5:],
                    },
                )
                return error_response("internal_error", 500)

        # Every type reaches the handler, which refuses a non-JSON body in the contract's
        # shape (Chalice's own 415 is not) and ignores the type of a request without one.
        bp.route(path, methods=[method], content_types=["*/*"])(handler)
        return view

    return register
