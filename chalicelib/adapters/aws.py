"""boto3 clients behind cached getters: built on first use, so moto is active first and a
cold start that needs no client builds none. AWS_ENDPOINT_URL (local mode) reaches them
through botocore itself."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from chalicelib.config import AWS_CONNECT_TIMEOUT, AWS_READ_TIMEOUT, SDK_ATTEMPTS, settings

# botocore retries throttling itself, a few times and quickly (config.py); what still fails
# stays in the outbox for the drain job's slower backoff (services/notify.py).


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": SDK_ATTEMPTS},
        connect_timeout=AWS_CONNECT_TIMEOUT,
        read_timeout=AWS_READ_TIMEOUT,
        # Presigned S3 URLs and POST policies in SigV4 (moto refuses a browser's preflight on SigV2).
        signature_version="s3v4" if service == "s3" else None,
    )
    return boto3.client(service, region_name=settings().aws_region, config=config)


# What the adapters keep of what a client fetched (data keys, queues' URLs): forgotten with
# the clients. Each adapter registers its own, so this module knows none of them.
_KEPT: list[Callable[[], None]] = []


def on_reset(forget: Callable[[], None]) -> None:
    _KEPT.append(forget)


def reset_clients() -> None:
    """Forget every client, and what was fetched with them (tests start moto afresh for each
    test)."""
    client.cache_clear()
    for forget in _KEPT:
        forget()
