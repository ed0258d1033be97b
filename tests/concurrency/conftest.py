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
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PACKAGE = ROOT / ".tools" / "node_modules" / "amplify-dynamodb-simulator"
START_TIMEOUT_S = 30.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test in this folder belongs to the tier, even one that forgets the mark.
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.concurrency)


def find_jar() -> Path:
    """DynamoDBLocal.jar from YANXIU_DDB_LOCAL (the npm package folder, its emulator/
    folder or the jar itself), else the folder `make dynamodb-local` installs into.
    A missing jar fails the run: CI must not pass by skipping the tier."""
    given = os.environ.get("YANXIU_DDB_LOCAL")
    base = Path(given) if given else DEFAULT_PACKAGE
    if not base.is_absolute():
        base = ROOT / base
    candidates = [base, base / "DynamoDBLocal.jar", base / "emulator" / "DynamoDBLocal.jar"]
    for candidate in candidates:
        if candidate.is_file() and candidate.name == "DynamoDBLocal.jar":
            if not (candidate.parent / "DynamoDBLocal_lib").is_dir():
                pytest.fail(f"DynamoDBLocal_lib missing next to {candidate}", pytrace=False)
            return candidate
    pytest.fail(
        f"DynamoDB Local not found under {base} (YANXIU_DDB_LOCAL={given!r}); run `make dynamodb-local`",
        pytrace=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_answering(endpoint: str, process: subprocess.Popen[bytes]) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    # A short-lived client of its own, with no retries: the poll loop is the retry.
    probe = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=os.environ["AWS_REGION"],
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"DynamoDB Local exited with code {process.returncode}", pytrace=False)
        try:
            probe.list_tables()
            return
        except (BotoCoreError, ClientError):
            time.sleep(0.2)
    pytest.fail(f"DynamoDB Local did not answer within {START_TIMEOUT_S:.0f} s", pytrace=False)


def forget_cached_clients() -> None:
    """Clients and connections are built once and cached; drop them so the next use reads
    the endpoint now in the environment."""
    from chalicelib.adapters.aws import reset_clients
    from chalicelib.db.common import reset_connection
    from chalicelib.db.models import ALL_MODELS

    reset_clients()
    reset_connection()
    for model in ALL_MODELS:
        model._connection = None


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
    jar = find_jar()
    java = shutil.which("java")
    if java is None:
        pytest.fail("java not found on PATH: DynamoDB Local needs Java 17", pytrace=False)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-inMemory",
            "-port",
            str(port),
        ],
        cwd=jar.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with pytest.MonkeyPatch.context() as env:
            wait_until_answering(endpoint, process)
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
                from yanxiu_local.stack import kms_key

                create_tables()
                kms_key(settings().kms_key)
                yield endpoint
    finally:
        forget_cached_clients()  # the endpoint is going away: nothing may keep talking to it
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
