"""The concurrency tier: DynamoDB Local (the jar from the amplify-dynamodb-simulator npm
package, run by Java) instead of moto, because moto's in-process mock does not keep a
conditional write atomic under threads and DynamoDB Local does.

Nothing here runs at import: `make test` first collects this folder in the moto run
(`-m "not concurrency"`), where an endpoint override would send every call away from moto.
The session fixture points boto3 and PynamoDB at DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB;
the other services are moto's, in process) and forgets every client built before, so no
cached connection still talks to the wrong place."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from yanxiu_local import dynamodb_local as dynamodb_local_
from yanxiu_local.dynamodb_local import forget_cached_clients


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test in this folder belongs to the tier, even one that forgets the mark.
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.concurrency)


LOCAL_READ_TIMEOUT = 60.0


def _patient(env: pytest.MonkeyPatch) -> None:
    import chalicelib.db.common
    from chalicelib.db.models import ALL_MODELS

    env.setattr(chalicelib.db.common, "AWS_READ_TIMEOUT", LOCAL_READ_TIMEOUT)
    for model in ALL_MODELS:
        env.setattr(model.Meta, "read_timeout_seconds", LOCAL_READ_TIMEOUT)


@pytest.fixture(scope="session", autouse=True)
def dynamodb_local() -> Iterator[str]:
    """DynamoDB Local in memory on a free port for the whole session, with every table."""
    with ExitStack() as stack:
        try:
            # A missing jar fails the run: CI must not pass by skipping the tier.
            jar = dynamodb_local_.find_jar()
            endpoint = stack.enter_context(dynamodb_local_.running(jar, os.environ["AWS_REGION"]))
        except dynamodb_local_.NotAvailable as e:
            pytest.fail(str(e), pytrace=False)
        # Before it stops, when the session ends: nothing may keep talking to it
        stack.callback(forget_cached_clients)
        with pytest.MonkeyPatch.context() as env:
            # DynamoDB goes to DynamoDB Local; every other service (KMS, which seals the
            # credentials SMS) to moto in process, which lets the local endpoint's calls pass.
            env.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
            env.delenv("AWS_ENDPOINT_URL", raising=False)
            # DynamoDB Local on two cores answers a thousand writers at once in seconds, not
            # DynamoDB's milliseconds: a read timeout sized for the cloud would cut it short.
            _patient(env)
            from moto import mock_aws

            with mock_aws():
                forget_cached_clients()
                from chalicelib.config import settings
                from chalicelib.db.bootstrap import create_tables
                from yanxiu_local.stack import hmac_secret, kms_key

                create_tables()
                kms_key(settings().kms_key)
                hmac_secret(settings().hmac_secret)
                yield endpoint
