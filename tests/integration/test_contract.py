"""The error contract, /health and /openapi.json (API.md "Conventions")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from openapi_spec_validator import validate

from chalicelib.adapters import clock
from chalicelib.config import settings
from chalicelib.db.models import ALL_MODELS
from tests.integration.conftest import PROGRAMME, STRONG, Api, error_of, password_from_sms, region_body

pytestmark = pytest.mark.integration


def _item_counts() -> dict[str, int]:
    return {m.Meta.table_name: m.count() for m in ALL_MODELS}


@pytest.fixture
def contact(api: Api, admin: str) -> str:
    api.call("POST", "/regions", admin, region_body())
    return api.ready_token("13900000001")


def test_bad_requests_answer_in_the_contract_shape_and_write_nothing(
    api: Api, admin: str, contact: str
) -> None:
    # Tokens that must not write: logged out, tampered with, expired, and one whose account
    # has not yet changed its initial password
    logged_out = api.login("13800000000", STRONG).data["token"]
    assert api.call("POST", "/auth/logout", logged_out).status_code == 204
    api.call("POST", "/regions", admin, region_body("13900000002", "新区"))
    fresh = api.login("13900000002", password_from_sms("13900000002")).data["token"]
    # Given the stored state after set-up
    before = _item_counts()
    cases = [
        (dict(method="POST", path="/programmes", token=logged_out, body=PROGRAMME), 401, "invalid_token"),
        (
            dict(method="POST", path="/programmes", token=admin[:-2] + "xx", body=PROGRAMME),
            401,
            "invalid_token",
        ),
        (
            dict(method="POST", path="/programmes/x/demands", token=fresh, body={"items": []}),
            403,
            "password_change_required",
        ),
        # (request, status, code)
        (dict(method="POST", path="/programmes", token=admin, raw="{not json"), 400, "malformed_json"),
        (
            dict(method="POST", path="/programmes", token=admin, body={**PROGRAMME, "colour": "red"}),
            422,
            "validation_failed",
        ),
        (
            dict(
                method="POST", path="/programmes", token=admin, body={**PROGRAMME, "default_places": "many"}
            ),
            422,
            "validation_failed",
        ),
        (dict(method="POST", path="/programmes", token=admin, raw="[1, 2]"), 422, "validation_failed"),
        (
            dict(
                method="POST", path="/programmes", token=admin, raw=json.dumps({"name": "x" * (1024 * 1024)})
            ),
            413,
            "payload_too_large",
        ),
        (dict(method="POST", path="/programmes", token=contact, body=PROGRAMME), 403, "forbidden"),
        (
            dict(method="POST", path="/regions", token=contact, body=region_body("13900000009")),
            403,
            "forbidden",
        ),
        (dict(method="POST", path="/programmes", token=None, body=PROGRAMME), 401, "unauthenticated"),
    ]
    for request, status, code in cases:
        # When each bad request is sent
        r = api.call(**request)
        # Then the answer has the status, the code and a Chinese message
        assert r.status_code == status, (request["path"], r.data)
        assert r.data["error"]["code"] == code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.data["error"]["message"])
    # And an expired session's token is refused too
    clock.advance(timedelta(hours=13))
    expired = api.call("POST", "/programmes", admin, PROGRAMME)
    assert error_of(expired) == (401, "invalid_token")
    # And nothing was written (logins aside, none of these reach a write)
    assert _item_counts() == before


def test_unknown_field_names_the_field(api: Api, admin: str) -> None:
    r = api.call("POST", "/programmes", admin, {**PROGRAMME, "colour": "red", "kind": 3})
    assert r.data["error"]["fields"] == {"colour": "不允许的字段", "kind": "取值无效"}


def test_validation_errors_never_echo_the_input(api: Api, admin: str) -> None:
    r = api.call("POST", "/regions", admin, {"name": "x", "contact": {"name": "y", "phone": "99912345678"}})
    assert r.status_code == 422 and "99912345678" not in json.dumps(r.data)


def test_health_answers_ok_when_tables_and_bucket_answer(api: Api) -> None:
    r = api.call("GET", "/health")
    assert r.status_code == 200 and r.data == {"status": "ok"}


def test_health_is_503_when_the_bucket_is_gone(api: Api) -> None:
    from chalicelib.adapters.aws import client

    client("s3").delete_bucket(Bucket=settings().bucket)
    r = api.call("GET", "/health")
    assert r.status_code == 503 and r.data["error"]["code"] == "dependency_unavailable"
    assert r.headers["Retry-After"]


def test_openapi_document_is_valid_and_lists_every_route(api: Api) -> None:
    from app import app

    r = api.call("GET", "/openapi.json")
    assert r.status_code == 200
    doc = r.data
    validate(doc)
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = {(path, method) for path, entry in app.routes.items() for method in entry}
    assert documented == served
    # The request schema is the same model that validates: extra fields forbidden, phone pattern
    region_in = doc["components"]["schemas"]["RegionIn"]
    assert region_in["additionalProperties"] is False
    assert doc["components"]["schemas"]["Contact"]["properties"]["phone"]["pattern"] == r"^1[3-9][0-9]{9}$"


def test_every_response_carries_a_correlation_id(api: Api) -> None:
    r = api.call("GET", "/health", headers={"X-Correlation-Id": "abc-123"})
    assert r.headers["X-Correlation-Id"] == "abc-123"
    assert api.call("GET", "/health").headers["X-Correlation-Id"]


def test_idempotency_key_replays_the_first_answer_and_changes_nothing(api: Api, admin: str) -> None:
    from tests.integration.conftest import sms_to

    key = {"Idempotency-Key": "5b0c7f0e-4a7e-4a55-9d1e-0c2f6b0f8a11"}
    # When the same region is posted twice with one key (a retry after a lost answer)
    first = api.call("POST", "/regions", admin, region_body(), headers=key)
    again = api.call("POST", "/regions", admin, region_body(), headers=key)
    # Then the second answer is the first, and one region, one account, one SMS exist
    assert first.status_code == again.status_code == 201
    assert again.data == first.data and again.headers.get("Idempotent-Replayed") == "true"
    assert len(api.call("GET", "/regions", admin).data["items"]) == 1
    assert len(sms_to("13900000001")) == 1
    # The same key with another body is refused; without a key, a second post is a second region
    other = api.call("POST", "/regions", admin, region_body(name="另一个"), headers=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.data["error"]["fields"]
    assert api.call("POST", "/regions", admin, region_body(name="另一个")).status_code == 201
    assert len(api.call("GET", "/regions", admin).data["items"]) == 2
    # An error answer is replayed too (a conflict stays a conflict)
    taken = {"Idempotency-Key": "k-2"}
    clash = api.call("POST", "/regions", admin, region_body(phone="13800000000"), headers=taken)
    assert error_of(clash) == (409, "phone_taken")
    assert (
        api.call("POST", "/regions", admin, region_body(phone="13800000000"), headers=taken).data
        == clash.data
    )


def test_a_body_that_is_not_json_is_415_in_the_contract_shape(api: Api, admin: str) -> None:
    # Given a body sent as text, or as a form
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        r = api.call("POST", "/programmes", admin, PROGRAMME, headers={"Content-Type": content_type})
        # Then it is refused in the contract's shape, and nothing is created
        assert error_of(r) == (415, "unsupported_media_type"), r.data
    assert api.call("GET", "/programmes", admin).data["items"] == []
    # While JSON with a charset, a +json type, and a GET with any type are fine
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        r = api.call("POST", "/programmes", admin, PROGRAMME, headers={"Content-Type": content_type})
        assert r.status_code == 201, (content_type, r.data)
    assert api.call("GET", "/programmes", admin, headers={"Content-Type": "text/plain"}).status_code == 200
