"""Settings read once from the environment: the only place that reads os.environ."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel

TABLES = (
    "accounts",
    "credentials",
    "sessions",
    "programmes",
    "regions",
    "bases",
    "batches",
    "quotas",
    "demands",
    "trainees",
    "claims",
    "counters",
    "idempotency",
    "reset_codes",
    "audit",
    "exports",
    "artifacts",
    "artifact_versions",
    "uploads",
    "notifications",
    "enrolments",
    "enrolment_imports",
    "batch_notes",
    "sharing_reports",
    "offers",
    "year_end",
    "workshops",
    "guopei",
)


# Timeouts and retries of every AWS call, in one place (DynamoDB through PynamoDB, and the
# boto3 clients of adapters/aws.py), sized to the functions' 30 s: a call that hangs is cut
# after CONNECT + READ seconds and tried at most SDK_ATTEMPTS times in botocore's "standard"
# mode (jittered backoff, throttling retried), about 21 s at worst, leaving the request time to
# answer 503 in the contract's shape. PynamoDB's own defaults (15 s + 30 s) outlive the function.
# A transaction carries a client request token, so its retry after a lost answer is a no-op.
AWS_CONNECT_TIMEOUT = 2.0
AWS_READ_TIMEOUT = 5.0
SDK_ATTEMPTS = 3


class Settings(BaseModel):
    stage: str
    aws_region: str
    table_names: dict[str, str]
    bucket: str
    upload_queue: str
    # The reminder runs' units (services/reminders.py): with `fan_out` the scheduled run sends
    # them to this queue and its consumer Lambda does them; without (local, tests, `yanxiu
    # run-job`), the run does them itself, one after another.
    reminder_queue: str
    fan_out: bool
    mail_from: str
    site_url: str
    # Local mode: the embedded AWS (moto server) answers; no S3 events fire, no real SMS leaves.
    local: bool
    session_hours: int
    max_body_bytes: int
    # The KMS key (id, ARN or alias) that seals secrets at rest: ID numbers, queued passwords.
    kms_key: str
    # The Secrets Manager secret (name or ARN) holding the HMAC key: reset codes, blind indexes.
    hmac_secret: str
    # The allocate function's name (adapters/solver.py); empty: solve in process (local, tests).
    solver_function: str
    # Tests only (tests/conftest.py): passwords hashed at a token cost. Their passwords guard
    # nothing, and argon2 at full cost was a seventh of a login-heavy test's time. Never set in
    # a stage of .chalice/config.json (tests/unit/test_infra_agrees.py holds it so).
    cheap_hashes: bool = False


def _table_env(name: str) -> str:
    return "TABLE_" + name.upper()


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    stage = env.get("YANXIU_STAGE", "dev")
    prefix = env.get("YANXIU_TABLE_PREFIX", f"yanxiu-{stage}-")
    return Settings(
        stage=stage,
        aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-southeast-1",
        table_names={t: env.get(_table_env(t), prefix + t) for t in TABLES},
        bucket=env.get("YANXIU_BUCKET", f"yanxiu-{stage}-uploads"),
        upload_queue=env.get("YANXIU_UPLOAD_QUEUE", f"yanxiu-{stage}-upload-events"),
        reminder_queue=env.get("YANXIU_REMINDER_QUEUE", f"yanxiu-{stage}-reminders"),
        fan_out=env.get("YANXIU_FAN_OUT", "") == "1",
        mail_from=env.get("YANXIU_MAIL_FROM", "noreply@yanxiu.example.cn"),
        site_url=env.get("YANXIU_SITE_URL", "http://127.0.0.1:8000"),
        local=env.get("YANXIU_LOCAL", "") == "1",
        session_hours=int(env.get("YANXIU_SESSION_HOURS", "12")),
        max_body_bytes=int(env.get("YANXIU_MAX_BODY_BYTES", str(256 * 1024))),
        kms_key=env.get("YANXIU_KMS_KEY", f"alias/yanxiu-{stage}"),
        hmac_secret=env.get("YANXIU_HMAC_SECRET", f"yanxiu-{stage}-hmac"),
        solver_function=env.get("YANXIU_SOLVER_FUNCTION", ""),
        cheap_hashes=env.get("YANXIU_CHEAP_HASHES", "") == "1",
    )
