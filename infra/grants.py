"""Least privilege: each function's role may do what its code does, and no more. GRANTS
declares, per function, the tables it reads and writes, the S3 prefixes, and the other
services it calls; `make infra-tables` writes one managed policy per function into
infra/template.json and gives each role only its own. tests/unit/test_infra_agrees.py holds
the template to this file, and tests/integration/test_grants.py holds the code to it: every
AWS call a job makes under the integration tier is checked against its function's grant.

The API function serves every route, so it is granted every table; the jobs are granted only
what they touch."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.json"

READ = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
]
WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]
OBJECT_READ = ["s3:GetObject"]
OBJECT_WRITE = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]


@dataclass(frozen=True)
class Grant:
    """What one function may do. Tables by their name in config.TABLES (writes include reads);
    S3 prefixes of the uploads bucket ("uploads/", "exports/", ...)."""

    writes: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()
    objects: frozenset[str] = frozenset()  # read, write, delete
    object_reads: frozenset[str] = frozenset()
    sms: bool = False
    email: bool = False
    seal: bool = False  # KMS GenerateDataKey (seal) and Decrypt (open)
    hmac: bool = False  # the blind indexes' and reset codes' key
    upload_queue: bool = False
    reminder_units: str = ""  # "send" (the planning runs) or "receive" (their consumer)
    solver: bool = False  # invoke the allocate function
    extra: tuple[dict[str, Any], ...] = field(default=())


def _all_tables() -> frozenset[str]:
    from chalicelib.config import TABLES

    return frozenset(TABLES)


def grants() -> dict[str, Grant]:
    """{function's logical id: its grant}, from what each function's code calls: the
    integration tier records every AWS call a job makes (tests/integration/conftest.py,
    `YANXIU_GRANTS_USED=<file>` writes them out) and fails on one not granted here."""
    outbox = frozenset({"notifications", "counters"})  # a message, and the day's SMS caps
    return {
        "APIHandler": Grant(
            writes=_all_tables(),
            objects=frozenset({""}),
            sms=True,
            email=True,
            seal=True,
            hmac=True,
            solver=True,
        ),
        "Allocate": Grant(),  # pure computation: the API sends the problem, it sends the plan
        # Queued credentials are sealed (KMS) until they are sent.
        "DrainOutbox": Grant(writes=outbox, sms=True, email=True, seal=True),
        "DailyReminders": Grant(
            writes=outbox | frozenset({"claims", "quotas"}),  # once-only claims, the tallies' flags
            reads=frozenset(
                {
                    "workshops",  # 国培: a host short of 简报
                    "guopei",  # 国培: who has answered the 训后调查
                    "programmes",
                    "regions",
                    "accounts",
                    "demands",
                    "batches",
                    "trainees",
                    "artifacts",
                    "enrolments",
                    "sharing_reports",
                }
            ),
            sms=True,
            email=True,
            seal=True,
            reminder_units="send",
        ),
        "CheckinReminders": Grant(
            writes=outbox | frozenset({"claims"}),
            reads=frozenset({"programmes", "quotas", "batches", "trainees", "accounts"}),
            sms=True,
            email=True,
            seal=True,
            reminder_units="send",
        ),
        # Does the units both reminder runs plan (each rule's recipients read again).
        "OnReminderUnit": Grant(
            writes=outbox | frozenset({"claims", "quotas"}),
            reads=frozenset(
                {
                    "programmes",
                    "regions",
                    "accounts",
                    "quotas",
                    "demands",
                    "batches",
                    "trainees",
                    "artifacts",
                    "enrolments",
                    "sharing_reports",
                }
            ),
            sms=True,
            email=True,
            seal=True,
            reminder_units="receive",
        ),
        # Any kind of export a request left pending is built here: it reads what the exports
        # show, never credentials, sessions, reset codes, idempotency records or the outbox.
        "BuildExports": Grant(
            writes=frozenset({"exports", "audit"}),
            reads=frozenset(
                {
                    "programmes",
                    "regions",
                    "bases",
                    "batches",
                    "quotas",
                    "demands",
                    "trainees",
                    "artifacts",
                    "artifact_versions",
                    "uploads",
                    "enrolments",
                    "sharing_reports",
                    "year_end",
                    "offers",
                    "accounts",
                    "workshops",  # the county's 成果册
                    "guopei",  # the 训后调查's results
                }
            ),
            objects=frozenset({"exports/"}),
            object_reads=frozenset({"clean/"}),
            seal=True,  # the office's 学员信息表 opens the sealed ID numbers
        ),
        "CheckUploads": Grant(
            writes=frozenset({"uploads"}), objects=frozenset({"uploads/", "clean/", "quarantine/"})
        ),
        "OnS3Event": Grant(
            writes=frozenset({"uploads"}),
            objects=frozenset({"uploads/", "clean/", "quarantine/"}),
            upload_queue=True,
        ),
        "ExpireOffers": Grant(
            writes=outbox | frozenset({"offers", "batches", "demands", "quotas"}),
            reads=frozenset({"programmes", "regions", "bases", "accounts"}),
            sms=True,
            email=True,
            seal=True,
        ),
    }


ROLES = {"APIHandler": "ApiHandlerRole"}  # the others: "<logical id>Role" (chalice package's names)


def role_of(function: str) -> str:
    return ROLES.get(function, f"{function}Role")


def _logical_table(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Table"


def statements(function: str, grant: Grant) -> list[dict[str, Any]]:
    return _data(grant) + _services(grant) + _own(function, grant)


def _data(grant: Grant) -> list[dict[str, Any]]:
    """Tables and their indexes, the bucket's prefixes."""
    out: list[dict[str, Any]] = []
    writes, reads = sorted(grant.writes), sorted(grant.reads - grant.writes)
    for sid, tables, actions in (("TablesWritten", writes, READ + WRITE), ("TablesRead", reads, READ)):
        if tables:
            resources: list[dict[str, Any]] = [{"Fn::GetAtt": [_logical_table(t), "Arn"]} for t in tables]
            resources += [{"Fn::Sub": f"${{{_logical_table(t)}.Arn}}/index/*"} for t in tables]
            out.append({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources})
    for sid, prefixes, actions in (
        ("Objects", sorted(grant.objects), OBJECT_WRITE),
        ("ObjectsRead", sorted(grant.object_reads - grant.objects), OBJECT_READ),
    ):
        if prefixes:
            objects = [{"Fn::Sub": f"${{UploadsBucket.Arn}}/{p}*"} for p in prefixes]
            out.append({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": objects})
    if grant.objects or grant.object_reads:
        # Without ListBucket a missing key answers 403, not 404: the checks tell them apart.
        out.append(
            {
                "Sid": "Bucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": {"Fn::GetAtt": ["UploadsBucket", "Arn"]},
            }
        )
    return out


def _services(grant: Grant) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if grant.sms:
        # SMS to a phone number has no resource to name (sns:Publish with PhoneNumber).
        out.append({"Sid": "Sms", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"})
    if grant.email:
        out.append(
            {
                "Sid": "Email",
                "Effect": "Allow",
                "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": {
                    "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
                },
                "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "MailFrom"}}},
            }
        )
    if grant.seal:
        out.append(
            {
                "Sid": "Seal",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": {"Fn::GetAtt": ["SecretsKey", "Arn"]},
            }
        )
    if grant.hmac:
        out.append(
            {
                "Sid": "HmacKey",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": {"Ref": "HmacSecret"},
            }
        )
    if grant.upload_queue:
        out.append(
            {
                "Sid": "UploadEvents",
                "Effect": "Allow",
                "Action": [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ChangeMessageVisibility",
                ],
                "Resource": {"Fn::GetAtt": ["UploadEventsQueue", "Arn"]},
            }
        )
    if grant.reminder_units:
        actions = {
            "send": ["sqs:GetQueueUrl", "sqs:SendMessage"],
            "receive": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ],
        }[grant.reminder_units]
        out.append(
            {
                "Sid": "ReminderUnits",
                "Effect": "Allow",
                "Action": actions,
                "Resource": {"Fn::GetAtt": ["ReminderUnitsQueue", "Arn"]},
            }
        )
    if grant.solver:
        out.append(
            {
                "Sid": "Solver",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": {"Fn::GetAtt": ["Allocate", "Arn"]},
            }
        )
    return out


def _own(function: str, grant: Grant) -> list[dict[str, Any]]:
    """Its log group, its traces, and anything a grant adds by hand."""
    out: list[dict[str, Any]] = []
    out.append(
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": [f"{function}LogGroup", "Arn"]},
        }
    )
    out.append(
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        }
    )
    out.extend(grant.extra)
    return out


def apply(template: dict[str, Any]) -> dict[str, Any]:
    resources = template["Resources"]
    for retired in ("FunctionPolicy", "ApiInvokesSolverPolicy"):
        resources.pop(retired, None)
    for function, grant in grants().items():
        policy = f"{function}Policy"
        resources[policy] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Description": f"yanxiu {function}: what its code calls (infra/grants.py)",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements(function, grant)},
            },
        }
        # Policies [] replaces the inline policy Chalice copies from .chalice/policy.json.
        resources[role_of(function)] = {
            "Type": "AWS::IAM::Role",
            "Properties": {"Policies": [], "ManagedPolicyArns": [{"Ref": policy}]},
        }
    return template


