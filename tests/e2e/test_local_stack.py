"""`make run` serves the API against the embedded AWS; the admin logs in with the password
the outbox shows; Ctrl-C stops both."""

from __future__ import annotations

import signal

import pytest
import requests

from tests.e2e.conftest import ADMIN_PHONE, Stack

pytestmark = pytest.mark.e2e


def test_admin_logs_in_over_http_with_the_password_from_the_outbox(stack: Stack) -> None:
    # Given the local stack is up
    assert requests.get(f"{stack.url}/health", timeout=5).json() == {"status": "ok"}
    # When the admin logs in with the password from the outbox
    password = stack.password_of(ADMIN_PHONE)
    r = requests.post(
        f"{stack.url}/auth/login", json={"phone": ADMIN_PHONE, "password": password}, timeout=10
    )
    # Then a token comes back, and the password must be changed before anything else
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    token = r.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    blocked = requests.get(f"{stack.url}/programmes", headers=auth, timeout=10)
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "password_change_required"
    changed = requests.post(
        f"{stack.url}/auth/password",
        headers=auth,
        timeout=10,
        json={"old_password": password, "new_password": "Local-Stack-2026"},
    )
    assert changed.status_code == 200
    auth = {"Authorization": f"Bearer {changed.json()['token']}"}
    # And the office can set up a region, whose contact's SMS shows in the outbox
    region = requests.post(
        f"{stack.url}/regions",
        headers=auth,
        timeout=10,
        json={"name": "宜川县", "contact": {"name": "张老师", "phone": "13900000123"}},
    )
    assert region.status_code == 201
    assert stack.password_of("13900000123")
    assert requests.get(f"{stack.url}/openapi.json", timeout=10).json()["openapi"].startswith("3.")


def test_ctrl_c_stops_the_stack(stack: Stack) -> None:
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=20) is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stack.url}/health", timeout=2)
