"""DynamoDB Local (the jar the amplify-dynamodb-simulator npm package ships, run by Java 17):
real conditional-write semantics and a real wire protocol, for the concurrency tier and the
national figure of `make bench`. `make dynamodb-local` installs it under .tools/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PACKAGE = ROOT / ".tools" / "node_modules" / "amplify-dynamodb-simulator"
START_TIMEOUT_S = 30.0


class NotAvailable(RuntimeError):
    """The jar, its native libraries or Java is missing, or it did not start."""


def find_jar(given: str | None = None) -> Path:
    """DynamoDBLocal.jar from `given` (YANXIU_DDB_LOCAL: the npm package folder, its emulator/
    folder or the jar itself), else the folder `make dynamodb-local` installs into."""
    given = given if given is not None else os.environ.get("YANXIU_DDB_LOCAL")
    base = Path(given) if given else DEFAULT_PACKAGE
    if not base.is_absolute():
        base = ROOT / base
    for candidate in (base, base / "DynamoDBLocal.jar", base / "emulator" / "DynamoDBLocal.jar"):
        if candidate.is_file() and candidate.name == "DynamoDBLocal.jar":
            if not (candidate.parent / "DynamoDBLocal_lib").is_dir():
                raise NotAvailable(f"DynamoDBLocal_lib missing next to {candidate}")
            return candidate
    raise NotAvailable(
        f"DynamoDB Local not found under {base} (YANXIU_DDB_LOCAL={given!r}); run `make dynamodb-local`"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_answering(endpoint: str, process: subprocess.Popen[bytes], region: str) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    # A short-lived client of its own, with no retries: the poll loop is the retry.
    probe = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local takes any
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NotAvailable(f"DynamoDB Local exited with code {process.returncode}")
        try:
            probe.list_tables()
            return
        except (BotoCoreError, ClientError):
            time.sleep(0.2)
    raise NotAvailable(f"DynamoDB Local did not answer within {START_TIMEOUT_S:.0f} s")


@contextmanager
def running(jar: Path, region: str = "ap-southeast-1") -> Iterator[str]:
    """DynamoDB Local in memory on a free port while the block runs: its endpoint."""
    java = shutil.which("java")
    if java is None:
        raise NotAvailable("java not found on PATH: DynamoDB Local needs Java 17")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [java, f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar)]
    process = subprocess.Popen(
        [*command, "-inMemory", "-port", str(port)],
        cwd=jar.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_answering(endpoint, process, region)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