def main() -> None:
    template = json.loads(TEMPLATE.read_text())
    apply(template)
    TEMPLATE.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n")
    print(f"infra/template.json: a policy of its own for each of {len(grants())} functions")


if __name__ == "__main__":
    main()


# --- the code held to the grants (tests/integration/conftest.py) --------------------------

# DynamoDB operations as IAM names them; a transaction's items are checked one by one.
_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _table_calls(op: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, table name) pairs one DynamoDB call needs."""
    if op == "TransactWriteItems":
        return [
            (_TRANSACT[k], body["TableName"]) for item in params["TransactItems"] for k, body in item.items()
        ]
    if op == "TransactGetItems":
        return [("GetItem", item["Get"]["TableName"]) for item in params["TransactItems"]]
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [(op, table) for table in params["RequestItems"]]
    return [(op, params["TableName"])]


_S3_NEEDS = {
    "GetObject": "read",
    "HeadObject": "read",
    "PutObject": "write",
    "DeleteObject": "write",
    "CopyObject": "write",
}


def used(function: str, service: str, op: str, params: dict[str, Any], table_names: dict[str, str]) -> str:
    """One line naming what a call touched: "<function> <service> <table or prefix>"."""
    if service == "dynamodb":
        by_real = {real: name for name, real in table_names.items()}
        return " ".join(
            [function, service, *sorted({by_real.get(t, t) for _, t in _table_calls(op, params)})]
        )
    if service == "s3":
        return f"{function} s3 {op} {str(params.get('Key', '')).split('/', 1)[0]}/"
    return f"{function} {service} {op}"


def refused(
    function: str, service: str, op: str, params: dict[str, Any], table_names: dict[str, str]
) -> list[str]:
    """What of one AWS call `function`'s grant does not allow ([] when all of it is)."""
    grant = grants()[function]
    by_real = {real: name for name, real in table_names.items()}
    problems = []
    if service == "dynamodb":
        for action, real in _table_calls(op, params):
            name = by_real.get(real, real)
            allowed = grant.writes if f"dynamodb:{action}" in WRITE else grant.writes | grant.reads
            if name not in allowed:
                problems.append(f"{function}: dynamodb:{action} on {name}")
        return problems
    if service == "s3":
        if op in ("ListObjectsV2", "ListObjects"):
            ok = bool(grant.objects or grant.object_reads)
            return [] if ok else [f"{function}: s3:ListBucket"]
        keys = [params.get("Key", "")]
        if op == "CopyObject":
            source = params["CopySource"]
            keys.append(source["Key"] if isinstance(source, dict) else source.split("/", 1)[1])
        for key in keys:
            writable = any(key.startswith(p) for p in grant.objects)
            readable = writable or any(key.startswith(p) for p in grant.object_reads)
            need = _S3_NEEDS.get(op, "write")
            if not (writable if need == "write" and key == params.get("Key") else readable):
                problems.append(f"{function}: s3:{op} on {key.split('/', 1)[0]}/")
        return problems
    if service == "sqs":
        queue = str(params.get("QueueUrl", params.get("QueueName", "")))
        if "reminders" in queue:
            wanted = "send" if op in ("SendMessage", "SendMessageBatch", "GetQueueUrl") else "receive"
            return [] if grant.reminder_units == wanted else [f"{function}: sqs:{op} on the reminders queue"]
    may = {
        "sns": grant.sms,
        "ses": grant.email,
        "sesv2": grant.email,
        "kms": grant.seal,
        "secretsmanager": grant.hmac,
        "sqs": grant.upload_queue,
        "lambda": grant.solver,
    }.get(service, False)
    return [] if may else [f"{function}: {service}:{op}"]
