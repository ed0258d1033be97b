"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from chalicelib.api.routing import ENDPOINTS, Endpoint
from chalicelib.schemas.common import ErrorOut

REF = "#/components/schemas/{model}"

ERROR_STATUSES = {
    "400": "请求体不是有效的 JSON",
    "401": "未登录或令牌无效",
    "403": "角色不符或须先修改初始密码",
    "404": "对象不存在（或无权知道其存在）",
    "409": "与当前数据冲突",
    "413": "请求体过大",
    "415": "请求体须为 JSON",
    "422": "数据校验失败（见 fields）",
    "429": "尝试次数过多（见 Retry-After）",
    "503": "依赖服务不可用（见 Retry-After）",
}


def _schema(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _operation(ep: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": ep.summary,
        "operationId": f"{ep.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', ep.path.lower()).strip('_')}",
        "responses": {},
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", ep.path)
    ]
    params += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in ep.query]
    if ep.paged:
        params += [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 100},
            },
            {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
        ]
    if params:
        op["parameters"] = params
    if ep.roles:
        op["security"] = [{"bearer": []}]
        op["x-roles"] = sorted(ep.roles)
    if ep.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(ep.body, components, "validation")}},
        }
    ok: dict[str, Any] = {"description": "成功"}
    if ep.response is not None:
        item = _schema(ep.response, components, "serialization")
        if ep.paged:
            item = {
                "type": "object",
                "required": ["items", "next_cursor"],
                "properties": {
                    "items": {"type": "array", "items": item},
                    "next_cursor": {"type": ["string", "null"]},
                },
            }
        ok["content"] = {"application/json": {"schema": item}}
    op["responses"][str(ep.status)] = ok
    error_ref = {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}}
    for status, text in ERROR_STATUSES.items():
        op["responses"][status] = {"description": text, "content": error_ref}
    return op


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    _schema(ErrorOut, components, "serialization")
    paths: dict[str, Any] = {}
    for ep in ENDPOINTS:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "yanxiu 研修",
            "version": "0.1.0",
            "description": "研修基地培训与国培项目的全流程服务。错误体：{error: {code, message, fields}}。",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
