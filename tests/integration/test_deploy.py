"""`make deploy` / `make destroy` (infra/deploy.py) against moto's S3 and CloudFormation: the
artifacts land under their content hashes, the template points at them, the stack is created
by a change set, updated by the next, left alone when nothing changed, and the web client is
copied with its cache rules. Without credentials it says so in one line and builds nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))
import deploy  # noqa: E402

pytestmark = pytest.mark.integration
REGION = "ap-southeast-1"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _zip(path: Path, name: str, text: str) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, text)


def _build(tmp_path: Path) -> Path:
    build = tmp_path / "package"
    build.mkdir()
    _zip(build / "deployment.zip", "app.py", "app = 1\n")
    _zip(build / "layer-solver.zip", "python/ortools.py", "")
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "./deployment.zip"},
            },
            "SolverLayer": {
                "Type": "AWS::Serverless::LayerVersion",
                "Properties": {"ContentUri": "./layer-solver.zip"},
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        },
    }
    (build / "sam.json").write_text(json.dumps(template))
    return build


def test_without_credentials_it_says_so_in_one_line_and_builds_nothing(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "infra/deploy.py", "deploy", "--stage", "prod"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""  # no package built, no make run
    [line] = done.stderr.splitlines()
    assert "no AWS credentials" in line and "AWS_PROFILE" in line


def test_a_stage_the_chalice_config_does_not_name_is_refused() -> None:
    with pytest.raises(deploy.DeployError, match="no stage 'qa'"):
        deploy.deploy("qa", lambda command: pytest.fail(f"ran {command}"))


def test_the_artifacts_go_under_their_hashes_and_the_template_points_at_them(
    aws: None, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    bucket = deploy.artifacts_bucket(s3, "prod", "123456789012", REGION)
    assert deploy.artifacts_bucket(s3, "prod", "123456789012", REGION) == bucket  # made once
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    build = _build(tmp_path)
    locations, url = deploy.upload_package(s3, bucket, build)
    assert set(locations) == {"deployment.zip", "layer-solver.zip"}
    digest = deploy.sha256(build / "deployment.zip")
    assert locations["deployment.zip"] == f"s3://{bucket}/package/{digest}-deployment.zip"
    key = url.split(".amazonaws.com/", 1)[1]
    template = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    props = template["Resources"]
    assert props["APIHandler"]["Properties"]["CodeUri"] == locations["deployment.zip"]
    assert props["SolverLayer"]["Properties"]["ContentUri"] == locations["layer-solver.zip"]
    # Unchanged files: the same keys, the same template
    assert deploy.upload_package(s3, bucket, build) == (locations, url)


def test_a_template_naming_an_artifact_the_package_lacks_is_refused() -> None:
    template = {
        "Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./gone.zip"}}}
    }
    with pytest.raises(deploy.DeployError, match="F needs gone.zip"):
        deploy.point_at_s3(template, {})


def _template_url(s3: Any, bucket: str, key: str, resources: dict[str, Any]) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({"Resources": resources}))
    return f"https://{bucket}.s3.{REGION}.amazonaws.com/{key}"


def test_the_stack_is_created_then_updated_then_left_alone(aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    cfn = boto3.client("cloudformation", region_name=REGION)
    bucket = deploy.artifacts_bucket(s3, "prod", "123456789012", REGION)
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "one"}}
    first = _template_url(s3, bucket, "t1.json", {"One": topic})
    assert deploy.deploy_stack(cfn, "yanxiu-prod", first, {}) is True
    assert deploy.deploy_stack(cfn, "yanxiu-prod", first, {}) is False  # nothing changed
    second = _template_url(
        s3, bucket, "t2.json", {"One": topic, "Two": {**topic, "Properties": {"TopicName": "two"}}}
    )
    assert deploy.deploy_stack(cfn, "yanxiu-prod", second, {}) is True
    [stack] = cfn.describe_stacks(StackName="yanxiu-prod")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    summaries = cfn.list_stack_resources(StackName="yanxiu-prod")["StackResourceSummaries"]
    assert {r["LogicalResourceId"] for r in summaries} == {"One", "Two"}
    # The change sets asked for what SAM's transform and the roles need
    assert deploy.CAPABILITIES == ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]


class Invalidations:
    """CloudFront's one call the deploy makes, recorded."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def create_invalidation(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def test_the_web_client_is_copied_with_its_cache_rules_and_an_older_build_removed(
    aws: None, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="web", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="web", Key="assets/old-1234.js", Body=b"old")
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html>")
    (dist / "assets" / "index-abcd.js").write_text("console.log(1)")
    cloudfront = Invalidations()
    assert deploy.publish_web(s3, cloudfront, "web", "E123", dist) == 2
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="web")["Contents"]}
    assert keys == {"index.html", "assets/index-abcd.js"}
    page = s3.head_object(Bucket="web", Key="index.html")
    asset = s3.head_object(Bucket="web", Key="assets/index-abcd.js")
    assert page["CacheControl"] == "no-cache" and page["ContentType"] == "text/html"
    assert "immutable" in asset["CacheControl"] and asset["ContentType"] == "text/javascript"
    [call] = cloudfront.calls
    assert call["DistributionId"] == "E123" and call["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


def test_a_web_client_not_built_is_named(aws: None, tmp_path: Path) -> None:
    with pytest.raises(deploy.DeployError, match="make web"):
        deploy.publish_web(boto3.client("s3", region_name=REGION), Invalidations(), "web", "E1", tmp_path)
