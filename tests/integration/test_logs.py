"""No phone, password, token or e-mail in any log line of a whole flow."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from tests.integration.conftest import ADMIN_PHONE, STRONG, Api, base_body, password_from_sms, region_body

pytestmark = pytest.mark.integration


class _Everything(logging.Handler):
    """Keeps every field of every record (message, arguments, extras, exception text), so
    nothing a formatter could print escapes the search."""

    def __init__(self, buffer: io.StringIO) -> None:
        super().__init__(logging.DEBUG)
        self.buffer = buffer

    def emit(self, record: logging.LogRecord) -> None:
        fields = dict(record.__dict__)
        fields["message"] = record.getMessage()
        self.buffer.write(json.dumps(fields, default=str, ensure_ascii=False).replace(" ", "") + "\n")


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every record of the service's logger and of every other logger at INFO (botocore,
    pynamodb, chalice: INFO is the most a deployed function emits)."""
    from chalicelib.observability import logger

    buffer = io.StringIO()
    ours, rest = _Everything(buffer), _Everything(buffer)
    logger.addHandler(ours)
    root = logging.getLogger()
    level = root.level
    root.addHandler(rest)
    root.setLevel(logging.INFO)
    yield buffer
    logger.removeHandler(ours)  # type: ignore[attr-defined]  # powertools passes it to the logging.Logger
    root.removeHandler(rest)
    root.setLevel(level)


def test_a_whole_flow_logs_no_personal_data_or_secrets(api: Api, captured_logs: io.StringIO) -> None:
    from yanxiu_local.stack import ensure_admin

    # Given a flow that touches every kind of secret and personal datum
    ensure_admin(ADMIN_PHONE, "管理员")
    initial = password_from_sms(ADMIN_PHONE)
    first = api.login(ADMIN_PHONE, initial).data["token"]
    admin = api.call("POST", "/auth/password", first, {"old_password": initial, "new_password": STRONG}).data[
        "token"
    ]
    api.call("POST", "/regions", admin, region_body())
    api.call("POST", "/bases", admin, base_body())
    api.call("POST", "/regions", admin, region_body(phone=ADMIN_PHONE))  # 409
    api.call(
        "POST",
        "/regions",
        admin,
        {"name": "x", "contact": {"name": "y", "phone": "19912345678", "email": "bad"}},
    )
    for _ in range(6):
        api.login("13900000001", "wrong-password")  # failures and a lock-out
    contact_password = password_from_sms("13700000001")
    contact = api.login("13700000001", contact_password).data["token"]
    api.call("GET", "/me", contact)
    api.call("POST", "/auth/logout", contact)
    api.call("GET", "/me", contact)  # 401

    # When the logs are read
    logs = captured_logs.getvalue()
    assert '"message":"request"' in logs  # the capture did see the log lines

    # Then none of the secrets or personal data appears
    secrets = [
        ADMIN_PHONE,
        "13900000001",
        "13700000001",
        "19912345678",
        initial,
        STRONG,
        contact_password,
        first,
        admin,
        contact,
        "li@example.cn",
        "wang@example.cn",
        "wrong-password",
    ]
    leaked = [s for s in secrets if s in logs]
    assert leaked == []
