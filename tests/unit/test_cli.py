"""The yanxiu command line: what it refuses before touching any AWS."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("phone", ["123", "23800000000", "1380000000a", "138000000001"])
def test_create_admin_refuses_a_phone_that_cannot_get_an_sms(phone: str) -> None:
    from yanxiu_local.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["create-admin", "--phone", phone, "--name", "管理员"])
    assert "手机号格式不正确" in str(stop.value)
