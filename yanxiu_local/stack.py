"""The embedded AWS (moto server) and the API (`chalice local`'s server) in one process.

Order matters: the environment that points boto3 and PynamoDB at moto is set before
chalicelib is imported, because its settings are read once."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-southeast-1"


def local_environment(moto_port: int) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's dummy credentials
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "YANXIU_LOCAL": "1",
        "YANXIU_STAGE": "dev",
        "POWERTOOLS_METRICS_NAMESPACE": "yanxiu",
    }


def use_local_environment(moto_port: int) -> None:
    for key, value in local_environment(moto_port).items():
        os.environ.setdefault(key, value)


def _sms_messages() -> list[dict[str, str]]:
    from moto.sns.models import sns_backends

    found = []
    for _account, regions in sns_backends.items():
        for _region, backend in regions.items():
            for message_id, (phone, text) in backend.sms_messages.items():
                found.append({"message_id": message_id, "phone": phone, "text": text})
    return found


def _with_sms_endpoint(app: Any) -> Any:
    """moto's /moto-api/data.json lists its models, and SMS are not models: serve them at
    /moto-api/sms.json so `yanxiu outbox` (another process) can show them."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/moto-api/sms.json":
            body = json.dumps(_sms_messages(), ensure_ascii=False).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return app(environ, start_response)

    return wsgi


def start_moto(port: int) -> Any:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class LocalMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = _with_sms_endpoint(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    server = LocalMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def provision() -> None:
    """Tables, bucket, the sender's e-mail identity and the KMS key that seals secrets; each
    step leaves existing ones alone."""
    from chalicelib.adapters.aws import client
    from chalicelib.config import settings
    from chalicelib.db.bootstrap import create_tables

    create_tables()
    s3 = client("s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings().bucket not in existing:
        s3.create_bucket(Bucket=settings().bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    client("ses").verify_email_identity(EmailAddress=settings().mail_from)
    kms_key(settings().kms_key)
    hmac_secret(settings().hmac_secret)


def hmac_secret(name: str) -> None:
    """The HMAC key's secret (a random one, created once), as infra/template.json generates."""
    import secrets

    from chalicelib.adapters.aws import client

    manager = client("secretsmanager")
    try:
        manager.describe_secret(SecretId=name)
    except manager.exceptions.ResourceNotFoundException:
        manager.create_secret(Name=name, SecretString=secrets.token_urlsafe(48))


def kms_key(alias: str) -> None:
    """The KMS key behind `alias` (created once)."""
    from chalicelib.adapters.aws import client

    kms = client("kms")
    aliases = {a["AliasName"] for a in kms.list_aliases().get("Aliases", [])}
    if alias not in aliases:
        key_id = kms.create_key(Description="yanxiu: secrets at rest (local)")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)


def ensure_admin(phone: str, name: str) -> str:
    """Create the admin (or send a fresh initial password to an existing one)."""
    from chalicelib.db import accounts
    from chalicelib.domain.vocab import Role
    from chalicelib.services import auth

    cred = accounts.get_credential(phone)
    if cred and cred.account_id:
        account = accounts.get_account(cred.account_id)
        if account is None or account.role != Role.admin:
            raise SystemExit("该手机号已被非管理员账号使用")
        auth.reissue_credentials(account)
        return account.account_id
    return auth.open_account(Role.admin, name, phone, None).account_id


def serve(api_port: int, moto_port: int, admin_phone: str, admin_name: str) -> None:
    use_local_environment(moto_port)
    moto = start_moto(moto_port)
    provision()
    ensure_admin(admin_phone, admin_name)

    from chalice.cli.factory import CLIFactory
    from chalice.local import ChaliceRequestHandler, create_local_server

    # Without this every keep-alive request waits ~40 ms for Nagle's algorithm.
    ChaliceRequestHandler.disable_nagle_algorithm = True
    factory = CLIFactory(project_dir=str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="dev")
    server = create_local_server(config.chalice_app, config, "127.0.0.1", api_port)

    def stop(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"嵌入式 AWS（moto）: http://127.0.0.1:{moto_port}", flush=True)
    print(
        f"API: http://127.0.0.1:{api_port}  管理员手机号 {admin_phone}；初始密码见 `make outbox`", flush=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()
        moto.stop()
        print("已停止", file=sys.stderr, flush=True)
