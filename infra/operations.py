"""Write what an operator watches into infra/template.json: for every function Chalice
packages (the API, each schedule, the S3-event queue's consumer, the allocate function) a log
group with a retention, and alarms on errors, on a duration near its timeout and on
throttles; the API's 5xx and the firewall's blocks; the service's own signals (an outbox
message waiting past an hour, a message given up, an export that failed, uploads in the dead
letter queue); and one dashboard. The functions and their timeouts are read from the app and
.chalice/config.json (the prod stage), so a new job gets its alarms from `make infra-tables`,
and tests/unit/test_infra_agrees.py fails when the template and this file disagree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.json"
STAGE = "prod"
NAMESPACE = "yanxiu"  # chalicelib/observability.py
DURATION_SHARE = 0.8  # a run taking 80% of its timeout is one bad day from being cut off
# 网络安全法 art. 21: network logs are kept at least six months.
RETENTION_DAYS = 180
RETENTIONS = [180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

# What it means when each function fails, for the alarm's reader (docs/runbook.md has more).
MEANING = {
    "APIHandler": "the API itself failed (timeout, memory, a crash at start); users see errors",
    "DrainOutbox": "queued SMS and e-mails wait until the drain runs again",
    "DailyReminders": "today's 09:00 reminders (demand, roster, registration, outcomes) did not go",
    "CheckinReminders": "today's 10:00 签到 reminders did not go",
    "BuildExports": "exports stay queued (the yearbook, large workbooks)",
    "CheckUploads": "uploads whose S3 event was lost stay pending",
    "OnS3Event": "new uploads are not checked; the queue retries them, then dead-letters them",
    "ExpireOffers": "waiting-list offers past 48 hours stay open; their batches are not offered on",
    "Allocate": "the office's allocation preview and commit answer 503",
    "OnReminderUnit": "planned reminder units are not done; the queue retries them, then dead-letters them",
}


def functions() -> dict[str, int]:
    """{logical id: timeout in seconds} of every function `chalice package` writes."""
    from chalice.config import Config
    from chalice.package import to_cfn_resource_name

    import app

    disk = json.loads((ROOT / ".chalice" / "config.json").read_text())
    names = [("api_handler", "APIHandler")]
    names += [(e.name, to_cfn_resource_name(e.name)) for e in app.app.event_sources]
    names += [(f.name, to_cfn_resource_name(f.name)) for f in app.app.pure_lambda_functions]
    out = {}
    for name, logical in names:
        config = Config(chalice_stage=STAGE, function_name=name, config_from_disk=disk)
        out[logical] = int(config.lambda_timeout)
    return out


def _alarm(name: str, description: str, metric: dict[str, Any], **how: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "AlarmName": {"Fn::Sub": f"yanxiu-${{Stage}}-{name}"},
        "AlarmDescription": description,
        **metric,
        "Period": 300,
        "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}],
        "OKActions": [{"Ref": "AlarmTopic"}],
    }
    props.update(how)
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": props}


def _lambda(logical: str, metric: str, statistic: str) -> dict[str, Any]:
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": metric,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": logical}}],
        "Statistic": statistic,
    }


def _ours(metric: str, statistic: str = "Sum") -> dict[str, Any]:
    """A metric of chalicelib/observability.py: service and stage are its dimensions."""
    return {
        "Namespace": NAMESPACE,
        "MetricName": metric,
        "Dimensions": [{"Name": "service", "Value": "yanxiu"}, {"Name": "stage", "Value": {"Ref": "Stage"}}],
        "Statistic": statistic,
    }


def per_function(logical: str, timeout: int) -> dict[str, dict[str, Any]]:
    slug = logical.lower()
    meaning = MEANING[logical]
    near = int(timeout * 1000 * DURATION_SHARE)
    return {
        # Named by stage, not by the function (whose name CloudFormation makes up), and
        # created before the function, which is told to log there: Lambda never makes its own.
        f"{logical}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/yanxiu/${{Stage}}/{logical}"},
                "RetentionInDays": {"Ref": "LogRetentionDays"},
            },
        },
        f"{logical}ErrorsAlarm": _alarm(
            f"{slug}-errors",
            f"{logical} failed: {meaning}.",
            _lambda(logical, "Errors", "Sum"),
            Threshold=1,
        ),
        f"{logical}DurationAlarm": _alarm(
            f"{slug}-duration",
            f"{logical} took {int(DURATION_SHARE * 100)}% of its {timeout} s timeout: next time it"
            f" may be cut off ({meaning}).",
            _lambda(logical, "Duration", "Maximum"),
            Threshold=near,
        ),
        f"{logical}ThrottlesAlarm": _alarm(
            f"{slug}-throttles",
            f"{logical} was throttled (the account's concurrency is used up): {meaning}.",
            _lambda(logical, "Throttles", "Sum"),
            Threshold=1,
        ),
    }


def service_alarms() -> dict[str, dict[str, Any]]:
    return {
        "ApiServerErrorsAlarm": _alarm(
            "api-5xx",
            "The API answered 5xx five times in five minutes (API Gateway's count: the function's"
            " 500s, timeouts at 29 s, 502s from a crash). Logs by correlation id: docs/runbook.md.",
            {
                "Namespace": "AWS/ApiGateway",
                "MetricName": "5XXError",
                "Dimensions": [{"Name": "ApiName", "Value": {"Fn::Sub": "yanxiu-${Stage}"}}],
                "Statistic": "Sum",
            },
            Threshold=5,
        ),
        "ApiClientErrorsAlarm": _alarm(
            "api-4xx",
            "A quarter of the API's answers were 4xx for fifteen minutes: API Gateway throttling"
            " (429, the stage's rate limit) or a client retrying in a loop (401, 409). The WAF's"
            " blocks have their own alarm; logs by correlation id: docs/runbook.md.",
            {
                "Namespace": "AWS/ApiGateway",
                "MetricName": "4XXError",
                "Dimensions": [{"Name": "ApiName", "Value": {"Fn::Sub": "yanxiu-${Stage}"}}],
                "Statistic": "Average",
            },
            Threshold=0.25,
            EvaluationPeriods=3,
        ),
        "ApiWafBlockedAlarm": _alarm(
            "waf-blocked",
            "The firewall blocked 100 requests in five minutes: someone guessing passwords, or a"
            " school's shared address over the per-source limit (infra/README.md).",
            {
                "Namespace": "AWS/WAFV2",
                "MetricName": "BlockedRequests",
                "Dimensions": [
                    {"Name": "WebACL", "Value": {"Fn::Sub": "yanxiu-${Stage}-api"}},
                    {"Name": "Region", "Value": {"Ref": "AWS::Region"}},
                    {"Name": "Rule", "Value": "ALL"},
                ],
                "Statistic": "Sum",
            },
            Threshold=100,
        ),
        "OutboxStuckAlarm": _alarm(
            "outbox-stuck",
            "An SMS or e-mail that is due has waited more than an hour (the drain reports the"
            " oldest every run; no report at all means the drain is not running).",
            _ours("OutboxOldestAgeSeconds", "Maximum"),
            Threshold=3600,
            Period=900,
            TreatMissingData="breaching",
        ),
        "MessageGivenUpAlarm": _alarm(
            "message-given-up",
            "An SMS or e-mail ran out of retries (services/notify.py): someone did not get a"
            " password or notice.",
            _ours("MessageGivenUp"),
            Threshold=1,
        ),
        "ExportFailedAlarm": _alarm(
            "export-failed",
            "An export's build failed (it ends failed after its attempts): the office or a"
            " region asked for a file it will not get.",
            _ours("ExportFailed"),
            Threshold=1,
        ),
        "ReminderUnitsDeadLettersAlarm": _alarm(
            "reminder-units-dead-letters",
            "Reminder units that failed five times: those recipients were not reminded today"
            " (infra/README.md).",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [
                    {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ReminderUnitsDeadLetters", "QueueName"]}}
                ],
                "Statistic": "Maximum",
            },
            Threshold=1,
        ),
        "UploadsDeadLettersAlarm": _alarm(
            "uploads-dead-letters",
            "Upload checks that failed five times (infra/README.md).",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [
                    {"Name": "QueueName", "Value": {"Fn::GetAtt": ["UploadEventsDeadLetters", "QueueName"]}}
                ],
                "Statistic": "Maximum",
            },
            Threshold=1,
        ),
    }


def dashboard(names: list[str]) -> dict[str, Any]:
    """One page: the API, every function, the service's business events and its outbox."""

    def widget(title: str, metrics: list[list[Any]], stat: str = "Sum", y: int = 0) -> dict[str, Any]:
        return {
            "type": "metric",
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": "${AWS::Region}",
                "stat": stat,
                "period": 300,
                "metrics": metrics,
            },
        }

    ours = ["service", "yanxiu", "stage", "${Stage}"]
    widgets = [
        widget(
            "API",
            [
                ["AWS/ApiGateway", "Count", "ApiName", "yanxiu-${Stage}"],
                ["AWS/ApiGateway", "5XXError", "ApiName", "yanxiu-${Stage}"],
                ["AWS/ApiGateway", "4XXError", "ApiName", "yanxiu-${Stage}"],
            ],
        ),
        widget("API latency (p95)", [["AWS/ApiGateway", "Latency", "ApiName", "yanxiu-${Stage}"]], "p95"),
        widget("Function errors", [["AWS/Lambda", "Errors", "FunctionName", f"${{{n}}}"] for n in names]),
        widget(
            "Function duration (max)",
            [["AWS/Lambda", "Duration", "FunctionName", f"${{{n}}}"] for n in names],
            "Maximum",
        ),
        widget(
            "Programme events",
            [
                [NAMESPACE, m, *ours]
                for m in (
                    "DemandSubmitted",
                    "BatchesAllocated",
                    "RosterConfirmed",
                    "Enrolled",
                    "EnrolmentConfirmed",
                    "CheckedIn",
                    "ArtifactSubmitted",
                )
            ],
        ),
        widget(
            "Messages",
            [
                [NAMESPACE, m, *ours]
                for m in (
                    "SmsSent",
                    "SmsFailed",
                    "SmsHeld",
                    "EmailSent",
                    "MessageGivenUp",
                    "SmsDailyCapReached",
                )
            ],
        ),
        widget("Outbox: oldest due message (s)", [[NAMESPACE, "OutboxOldestAgeSeconds", *ours]], "Maximum"),
        widget(
            "Uploads and exports",
            [[NAMESPACE, m, *ours] for m in ("UploadRejected", "ExportBuilt", "ExportFailed")],
        ),
    ]
    return {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": {"Fn::Sub": "yanxiu-${Stage}"},
            "DashboardBody": {"Fn::Sub": json.dumps({"widgets": widgets}, ensure_ascii=False)},
        },
    }


