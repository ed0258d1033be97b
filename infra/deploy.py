"""`make deploy STAGE=…` and `make destroy STAGE=…`: yanxiu to an AWS account with one command.

deploy: build the package (infra/package.py: deployment.zip, the layers, the merged SAM
template), put them in the stage's artifacts bucket under their content hashes, deploy the
template with a CloudFormation change set (SAM's transform: CAPABILITY_AUTO_EXPAND; the roles:
CAPABILITY_IAM), copy the web client (web/dist) to its bucket and invalidate CloudFront, then
print where to open the site and the API. Run again, it changes only what changed.

destroy: delete the stage's stack. Tables, the uploads bucket, the KMS key and the HMAC secret
are kept (DeletionPolicy Retain in infra/template.json): data outlives a mistyped command.

Credentials and region come from the usual places (AWS_PROFILE, AWS_REGION, ~/.aws); without
them this says so in one line and stops before building anything."""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "package"
WEB_DIST = ROOT / "web" / "dist"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
# Template parameters a person may set from the environment (infra/README.md lists them).
PARAMETERS = {
    "SiteUrl": "YANXIU_SITE_URL",
    "MailFrom": "YANXIU_MAIL_FROM",
    "AlarmEmail": "YANXIU_ALARM_EMAIL",
}


class DeployError(Exception):
    """Something a person can fix; its message is the one line printed."""


def stack_name(stage: str) -> str:
    return f"yanxiu-{stage}"


def session() -> Any:
    """A boto3 session with credentials and a region, or a DeployError saying which is missing."""
    import boto3

    s = boto3.Session()
    if s.get_credentials() is None:
        raise DeployError(
            "deploy: no AWS credentials found; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and"
            " AWS_SECRET_ACCESS_KEY) and AWS_REGION, then run it again"
        )
    if not s.region_name:
        raise DeployError("deploy: no AWS region set; set AWS_REGION (e.g. cn-northwest-1 or ap-southeast-1)")
    return s


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def point_at_s3(template: dict[str, Any], locations: dict[str, str]) -> dict[str, Any]:
    """The template with each local artifact (CodeUri, ContentUri "./name.zip") replaced by
    its S3 URI; an artifact the template names but `locations` lacks is an error."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            value = props.get(key)
            if isinstance(value, str) and value.startswith("./"):
                file = value.removeprefix("./")
                if file not in locations:
                    raise DeployError(f"deploy: {name} needs {file}, which the package did not build")
                props[key] = locations[file]
    return template


def artifacts_bucket(s3: Any, stage: str, account: str, region: str) -> str:
    """The stage's bucket for packages and templates (made once; private, encrypted)."""
    name = f"yanxiu-{stage}-artifacts-{account}-{region}"
    try:
        s3.head_bucket(Bucket=name)
        return name
    except s3.exceptions.ClientError:
        pass
    create: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    return name


def upload_package(s3: Any, bucket: str, build: Path) -> tuple[dict[str, str], str]:
    """({zip name: s3 URI}, the template's https URL), each under its content hash, so an
    unchanged layer keeps its version and a rerun uploads nothing new."""
    locations = {}
    for path in sorted(build.glob("*.zip")):
        key = f"package/{sha256(path)}-{path.name}"
        if not _stored(s3, bucket, key):  # its hash is in the key: there, it is these bytes
            s3.upload_file(str(path), bucket, key)
        locations[path.name] = f"s3://{bucket}/{key}"
    template = point_at_s3(json.loads((build / "sam.json").read_text()), locations)
    body = json.dumps(template, ensure_ascii=False).encode()
    key = f"templates/{hashlib.sha256(body).hexdigest()}.json"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    region = s3.meta.region_name
    host = f"{bucket}.s3.{region}.amazonaws.com" + (".cn" if region.startswith("cn-") else "")
    return locations, f"https://{host}/{key}"


def _stored(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def stack_exists(cfn: Any, name: str) -> bool:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    status = stacks[0]["StackStatus"] if stacks else "REVIEW_IN_PROGRESS"
    if status == "ROLLBACK_COMPLETE":
        # A first create that failed: CloudFormation cannot update it, only delete it (the
        # resources it kept, DeletionPolicy Retain, stay and must go before a new create).
        raise DeployError(
            f"deploy: {name} failed when it was first created (ROLLBACK_COMPLETE); see its events,"
            f" run make destroy STAGE=…, delete the kept tables/buckets/key/secret, then deploy again"
        )
    return status != "REVIEW_IN_PROGRESS"


def deploy_stack(cfn: Any, name: str, template_url: str, parameters: dict[str, str]) -> bool:
    """Create or update the stack through a change set; False when there was nothing to change."""
    kind = "UPDATE" if stack_exists(cfn, name) else "CREATE"
    change_set = f"{name}-{hashlib.sha256(template_url.encode()).hexdigest()[:12]}-{os.getpid()}"
    cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType=kind,
        TemplateURL=template_url,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=CAPABILITIES,
    )
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": 5, "MaxAttempts": 120}
        )
    except Exception:  # noqa: BLE001 - the waiter fails on "no changes" too; the change set says which
        described = cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
        reason = described.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
            return False
        raise DeployError(f"deploy: the change set failed: {reason}") from None
    print(f"deploy: {kind.lower()} {name} (CloudFormation, a few minutes the first time)", flush=True)
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 10, "MaxAttempts": 360})
    except Exception:  # noqa: BLE001 - the stack's events say why; point there
        raise DeployError(
            f"deploy: {name} did not finish ({waiter}); see its events in the CloudFormation console"
        ) from None
    return True


