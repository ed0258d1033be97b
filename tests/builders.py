"""The request bodies and files that tests and the bench both build: one programme, region,
base and trainee body, and a real PNG. Each takes the few values a caller changes."""

from __future__ import annotations

import io
from typing import Any

# The seed's dates (2019-2020学年), as the integration tier's frozen clock reads them.
PROGRAMME: dict[str, Any] = {
    "name": "2019-2020学年研修基地培训学习",
    "kind": "base_training",
    "academic_year": "2019-2020",
    "demand_deadline": "2026-07-15T23:59:59+08:00",
    "roster_deadline": "2026-08-31T23:59:59+08:00",
    "registration_deadline": "2026-09-05T23:59:59+08:00",
}
# Deadlines far ahead of the machine's clock: for the local stack, which has no test clock.
PROGRAMME_AHEAD: dict[str, Any] = {
    **PROGRAMME,
    "name": "2026-2027学年研修基地培训学习",
    "academic_year": "2026-2027",
    "demand_deadline": "2099-07-15T23:59:59+08:00",
    "roster_deadline": "2099-08-31T23:59:59+08:00",
    "registration_deadline": "2099-09-05T23:59:59+08:00",
}


def region_body(phone: str = "13900000001", name: str = "广州南沙实验区") -> dict[str, Any]:
    return {"name": name, "contact": {"name": "李老师", "phone": phone, "email": "li@example.cn"}}


def base_body(
    phone: str = "13700000001", stages: list[str] | None = None, name: str = "北京市第一实验小学"
) -> dict[str, Any]:
    return {
        "name": name,
        "stages": stages or ["primary", "junior"],
        "city": "北京",
        "contact": {"name": "王老师", "phone": phone, "email": "wang@example.cn"},
    }


def trainee_body(
    n: int, role: str = "member", *, phone: str | None = None, **extra: object
) -> dict[str, Any]:
    """The n-th trainee of a roster (研修n), a leader or a member; phone 1360000nnnn unless given."""
    phone = phone or f"1360000{n:04d}"
    return {
        "name": f"研修{n}",
        "gender": "female" if n % 2 else "male",
        "position": "教研组长",
        "phone": phone,
        "email": f"t{phone}@example.cn",
        "unit": "南沙第一小学",
        "subject": "数学",
        "team_role": role,
        **extra,
    }


def png(width: int = 32, height: int = 24) -> bytes:
    """A real PNG, red, as a phone's screenshot would be."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()