def resources() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    timeouts = functions()
    for logical, timeout in sorted(timeouts.items()):
        out.update(per_function(logical, timeout))
    out.update(service_alarms())
    out["Dashboard"] = dashboard(sorted(timeouts))
    return out


def parameters() -> dict[str, Any]:
    return {
        "LogRetentionDays": {
            "Type": "Number",
            "Default": RETENTION_DAYS,
            "AllowedValues": RETENTIONS,
            "Description": "How long the functions' logs are kept; 网络安全法 asks for at least 180 days.",
        }
    }


RETIRED = ["ApiHandlerErrorsAlarm"]  # named before the functions' alarms were generated
UPLOADS_BUCKET = "yanxiu-${Stage}-uploads-${AWS::AccountId}"  # as infra/template.json's UploadsBucket


def apply(template: dict[str, Any]) -> dict[str, Any]:
    template["Parameters"].update(parameters())
    resources_ = template["Resources"]
    for name in RETIRED:
        resources_.pop(name, None)
    resources_.update(resources())
    # Each function logs to its log group, and takes the site's address and the sender from
    # the stack's parameters rather than the values baked in at packaging (merged into what
    # `chalice package` writes); and the uploads bucket's name, which carries the account's id
    # (S3's names are global: "yanxiu-prod-uploads" alone is anyone's to take first).
    for logical in functions():
        entry = resources_.setdefault(logical, {"Type": "AWS::Serverless::Function", "Properties": {}})
        entry["Properties"]["LoggingConfig"] = {"LogGroup": {"Ref": f"{logical}LogGroup"}}
        variables = entry["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
        variables.update(
            {
                "YANXIU_SITE_URL": {"Ref": "SiteUrl"},
                "YANXIU_MAIL_FROM": {"Ref": "MailFrom"},
                "YANXIU_BUCKET": {"Fn::Sub": UPLOADS_BUCKET},
            }
        )
    # The API's name in API Gateway's metrics (the 5xx alarm, the dashboard): one per stage. Both
    # the resource's name and the OpenAPI title, whichever API Gateway takes.
    api = resources_.setdefault("RestAPI", {"Type": "AWS::Serverless::Api", "Properties": {}})
    api["Properties"]["Name"] = {"Fn::Sub": "yanxiu-${Stage}"}
    api["Properties"]["TracingEnabled"] = True  # X-Ray from the gateway on, as on the functions
    api["Properties"]["DefinitionBody"] = {"info": {"title": {"Fn::Sub": "yanxiu-${Stage}"}}}
    template["Outputs"]["WebDistributionId"] = {
        "Value": {"Ref": "WebDistribution"},
        "Description": "CloudFront's id: make deploy invalidates it after copying the web client",
    }
    return template


def main() -> None:
    template = json.loads(TEMPLATE.read_text())
    apply(template)
    TEMPLATE.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n")
    print(f"infra/template.json: logs, alarms and a dashboard for {len(functions())} functions")


if __name__ == "__main__":
    main()
