"""Every route against hostile input: wrong types, out-of-range numbers, control characters,
markup, huge and empty values, junk ids, junk paging, junk bodies on bodiless routes. The rule
(API.md "Conventions"): never a 500 for client input, always the contract's error shape.

Bodies are made from each route's own request model (the one that validates it and that the
OpenAPI document shows): a plausible value for every field, then one field at a time replaced
by each hostile value, so most requests get past the other fields to the one under test."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.api.routing import ENDPOINTS, Endpoint
from tests.integration.conftest import PROGRAMME, Api, base_body, error_of, region_body

pytestmark = pytest.mark.integration

CONTACT, BASE_CONTACT, TRAINEE = "13900000001", "13700000001", "13600000001"

HOSTILE: list[Any] = [
    None,
    True,
    -1,
    0,
    10**30,
    -(10**30),
    1.5,
    1e308,
    "",
    " ",
    "x" * 5000,
    "\u0000\u0007",
    "a\u001bb",
    "a\u0085b",
    "a\nb",
    "１３９００００００９９",
    "1390000009٩",
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "😀" * 50,
    "2026-02-30",
    "9999-12-31T23:59:59+14:00",
    [],
    ["a"],
    [None],
    {},
    {"$ne": None},
]

WHOLE_BODIES: list[str] = [
    "null",
    "[]",
    '"text"',
    "0",
    "{",
    "{}",
    '{"a": ' * 50 + "1" + "}" * 50,
    "\u0000",
    "[" * 100_000 + "]" * 100_000,  # deeper than the interpreter recurses
    '{"name": "\\ud800"}',  # a lone surrogate, escaped: valid JSON, no valid text
]

JUNK_IDS = ["nope", "x" * 2000, "..%2F..%2Fadmin", "%00", "0" * 32, "😀"]


def _cursor(key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


JUNK_QUERIES = [
    "limit=0",
    "limit=-1",
    "limit=101",
    "limit=abc",
    "cursor=abc",
    "stage=x",
    f"cursor={_cursor({'x': 1})}",
    f"cursor={_cursor({'zzz': {'S': 'y'}})}",
    f"cursor={_cursor({'programme_id': {'N': 'NaN1'}})}",
    f"cursor={_cursor([])}",
]


def forged(cursor: str) -> list[str]:
    """A cursor the service issued with each value in turn replaced: another partition's
    key, a key outside the query's range."""
    key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    out = []
    for name in key:
        for value in ("zzz", "0" * 32, ""):
            out.append(_cursor({**key, name: {"S": value}}))
    return out


# --- plausible values from a JSON schema ---------------------------------------------------


# Strings a field's pattern may want, tried in order
PATTERNED = ["0" * 32, "2026-2027", "13900000099", "image/png", "测试"]


