"""What the service says by SMS and e-mail, and how hard it tries to say it."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.vocab import ROLE_NAMES_ZH, Role

MAX_ATTEMPTS = 6
PASSWORD_MASK = "********"  # noqa: S105 - what replaces a password


def retry_at(attempts_so_far: int, now: datetime) -> datetime | None:
    """Exponential backoff (1, 2, 4, 8, 16 minutes); None once MAX_ATTEMPTS are spent."""
    if attempts_so_far + 1 >= MAX_ATTEMPTS:
        return None
    return now + timedelta(minutes=2**attempts_so_far)


def credentials_sms(name: str, role: str, phone: str, password: str, site: str) -> tuple[str, str]:
    """The credentials SMS and its redacted twin (kept once the SMS is sent)."""
    role_zh = ROLE_NAMES_ZH.get(Role(role), "用户")

    def text(secret: str) -> str:
        return (
            f"【研修平台】{name}您好，您的{role_zh}账号已开通。账号：{phone}，初始密码：{secret}。"
            f"请于72小时内登录 {site} 并修改密码，逾期初始密码失效。"
        )

    return text(password), text(PASSWORD_MASK)
