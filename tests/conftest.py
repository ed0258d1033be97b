"""Shared test set-up. The environment is fixed before chalicelib is imported (its
settings are read once): dummy credentials, one region, no endpoint override (moto's
in-process mock intercepts every call)."""

from __future__ import annotations

import os

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
    }
)
