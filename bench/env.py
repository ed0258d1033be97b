"""The environment the figures run under: the same as tests/conftest.py sets (dummy
credentials, one region, no endpoint override). Applied before chalicelib is imported,
because its settings are read once."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's dummy credentials
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "YANXIU_STAGE": "test",
    "POWERTOOLS_METRICS_NAMESPACE": "yanxiu",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def lambda_variables() -> dict[str, str]:
    """The variables .chalice/config.json gives every deployed function (prod stage)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {
        **config.get("environment_variables", {}),
        **config["stages"]["prod"].get("environment_variables", {}),
    }


def test_environment() -> dict[str, str]:
    """A copy of this process's environment with the Lambda's variables and the test
    settings applied (what a cold start in the cloud would see, minus the real AWS)."""
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    env.update(lambda_variables())
    env.update(TEST_ENV)
    return env


def apply() -> None:
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(TEST_ENV)