def plausible(schema: dict[str, Any], defs: dict[str, Any], ids: dict[str, str], name: str = "") -> Any:
    """A value the schema accepts (mostly): the world's own id for a field named like one."""
    if name in ids:
        return int(ids[name]) if schema.get("type") == "integer" else ids[name]
    if name.endswith("_ids") and name[:-1] in ids:
        return [ids[name[:-1]]]
    if "$ref" in schema:
        return plausible(defs[schema["$ref"].split("/")[-1]], defs, ids, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return plausible(options[0], defs, ids, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: plausible(v, defs, ids, k) for k, v in props.items()}
    if kind == "array":
        item = plausible(schema.get("items", {}), defs, ids, name)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return _plausible_string(schema, name)


def _plausible_string(schema: dict[str, Any], name: str) -> str:
    if "pattern" in schema:
        return next((c for c in PATTERNED if re.search(schema["pattern"], c)), "测试")
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-09-07"
    if fmt == "date-time":
        return "2026-09-30T23:59:59+08:00"
    if fmt == "email" or "email" in name:
        return "fuzz@example.cn"
    if "phone" in name:
        return "13900000099"
    if "password" in name:
        return "Fuzz-Secret-2026"
    return "测试"


def bodies(ep: Endpoint, ids: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(what was changed, the raw body) for the endpoint."""
    if ep.body is None:
        yield "a body on a bodiless route", json.dumps({"a": 1})
        return
    schema = ep.body.model_json_schema()
    defs = schema.get("$defs", {})
    base = plausible(schema, defs, ids)
    yield "plausible", json.dumps(base, ensure_ascii=False)
    for field in schema.get("properties", {}):
        for value in HOSTILE:
            yield f"{field}={value!r:.40}", json.dumps({**base, field: value}, ensure_ascii=False)
        sub = base[field]
        # One level down: a hostile value in the first item of a list of objects, or in an object
        target = sub[0] if isinstance(sub, list) and sub and isinstance(sub[0], dict) else sub
        if isinstance(target, dict):
            for inner in target:
                for value in HOSTILE:
                    changed = {**target, inner: value}
                    new = [changed, *sub[1:]] if isinstance(sub, list) else changed
                    yield (
                        f"{field}.{inner}={value!r:.40}",
                        json.dumps({**base, field: new}, ensure_ascii=False),
                    )
    for raw in WHOLE_BODIES:
        yield f"body {raw[:20]!r}", raw


# --- the world the requests run in ------------------------------------------------------


@pytest.fixture
def world(api: Api, admin: str) -> dict[str, Any]:
    """A programme, a base, a region, two batches allocated to it (one with a confirmed roster
    of one trainee, one open with one trainee), and a token for each role."""
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base_id = api.call("POST", "/bases", admin, base_body(BASE_CONTACT, ["primary"])).data["base_id"]
    region_id = api.call("POST", "/regions", admin, region_body(CONTACT)).data["region_id"]
    contact = api.ready_token(CONTACT)
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 10}]}
    assert api.call("POST", f"/programmes/{pid}/demands", contact, demand).status_code == 201
    batch_ids = []
    for start, end in (("2026-09-07", "2026-09-18"), ("2026-10-12", "2026-10-23")):
        batch = {"base_id": base_id, "stage": "primary", "start_date": start, "end_date": end}
        batch_id = api.call("POST", f"/programmes/{pid}/batches", admin, {**batch, "study_type": "placement"})
        batch_ids.append(batch_id.data["batch_id"])
        allocated = api.call("PUT", f"/batches/{batch_ids[-1]}/region", admin, {"region_id": region_id})
        assert allocated.status_code == 200, allocated.data
    trainee_ids = []
    for batch_id, phone in zip(batch_ids, (TRAINEE, "13600000002"), strict=True):
        person = {"name": "学员", "gender": "female", "phone": phone, "unit": "学校", "team_role": "leader"}
        added = api.call("POST", f"/batches/{batch_id}/trainees", contact, person)
        assert added.status_code == 201, added.data
        trainee_ids.append(added.data["trainee_id"])
    assert api.call("POST", f"/batches/{batch_ids[0]}/roster/confirm", contact).status_code == 200
    tokens = {
        "admin": admin,
        "region_contact": contact,
        "base_contact": api.ready_token(BASE_CONTACT),
        "trainee": api.ready_token(TRAINEE),
    }
    ids = {
        "programme_id": pid,
        "base_id": base_id,
        "region_id": region_id,
        "batch_id": batch_ids[1],
        "trainee_id": trainee_ids[1],
    }
    # Values the world's fields want, for the bodies' plausible values
    next_pid = api.call("POST", "/programmes", admin, {**PROGRAMME, "name": "下一年度"}).data["programme_id"]
    known = {
        **ids,
        "next_programme_id": next_pid,
        "stage": "primary",
        "team_role": "member",
        "content_type": "image/png",
        "size": "1024",
    }
    return {"tokens": tokens, "ids": ids, "known": known}


def token_for(ep: Endpoint, tokens: dict[str, str]) -> str | None:
    for role in ("admin", "region_contact", "base_contact", "trainee"):
        if role in ep.roles:
            return tokens[role]
    return None


def path_with(ep: Endpoint, ids: dict[str, str], junk: str | None = None) -> str:
    path = ep.path
    for name in ids:
        path = path.replace("{" + name + "}", junk or ids[name])
    # ids the world has none of (artifacts, exports, uploads): a well-formed unknown one
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + (junk or "0" * 32) + path[end + 1 :]
    return path


def ordered(endpoints: list[Endpoint]) -> list[Endpoint]:
    """Deletions late, so the other routes find the world whole; the session's own routes
    last: a password change or a logout would end the tokens."""
    return sorted(endpoints, key=lambda ep: (ep.path.startswith("/auth/"), ep.method == "DELETE"))


def check(response: Any, what: str, failures: list[str]) -> None:
    status = response.status_code
    if status >= 500:
        failures.append(f"{what}: {status} {response.body[:200]!r}")
    elif status >= 400:
        try:
            error = json.loads(response.body)["error"]
            assert isinstance(error["code"], str) and error["code"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
        except (ValueError, KeyError, TypeError, AssertionError):
            failures.append(f"{what}: {status} not in the contract's shape: {response.body[:200]!r}")


def send(api: Api, ep: Endpoint, path: str, token: str | None, raw: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = getattr(api.client.http, ep.method.lower())(path, headers=headers, body=raw)
    return response


def test_no_route_answers_500_to_hostile_bodies(api: Api, world: dict[str, Any]) -> None:
    failures: list[str] = []
    sent = 0
    for ep in ordered(ENDPOINTS):
        if ep.method == "GET":
            continue
        token = token_for(ep, world["tokens"])
        path = path_with(ep, world["ids"])
        for what, raw in bodies(ep, world["known"]):
            check(send(api, ep, path, token, raw), f"{ep.method} {ep.path} [{what}]", failures)
            sent += 1
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures[:40])
    assert sent > 1000  # the generator did reach every field of every body


def test_no_route_answers_500_to_junk_ids_or_paging(api: Api, world: dict[str, Any]) -> None:
    failures: list[str] = []
    for ep in ordered(ENDPOINTS):
        token = token_for(ep, world["tokens"])
        raw = None if ep.body is None else next(bodies(ep, world["known"]))[1]
        if "{" in ep.path:
            for junk in JUNK_IDS:
                path = path_with(ep, world["ids"], junk)
                check(send(api, ep, path, token, raw), f"{ep.method} {path[:80]}", failures)
        if ep.method == "GET":
            for query in JUNK_QUERIES:
                path = f"{path_with(ep, world['ids'])}?{query}"
                check(send(api, ep, path, token, None), f"GET {path[:80]}", failures)
    assert not failures, "\n".join(failures[:40])


def test_no_list_answers_500_to_a_forged_cursor(api: Api, admin: str, world: dict[str, Any]) -> None:
    # Given a second page on every paged list (two more of each thing the admin can list)
    for n in range(2):
        api.call("POST", "/programmes", admin, {**PROGRAMME, "name": f"翻页{n}"})
        api.call("POST", "/regions", admin, region_body(f"1390000010{n}", f"翻页区{n}"))
        api.call("POST", "/bases", admin, base_body(f"1370000010{n}", ["primary"]))
    failures: list[str] = []
    tried = 0
    for ep in ordered(ENDPOINTS):
        if not ep.paged:
            continue
        token = token_for(ep, world["tokens"])
        path = path_with(ep, world["ids"])
        first = send(api, ep, f"{path}?limit=1", token, None)
        cursor = json.loads(first.body).get("next_cursor") if first.status_code == 200 else None
        if not cursor:
            continue
        # When the cursor it gave is sent back with any of its values changed
        for fake in forged(cursor):
            tried += 1
            check(
                send(api, ep, f"{path}?limit=1&cursor={fake}", token, None), f"GET {ep.path} {fake}", failures
            )
    # Then each is refused in the contract's shape (or answered), never a 500
    assert not failures, "\n".join(failures[:40])
    assert tried >= 20


JUNK_HEADERS: list[dict[str, str]] = [
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer " + "x" * 10_000},
    {"Authorization": "Basic YWRtaW46YWRtaW4="},
    {"Authorization": "bearer \u00e9\u00e9"},
    {"Idempotency-Key": ""},
    {"Idempotency-Key": "k" * 101},
    {"Idempotency-Key": "\u6d4b\u8bd5\t\u00e9"},
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/json; charset=gbk"},
    {"X-Correlation-Id": "x" * 10_000},
    {"X-Correlation-Id": "<script>\u00e9"},
    {"Idempotency-Key": "k" * 10_000},
    {"User-Agent": "x" * 20_000},
    {"Accept-Language": "zh-CN," * 2_000},
]


def test_no_route_answers_500_to_junk_headers(api: Api, world: dict[str, Any]) -> None:
    failures: list[str] = []
    for ep in ordered(ENDPOINTS):
        if ep.path.startswith("/auth/"):
            continue
        token = token_for(ep, world["tokens"])
        path = path_with(ep, world["ids"])
        raw = None if ep.body is None else next(bodies(ep, world["known"]))[1]
        for junk in JUNK_HEADERS:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            headers.update(junk)
            response = getattr(api.client.http, ep.method.lower())(path, headers=headers, body=raw)
            check(response, f"{ep.method} {ep.path} {junk!r:.60}", failures)
    assert not failures, "\n".join(failures[:40])


def test_a_start_key_dynamodb_refuses_is_a_bad_cursor(
    api: Api, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB's answer to a start key outside the query (moto accepts it; DynamoDB
    # says "The provided starting key is invalid"), and a second page of programmes
    from botocore.awsrequest import AWSResponse

    from chalicelib.db.models import ProgrammeModel

    class Raw:
        def __init__(self, body: bytes) -> None:
            self.body = body

        def stream(self, **kwargs: Any) -> Iterator[bytes]:
            yield self.body

    def refuse(request: Any, **kwargs: Any) -> Any:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        if "ExclusiveStartKey" not in body:
            return None
        error = {
            "__type": "com.amazon.coral.validate#ValidationException",
            "message": "The provided starting key is invalid",
        }
        return AWSResponse(request.url, 400, {}, Raw(json.dumps(error).encode()))

    for n in range(2):
        api.call("POST", "/programmes", admin, {**PROGRAMME, "name": f"翻页{n}"})
    cursor = api.call("GET", "/programmes?limit=1", admin).data["next_cursor"]
    events = ProgrammeModel._get_connection().connection.client.meta.events
    events.register_first("before-send.dynamodb.Query", refuse)
    try:
        # When the cursor is sent back
        r = api.call("GET", f"/programmes?limit=1&cursor={cursor}", admin)
    finally:
        events.unregister("before-send.dynamodb.Query", refuse)
    # Then it is the client's bad cursor (422), not the service's failure (500)
    assert error_of(r) == (422, "validation_failed") and "cursor" in r.data["error"]["fields"]
