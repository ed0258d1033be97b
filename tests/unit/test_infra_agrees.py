"""infra/template.json against the code: the tables the models describe, the names the prod
stage of .chalice/config.json uses, and the IAM policy the functions run under. A table or
index added to chalicelib/db/models.py without its twin in the template fails here, before a
deploy finds out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from pynamodb.models import Model

from chalicelib.config import settings
from chalicelib.db.models import ALL_MODELS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = json.loads((ROOT / "infra" / "template.json").read_text())
PROD_ENV: dict[str, str] = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"][
    "environment_variables"
]
PARAMS = {name: p.get("Default") for name, p in TEMPLATE["Parameters"].items()}
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
TABLES = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::DynamoDB::Table"}
POLICIES = {
    name: r["Properties"]["PolicyDocument"]["Statement"]
    for name, r in RESOURCES.items()
    if r["Type"] == "AWS::IAM::ManagedPolicy"
}
# The API serves every route: its policy is the widest; the jobs' are checked below.
STATEMENTS: list[dict[str, Any]] = POLICIES["APIHandlerPolicy"]

# What chalicelib calls on every table, per PynamoDB operation (README lists why each).
TABLE_ACTIONS = {
    "dynamodb:GetItem",  # Model.get
    "dynamodb:PutItem",  # Model.save, TransactWrite.save
    "dynamodb:UpdateItem",  # Model.update, TransactWrite.update
    "dynamodb:DeleteItem",  # Model.delete, TransactWrite.delete
    "dynamodb:ConditionCheckItem",  # TransactWrite.condition_check
    "dynamodb:BatchGetItem",  # Model.batch_get
    "dynamodb:BatchWriteItem",  # Model.batch_write
    "dynamodb:Query",  # Model.query, Index.query
    "dynamodb:DescribeTable",  # Model.exists (the health check)
}


def _resolve(value: Any) -> Any:
    """A string, or an Fn::Sub over the template's parameters at their defaults."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{(\w+)\}", lambda m: str(PARAMS[m.group(1)]), value["Fn::Sub"])
    return value


def _keys(key_schema: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in key_schema}


def _template_shape(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "keys": _keys(props["KeySchema"]),
        "attributes": {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]},
        "indexes": {
            g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"]["ProjectionType"])
            for g in props.get("GlobalSecondaryIndexes", [])
        },
    }


def _model_shape(model: type[Model]) -> dict[str, Any]:
    # PynamoDB has no public schema accessor; _get_schema() is what create_table sends, so the
    # tables of the local stack and the tests are compared with the template on equal terms.
    schema = model._get_schema()
    return {
        "keys": _keys(schema["key_schema"]),
        "attributes": {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]},
        "indexes": {
            g["index_name"]: (_keys(g["key_schema"]), g["projection"]["ProjectionType"])
            for g in schema["global_secondary_indexes"]
        },
    }


def _suffix(model: type[Model]) -> str:
    """The model's table by its config.TABLES name ("batches"), whatever the stage prefix."""
    by_name = {name: table for table, name in settings().table_names.items()}
    return by_name[model.Meta.table_name]


def _table_named(name: str) -> str | None:
    matches = [logical for logical, props in TABLES.items() if _resolve(props["TableName"]) == name]
    assert len(matches) <= 1, f"{name} defined twice: {matches}"
    return matches[0] if matches else None


def _granted(action: str, statements: list[dict[str, Any]] | None = None) -> list[Any]:
    """Every Resource entry of an Allow statement (of the API's policy) that grants `action`."""
    resources: list[Any] = []
    for statement in STATEMENTS if statements is None else statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and action in actions:
            r = statement["Resource"]
            resources += r if isinstance(r, list) else [r]
    return resources


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_model_table_is_in_the_template_with_the_same_keys_and_indexes(model: type[Model]) -> None:
    name = f"yanxiu-{PARAMS['Stage']}-{_suffix(model)}"
    logical = _table_named(name)
    assert logical, f"infra/template.json has no table {name} for {model.__name__}"
    assert _template_shape(TABLES[logical]) == _model_shape(model)


def test_template_has_no_table_without_a_model() -> None:
    expected = {f"yanxiu-{PARAMS['Stage']}-{_suffix(m)}" for m in ALL_MODELS}
    assert {_resolve(p["TableName"]) for p in TABLES.values()} == expected