def outputs(cfn: Any, name: str) -> dict[str, str]:
    [stack] = cfn.describe_stacks(StackName=name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def publish_web(s3: Any, cloudfront: Any, bucket: str, distribution: str, dist: Path) -> int:
    """web/dist to its bucket: hashed assets cached for a year, index.html never; files of an
    older build removed; CloudFront told to fetch again. How many files were copied."""
    if not (dist / "index.html").exists():
        raise DeployError("deploy: web/dist has no index.html; run make web first")
    wanted = set()
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = path.relative_to(dist).as_posix()
        wanted.add(key)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = "public, max-age=31536000, immutable" if key.startswith("assets/") else "no-cache"
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type, "CacheControl": cache})
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        stale = [{"Key": o["Key"]} for o in page.get("Contents", []) if o["Key"] not in wanted]
        if stale:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": stale})
    cloudfront.create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": sha256(dist / "index.html"),
        },
    )
    return len(wanted)


def known_stage(stage: str) -> None:
    """The stage's names (tables, bucket, queue) are baked into the package from
    .chalice/config.json: a stage not there would run with another's."""
    stages = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]
    if stage not in stages:
        raise DeployError(
            f"deploy: no stage {stage!r} in .chalice/config.json (there: {', '.join(sorted(stages))});"
            " copy the prod stage under that name, with its own names"
        )


def deploy(stage: str, run: Callable[[list[str]], None]) -> dict[str, str]:
    known_stage(stage)
    s = session()
    run([sys.executable, str(ROOT / "infra" / "package.py"), "--stage", stage])
    run(["make", "-C", str(ROOT), "web"])
    account = s.client("sts").get_caller_identity()["Account"]
    s3 = s.client("s3")
    bucket = artifacts_bucket(s3, stage, account, s.region_name)
    _, template_url = upload_package(s3, bucket, BUILD)
    parameters = {"Stage": stage} | {k: os.environ[v] for k, v in PARAMETERS.items() if os.environ.get(v)}
    cfn = s.client("cloudformation")
    name = stack_name(stage)
    if "SiteUrl" not in parameters and stack_exists(cfn, name):
        # Keep the address an earlier deploy set (an omitted parameter falls back to its default).
        [stack] = cfn.describe_stacks(StackName=name)["Stacks"]
        earlier = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
        if earlier.get("SiteUrl") not in (None, "", "https://yanxiu.example.cn"):  # not the placeholder
            parameters["SiteUrl"] = earlier["SiteUrl"]
    if not deploy_stack(cfn, name, template_url, parameters):
        print(f"deploy: {name} is up to date", flush=True)
    out = outputs(cfn, name)
    if "SiteUrl" not in parameters and out.get("WebUrl"):
        # No address given: the site is CloudFront's domain, known only now. The links in SMS
        # and e-mail and the uploads' CORS rule take it (a second, small change set).
        parameters["SiteUrl"] = out["WebUrl"]
        if deploy_stack(cfn, name, template_url, parameters):
            out = outputs(cfn, name)
    files = publish_web(s3, s.client("cloudfront"), out["WebBucketName"], out["WebDistributionId"], WEB_DIST)
    print(f"deploy: {files} web files copied; CloudFront refreshes in a few minutes", flush=True)
    print(f"  网站 (the site):  {out['WebUrl']}")
    print(f"  API:              {out['WebUrl']}/api  (direct: {out['EndpointURL']})")
    print(f"  告警 (alarms):    SNS topic {out['AlarmTopicArn']}")
    print("  The first administrator: yanxiu create-admin … --aws (docs/runbook.md §0).")
    return out


def destroy(stage: str) -> None:
    s = session()
    cfn = s.client("cloudformation")
    name = stack_name(stage)
    if not stack_exists(cfn, name):
        print(f"destroy: there is no stack {name}")
        return
    out = outputs(cfn, name)
    if out.get("WebBucketName"):  # retained, but emptied: the site's files are the build's
        s3 = s.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=out["WebBucketName"]):
            objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if objects:
                s3.delete_objects(Bucket=out["WebBucketName"], Delete={"Objects": objects})
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=name, WaiterConfig={"Delay": 10, "MaxAttempts": 360}
    )
    print(
        f"destroy: {name} deleted; its tables, uploads bucket, web bucket, KMS key and HMAC secret are"
        " kept (delete them in the console if the data is to go)"
    )


def _run(command: list[str]) -> None:
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - our own tools


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["deploy", "destroy"])
    parser.add_argument("--stage", default=os.environ.get("STAGE") or "prod")
    args = parser.parse_args()
    try:
        if args.action == "deploy":
            deploy(args.stage, _run)
        else:
            destroy(args.stage)
    except DeployError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
