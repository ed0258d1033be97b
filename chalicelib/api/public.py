"""Public routes: health and the OpenAPI document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.api.routing import PUBLIC, Call, route
from chalicelib.lazy import lazy_import

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import health
else:
    health = lazy_import("chalicelib.services.health")

bp = Blueprint(__name__)


@route(bp, "/health", roles=PUBLIC, summary="表和存储桶可用时返回 ok")
def get_health(call: Call) -> dict[str, str]:
    return health.check()


@route(bp, "/openapi.json", roles=PUBLIC, summary="本服务的 OpenAPI 3 文档")
def get_openapi(call: Call) -> dict[str, Any]:
    from chalicelib.api.openapi import document

    return document()
