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


def site_url(web_port: int) -> str:
    return f"http://127.0.0.1:{web_port}"


def local_environment(moto_port: int, web_port: int) -> dict[str, str]:
    return {
        # SMS and e-mail links open the web client, which serves the API under /api.
        "YANXIU_SITE_URL": site_url(web_port),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's dummy credentials
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "YANXIU_LOCAL": "1",
        "YANXIU_STAGE": "dev",
        # No reminders queue here: `yanxiu run-job reminders` does the run's units in-process.
        "YANXIU_FAN_OUT": "0",
        "POWERTOOLS_METRICS_NAMESPACE": "yanxiu",
    }


def use_local_environment(moto_port: int, web_port: int) -> None:
    for key, value in local_environment(moto_port, web_port).items():
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


def _with_post_cors(app: Any, cors: dict[str, Any]) -> Any:
    """S3 answers a browser's POST of a file (the presigned upload) with the CORS headers of the
    bucket's matching rule; moto's POST-object handler leaves them out, so the browser could not
    read the answer. Added here from the same rule the bucket is given, never for another origin."""
    origins = {
        o for rule in cors["CORSRules"] if "POST" in rule["AllowedMethods"] for o in rule["AllowedOrigins"]
    }

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        origin = str(environ.get("HTTP_ORIGIN", ""))
        if environ.get("REQUEST_METHOD") != "POST" or origin not in origins:
            return app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if not any(k.lower() == "access-control-allow-origin" for k, _ in headers):
                headers = [*headers, ("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            return start_response(status, headers, *rest)

        return app(environ, start)

    return wsgi


def start_moto(port: int, cors: dict[str, Any]) -> Any:
    # moto's server otherwise answers every origin (Access-Control-Allow-Origin: *); without
    # it the bucket's own CORS rule decides, as S3 does. Read when moto.settings is imported.
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class QuietHandler(MotoRequestHandler):
        """No line per request: `make run` prints where to go, not the embedded AWS's traffic."""

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    class LocalMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = _with_post_cors(_with_sms_endpoint(DomainDispatcherApplication(create_backend_app)), cors)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=QuietHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = LocalMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def bucket_cors(site: str) -> dict[str, Any]:
    """infra/template.json's CORS rule of the uploads bucket, with SiteUrl the local site: the
    browser's presigned POST works here only as it will in the cloud (no wildcard origin)."""
    template = json.loads((ROOT / "infra" / "template.json").read_text())
    rules = template["Resources"]["UploadsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    fields = {"AllowedMethods", "AllowedOrigins", "AllowedHeaders", "ExposedHeaders"}
    out = []
    for rule in rules:
        converted: dict[str, Any] = {}
        for key, value in rule.items():
            if key in fields:
                converted[key] = [site if item == {"Ref": "SiteUrl"} else item for item in value]
            elif key == "MaxAge":
                converted["MaxAgeSeconds"] = value
        out.append(converted)
    return {"CORSRules": out}


def provision() -> None:
    """Tables, bucket (with its CORS rule), the sender's e-mail identity and the KMS key that
    seals secrets; each step leaves existing ones alone."""
    from chalicelib.adapters.aws import client
    from chalicelib.config import settings
    from chalicelib.db.bootstrap import create_tables

    create_tables()
    s3 = client("s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings().bucket not in existing:
        s3.create_bucket(Bucket=settings().bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_cors(Bucket=settings().bucket, CORSConfiguration=bucket_cors(settings().site_url))
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
    from chalicelib.db import accounts, sessions
    from chalicelib.domain.vocab import Role
    from chalicelib.services import auth

    cred = sessions.get_credential(phone)
    if cred and cred.account_id:
        account = accounts.get_account(cred.account_id)
        if account is None or account.role != Role.admin:
            raise SystemExit("该手机号已被非管理员账号使用")
        auth.reissue_credentials(account)
        return account.account_id
    return auth.open_account(Role.admin, name, phone, None).account_id


def serve(api_port: int, moto_port: int, web_port: int, admin_phone: str, admin_name: str) -> None:
    use_local_environment(moto_port, web_port)
    moto = start_moto(moto_port, bucket_cors(site_url(web_port)))
    provision()
    ensure_admin(admin_phone, admin_name)

    from chalice.cli.factory import CLIFactory
    from chalice.local import ChaliceRequestHandler, create_local_server

    # Without this every keep-alive request waits ~40 ms for Nagle's algorithm.
    ChaliceRequestHandler.disable_nagle_algorithm = True
    factory = CLIFactory(project_dir=str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="dev")
    server = create_local_server(config.chalice_app, config, "127.0.0.1", api_port)

    from yanxiu_local import web

    site = web.start(web_port, api_port, f"http://127.0.0.1:{moto_port}")

    def stop(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    built = "" if (web.DIST / "index.html").is_file() else "（尚未构建：make run 会先构建 web/）"
    print(
        f"\n研修平台已启动：请在浏览器打开 {site_url(web_port)}/ {built}\n"
        f"  登录：管理员手机号 {admin_phone}；初始密码在另一个终端执行 `make outbox` 查看\n"
        "  （首次登录须修改密码）\n"
        f"  API：http://127.0.0.1:{api_port}（网页端经 {site_url(web_port)}/api/ 访问）\n"
        f"  嵌入式 AWS（moto）：http://127.0.0.1:{moto_port}\n"
        "  按 Ctrl-C 停止\n",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()
        site.shutdown()
        site.server_close()
        moto.stop()
        print("已停止", file=sys.stderr, flush=True)