def test_tables_are_on_demand_and_recoverable() -> None:
    for logical, props in TABLES.items():
        assert props["BillingMode"] == "PAY_PER_REQUEST", logical
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, logical
        assert RESOURCES[logical]["DeletionPolicy"] == "Retain", logical


def test_names_agree_with_the_prod_stage_config() -> None:
    # The functions find tables and bucket through these variables, the stack creates them
    # from the Stage parameter: the two must spell the same names.
    assert PROD_ENV["YANXIU_TABLE_PREFIX"] == f"yanxiu-{PARAMS['Stage']}-"
    # The bucket's name carries the account's id (S3's names are global): every function takes
    # it from the stack, spelled as the bucket's own
    bucket = RESOURCES["UploadsBucket"]["Properties"]["BucketName"]
    assert bucket == {"Fn::Sub": "yanxiu-${Stage}-uploads-${AWS::AccountId}"}
    functions = [r for r in RESOURCES.values() if r.get("Type") == "AWS::Serverless::Function"]
    assert len(functions) == 10
    assert all(f["Properties"]["Environment"]["Variables"]["YANXIU_BUCKET"] == bucket for f in functions)
    assert "YANXIU_BUCKET" not in PROD_ENV  # nothing baked in at packaging to disagree with it
    # argon2 at a token cost is the test suite's alone: no stage may ask for it
    disk = json.loads((ROOT / ".chalice" / "config.json").read_text())
    staged = [disk.get("environment_variables", {})] + [
        s.get("environment_variables", {}) for s in disk["stages"].values()
    ]
    assert all("YANXIU_CHEAP_HASHES" not in variables for variables in staged)
    assert PROD_ENV["YANXIU_SITE_URL"] == PARAMS["SiteUrl"]
    assert PROD_ENV["YANXIU_MAIL_FROM"] == PARAMS["MailFrom"]
    assert PROD_ENV["YANXIU_REMINDER_QUEUE"] == _resolve(
        RESOURCES["ReminderUnitsQueue"]["Properties"]["QueueName"]
    )
    assert PROD_ENV["YANXIU_FAN_OUT"] == "1"  # the deployed runs fan out; the queue exists


def test_a_reminder_unit_is_not_redelivered_while_a_consumer_still_works_on_it() -> None:
    # SQS hides a received message for the visibility timeout: AWS asks for 6 x the function's
    # timeout, so that a unit still being done (its batch's retries included) is not handed out twice
    from chalice.config import Config

    disk = json.loads((ROOT / ".chalice" / "config.json").read_text())
    queue = RESOURCES["ReminderUnitsQueue"]["Properties"]
    for stage in disk["stages"]:
        config = Config(chalice_stage=stage, function_name="on_reminder_unit", config_from_disk=disk)
        assert 6 * config.lambda_timeout <= queue["VisibilityTimeout"], stage
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["ReminderUnitsDeadLetters", "Arn"]
    }


@pytest.mark.parametrize("logical", sorted(TABLES))
def test_the_apis_policy_covers_the_table_and_its_indexes(logical: str) -> None:
    table_arn = {"Fn::GetAtt": [logical, "Arn"]}
    for action in sorted(TABLE_ACTIONS):
        assert table_arn in _granted(action), f"{action} not granted on {logical}"
    if TABLES[logical].get("GlobalSecondaryIndexes"):
        assert {"Fn::Sub": f"${{{logical}.Arn}}/index/*"} in _granted("dynamodb:Query")


