"""Shared test set-up. The environment is fixed before chalicelib is imported (its
settings are read once): dummy credentials, one region, no endpoint override (moto's
in-process mock intercepts every call)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
        "YANXIU_STAGE": "test",
        "POWERTOOLS_METRICS_NAMESPACE": "yanxiu",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # argon2 at a token cost (chalicelib/config.py); tests/unit/test_password_hashes.py
        # checks the production parameters with it off
        "YANXIU_CHEAP_HASHES": "1",
    }
)

# Hypothesis: "deep" for `make test` (each property's own example counts), "fast" for the
# inner loop (`make check`), chosen by HYPOTHESIS_PROFILE.
from hypothesis import HealthCheck, settings  # noqa: E402 - after the environment is fixed

settings.register_profile(
    "deep", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fast", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deep"))

TIERS = ("unit", "integration", "e2e", "browser", "concurrency", "package")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test carries the tier of its folder, and only that one: `pytest -m integration`
    selects exactly tests/integration (a file that forgets its pytestmark fails here)."""
    for item in items:
        folder = item.path.parent.name
        if folder not in TIERS:
            continue
        marks = {m.name for m in item.iter_markers() if m.name in TIERS}
        if marks != {folder}:
            raise pytest.UsageError(f"{item.nodeid}: tier marks {sorted(marks)}, expected ['{folder}']")


@pytest.fixture
def production_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 at the deployed parameters (the suite runs at a token cost: YANXIU_CHEAP_HASHES)."""
    from chalicelib.adapters import secrets
    from chalicelib.config import settings

    monkeypatch.setattr(settings(), "cheap_hashes", False)
    secrets._hasher.cache_clear()
    secrets.decoy_hash.cache_clear()
    yield
    secrets._hasher.cache_clear()
    secrets.decoy_hash.cache_clear()
