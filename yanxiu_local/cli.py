"""`yanxiu`: run the local stack, create an admin, read the outbox, run a job.

Commands default to the local stack (the embedded AWS on 127.0.0.1:5000); `--aws` sends
create-admin and run-job to the real account the environment's credentials name."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from datetime import datetime
from typing import Any

from yanxiu_local import stack

DEFAULT_MOTO_PORT = 5000
DEFAULT_API_PORT = 8000
DEFAULT_WEB_PORT = 8080


def _moto_port() -> int:
    return int(os.environ.get("YANXIU_MOTO_PORT", DEFAULT_MOTO_PORT))


def _web_port() -> int:
    return int(os.environ.get("YANXIU_WEB_PORT", DEFAULT_WEB_PORT))


def _fetch(path: str) -> Any:
    url = f"http://127.0.0.1:{_moto_port()}{path}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a loopback URL we build
        return json.loads(response.read())


def collect_outbox() -> dict[str, list[dict[str, Any]]]:
    """What the embedded AWS captured: SMS (from our sms.json) and e-mails (moto's data.json)."""
    sms = _fetch("/moto-api/sms.json")
    data = _fetch("/moto-api/data.json")
    emails = [
        {
            "message_id": m.get("id"),
            "to": (m.get("destinations") or {}).get("ToAddresses", []),
            "subject": m.get("subject"),
            "body": m.get("body"),
        }
        for m in data.get("ses", {}).get("Message", [])
    ]
    return {"sms": sms, "email": emails}


def cmd_run(args: argparse.Namespace) -> None:
    stack.serve(args.port, _moto_port(), args.web_port, args.admin_phone, args.admin_name)


def cmd_outbox(args: argparse.Namespace) -> None:
    try:
        box = collect_outbox()
    except OSError:
        sys.exit(f"本地环境未运行（http://127.0.0.1:{_moto_port()}）：请先执行 make run")
    if args.json:
        print(json.dumps(box, ensure_ascii=False, indent=2))
        return
    print(f"短信 {len(box['sms'])} 条")
    for m in box["sms"]:
        print(f"  → {m['phone']}: {m['text']}")
    print(f"邮件 {len(box['email'])} 封")
    for m in box["email"]:
        print(f"  → {', '.join(m['to'])}: 【{m['subject']}】{m['body']}")


def _target(args: argparse.Namespace) -> None:
    if not args.aws:
        stack.use_local_environment(_moto_port(), _web_port())


def cmd_create_admin(args: argparse.Namespace) -> None:
    if not re.fullmatch(r"1[3-9][0-9]{9}", args.phone or ""):
        sys.exit("手机号格式不正确：须为 11 位中国大陆手机号，如 13800000000")
    _target(args)
    account_id = stack.ensure_admin(args.phone, args.name)
    print(f"管理员账号 {account_id}：初始密码已通过短信发送")


def cmd_run_job(args: argparse.Namespace) -> None:
    _target(args)
    from chalicelib.adapters import clock
    from chalicelib.jobs import JOBS

    if args.name not in JOBS:
        sys.exit(f"未知任务 {args.name}；可用：{', '.join(sorted(JOBS))}")
    now = None
    if args.now:
        now = datetime.fromisoformat(args.now)
        if now.tzinfo is None:
            now = now.replace(tzinfo=clock.SHANGHAI)
        clock.set_now(now)
    print(json.dumps(JOBS[args.name](now), ensure_ascii=False, default=str))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yanxiu", description="研修平台的本地工具")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="启动嵌入式 AWS 与 API（make run）")
    run.add_argument("--port", type=int, default=int(os.environ.get("YANXIU_API_PORT", DEFAULT_API_PORT)))
    run.add_argument(
        "--web-port",
        type=int,
        default=_web_port(),
        help="网页端（及其 /api/ 转发）的端口",
    )
    run.add_argument("--admin-phone", default=os.environ.get("YANXIU_ADMIN_PHONE", "13800000000"))
    run.add_argument("--admin-name", default=os.environ.get("YANXIU_ADMIN_NAME", "管理员"))
    run.set_defaults(func=cmd_run)

    outbox = sub.add_parser("outbox", help="本地环境捕获的短信与邮件")
    outbox.add_argument("--json", action="store_true")
    outbox.set_defaults(func=cmd_outbox)

    admin = sub.add_parser("create-admin", help="创建管理员（或为已有管理员重发初始密码）")
    admin.add_argument("--phone", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--aws", action="store_true", help="对真实 AWS 账号执行（默认本地环境）")
    admin.set_defaults(func=cmd_create_admin)

    job = sub.add_parser("run-job", help="在本地运行一个定时任务")
    job.add_argument("name")
    job.add_argument("--now", help="假定的当前时间（ISO 8601，缺省时区为 +08:00）")
    job.add_argument("--aws", action="store_true")
    job.set_defaults(func=cmd_run_job)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