def test_policies_grant_named_actions_only() -> None:
    for name, statements in POLICIES.items():
        granted = {
            a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        }
        assert not [a for a in granted if "*" in a], f"{name}: no wildcard actions"
        # A resource of "*" only where IAM has nothing to name: SMS to a phone, X-Ray.
        for statement in statements:
            if statement["Resource"] == "*":
                assert statement["Sid"] in ("Sms", "Tracing"), (name, statement["Sid"])
    api = {a for s in STATEMENTS for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert {a for a in api if a.startswith("dynamodb:")} == TABLE_ACTIONS
    bucket = {"Fn::GetAtt": ["UploadsBucket", "Arn"]}
    objects = {"Fn::Sub": "${UploadsBucket.Arn}/*"}
    assert _granted("s3:ListBucket") == [bucket]  # HeadBucket (health)
    assert _granted("s3:GetObject") == [objects] and _granted("s3:PutObject") == [objects]


def test_every_chalice_role_runs_under_its_own_policy_only() -> None:
    roles = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::IAM::Role"}
    assert roles, "the template overrides Chalice's roles"
    import sys

    sys.path.insert(0, str(ROOT / "infra"))
    import grants
    import operations

    assert set(grants.grants()) == set(operations.functions()), "a function without a grant"
    for function in grants.grants():
        # Policies [] replaces the list Chalice copies from .chalice/policy.json.
        props = roles[grants.role_of(function)]
        assert props == {"Policies": [], "ManagedPolicyArns": [{"Ref": f"{function}Policy"}]}, function


def _named(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """What a policy names: tables (and their indexes), S3 prefixes, and other resources."""
    out: dict[str, set[str]] = {"tables": set(), "indexes": set(), "prefixes": set(), "other": set()}
    for statement in statements:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        for r in resources:
            text = json.dumps(r)
            if match := re.search(r'"(\w+)Table", "Arn"', text):
                out["tables"].add(match.group(1))
            elif match := re.search(r"\$\{(\w+)Table\.Arn\}/index/\*", text):
                out["indexes"].add(match.group(1))
            elif match := re.search(r"\$\{UploadsBucket\.Arn\}/([\w/]*)\*", text):
                out["prefixes"].add(match.group(1))
            else:
                out["other"].add(f"{statement['Sid']}")
    return out


def test_each_jobs_policy_names_only_what_its_code_touches() -> None:
    # tests/integration/conftest.py holds each job's AWS calls to infra/grants.py; here the
    # template is held to the same declaration, and a few things no job may have are named.
    import sys

    sys.path.insert(0, str(ROOT / "infra"))
    import grants

    def logical(tables: frozenset[str]) -> set[str]:
        return {grants._logical_table(t).removesuffix("Table") for t in tables}

    for function, grant in grants.grants().items():
        named = _named(POLICIES[f"{function}Policy"])
        assert named["tables"] == logical(grant.writes | grant.reads), function
        assert named["indexes"] == named["tables"], function
        assert named["prefixes"] == set(grant.objects | grant.object_reads), function
        for statement in POLICIES[f"{function}Policy"]:
            if statement["Sid"] == "Logs":  # its own log group, nobody else's
                assert statement["Resource"] == {"Fn::GetAtt": [f"{function}LogGroup", "Arn"]}
    sids = {f: {s["Sid"] for s in POLICIES[f"{f}Policy"]} for f in grants.grants()}
    assert sids["Allocate"] == {"Logs", "Tracing"}  # pure computation
    assert [f for f, s in sids.items() if "Solver" in s] == ["APIHandler"]
    assert [f for f, s in sids.items() if "HmacKey" in s] == ["APIHandler"]
    assert [f for f, s in sids.items() if "UploadEvents" in s] == ["OnS3Event"]
    assert not {"Sms", "Email"} & (sids["OnS3Event"] | sids["CheckUploads"] | sids["BuildExports"])
    for job in set(grants.grants()) - {"APIHandler"}:
        assert "TablesWritten" not in sids[job] or _named(POLICIES[f"{job}Policy"])["tables"] < logical(
            grants._all_tables()
        ), f"{job} may write every table"


def test_the_image_check_has_memory_for_the_largest_image_it_accepts() -> None:
    # An image of MAX_IMAGE_PIXELS decodes to 4 bytes a pixel, and a conversion copies it:
    # the S3-event Lambda needs that twice over, beyond the runtime's own (~100 MB)
    import json
    from pathlib import Path

    from chalice.config import Config

    from chalicelib.domain.artifacts import MAX_IMAGE_PIXELS

    disk = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
    needed_mb = 2 * 4 * MAX_IMAGE_PIXELS / 2**20 + 100
    for stage in disk["stages"]:
        config = Config(chalice_stage=stage, function_name="on_s3_event", config_from_disk=disk)
        assert config.lambda_memory_size >= needed_mb, (stage, config.lambda_memory_size, needed_mb)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_ttl_is_on_where_the_model_expires_its_items(model: type[Model]) -> None:
    from chalicelib.db.bootstrap import ttl_attribute

    props = TABLES[_table_named(f"yanxiu-{PARAMS['Stage']}-{_suffix(model)}") or ""]
    expected = {"AttributeName": ttl_attribute(model), "Enabled": True} if ttl_attribute(model) else None
    assert props.get("TimeToLiveSpecification") == expected


def test_what_is_not_kept_leaves_the_bucket_and_published_files_stay() -> None:
    rules = RESOURCES["UploadsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = {r["Prefix"]: r["ExpirationInDays"] for r in rules if "ExpirationInDays" in r}
    assert {"uploads/", "quarantine/", "exports/", "plans/", "imports/"} <= set(expiring)
    assert all(days <= 30 for days in expiring.values())
    # Published yearbooks and county books (published/) and clean images (clean/) are kept
    assert not [p for p in expiring if "published/".startswith(p) or "clean/".startswith(p)]


def test_secrets_are_sealed_with_a_rotating_key_the_functions_may_only_use() -> None:
    key = RESOURCES["SecretsKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    alias = RESOURCES["SecretsKeyAlias"]["Properties"]
    assert _resolve(alias["AliasName"]) == PROD_ENV["YANXIU_KMS_KEY"]
    arn = {"Fn::GetAtt": ["SecretsKey", "Arn"]}
    assert _granted("kms:GenerateDataKey") == [arn] and _granted("kms:Decrypt") == [arn]
    granted = {
        a for s in STATEMENTS for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert {a for a in granted if a.startswith("kms:")} == {"kms:GenerateDataKey", "kms:Decrypt"}


def test_each_source_is_rate_limited_before_it_reaches_the_api() -> None:
    acl = RESOURCES["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    limits = {r["Name"]: r["Statement"]["RateBasedStatement"] for r in acl["Rules"]}
    assert limits["AuthPerSource"]["AggregateKeyType"] == "IP"
    assert limits["AuthPerSource"]["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"] == "/auth/"
    assert limits["AuthPerSource"]["Limit"] < limits["AllPerSource"]["Limit"]
    association = RESOURCES["ApiWebAclAssociation"]["Properties"]
    assert "/restapis/${RestAPI}/stages/api" in association["ResourceArn"]["Fn::Sub"]


def test_the_hmac_key_is_generated_in_aws_and_only_read_by_the_api() -> None:
    secret = RESOURCES["HmacSecret"]["Properties"]
    assert _resolve(secret["Name"]) == PROD_ENV["YANXIU_HMAC_SECRET"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32
    assert _granted("secretsmanager:GetSecretValue") == [{"Ref": "HmacSecret"}]


def test_the_operations_part_of_the_template_is_what_infra_operations_writes() -> None:
    # A job added to app.py gets its log group and alarms from `make infra-tables`; a template
    # edited by hand, or not regenerated, fails here.
    import copy
    import sys

    sys.path.insert(0, str(ROOT / "infra"))
    import operations

    assert operations.apply(copy.deepcopy(TEMPLATE)) == TEMPLATE
    import grants

    assert grants.apply(copy.deepcopy(TEMPLATE)) == TEMPLATE  # the policies too


def test_every_function_has_a_kept_log_and_alarms_on_errors_duration_and_throttles() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "infra"))
    import operations

    timeouts = operations.functions()
    assert {"APIHandler", "DrainOutbox", "BuildExports", "OnS3Event", "Allocate", "ExpireOffers"} <= set(
        timeouts
    )
    for logical, timeout in timeouts.items():
        assert RESOURCES[logical]["Properties"]["LoggingConfig"] == {
            "LogGroup": {"Ref": f"{logical}LogGroup"}
        }
        assert RESOURCES[f"{logical}LogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        duration = RESOURCES[f"{logical}DurationAlarm"]["Properties"]
        assert duration["Threshold"] == int(timeout * 1000 * 0.8) and duration["Statistic"] == "Maximum"
        for kind in ("Errors", "Throttles"):
            alarm = RESOURCES[f"{logical}{kind}Alarm"]["Properties"]
            assert alarm["MetricName"] == kind and alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert TEMPLATE["Parameters"]["LogRetentionDays"]["Default"] >= 180  # 网络安全法: six months
    stuck = RESOURCES["OutboxStuckAlarm"]["Properties"]
    assert stuck["MetricName"] == "OutboxOldestAgeSeconds" and stuck["Threshold"] == 3600
    assert stuck["TreatMissingData"] == "breaching"  # a drain that stopped reporting is stuck too
    # Our metrics' alarms select the dimensions chalicelib/observability.py writes.
    for name in ("OutboxStuckAlarm", "MessageGivenUpAlarm", "ExportFailedAlarm"):
        dims = {d["Name"] for d in RESOURCES[name]["Properties"]["Dimensions"]}
        assert dims == {"service", "stage"}, name
