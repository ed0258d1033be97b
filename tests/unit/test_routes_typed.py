"""Each view says its body's type in its signature (`call: Call[DemandIn]`), and it is the
class its route's `body=` validates: mypy checks the view against the one, the request is
validated by the other, so they must not drift apart."""

from __future__ import annotations

import typing

import pytest

from chalicelib.api.routing import VIEWS, Call

pytestmark = pytest.mark.unit


def _body_of(view: typing.Callable[..., object]) -> object:
    hint = typing.get_type_hints(view)["call"]
    if hint is Call:
        return None  # bare: Call[None]
    assert typing.get_origin(hint) is Call, f"{view.__module__}.{view.__name__}: call is {hint}"
    (argument,) = typing.get_args(hint)
    return None if argument is type(None) else argument


def test_every_views_call_names_the_body_its_route_validates() -> None:
    import app  # noqa: F401 - registers every route (the lazy views' modules included)

    assert len(VIEWS) > 120
    drifted = [
        f"{e.method} {e.path}: route body={e.body and e.body.__name__}, view {view.__name__} takes "
        f"Call[{getattr(_body_of(view), '__name__', None)}]"
        for e, view in VIEWS
        if _body_of(view) is not e.body
    ]
    assert drifted == []
