"""The web client in infra/template.json: a private bucket read only by CloudFront (origin
access control), and one distribution that serves it with the SPA fallback and passes /api/*
to API Gateway uncached. The /api prefix needs no rewriting because Chalice's stage is named
`api`: CloudFront's /api/health is the stage `api`'s /health."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE: dict[str, Any] = json.loads((ROOT / "infra" / "template.json").read_text())
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
CONFIG = RESOURCES["WebDistribution"]["Properties"]["DistributionConfig"]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed cache policy
DISTRIBUTION_ARN = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${WebDistribution}"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed origin request policy


def test_the_web_bucket_is_private_and_read_only_by_the_distribution() -> None:
    bucket = RESOURCES["WebBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert "CorsConfiguration" not in bucket  # same origin: nothing to allow
    statements = RESOURCES["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert allow == [
        {
            "Sid": "CloudFrontReadsTheSite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${WebBucket.Arn}/*"},
            "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": DISTRIBUTION_ARN}}},
        }
    ]
    web_origin = next(o for o in CONFIG["Origins"] if o["Id"] == "web")
    assert web_origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}


def test_api_paths_go_to_api_gateway_uncached_with_the_prefix_as_the_stage() -> None:
    (api,) = [b for b in CONFIG["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origin = next(o for o in CONFIG["Origins"] if o["Id"] == api["TargetOriginId"])
    assert origin["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.amazonaws.com"}
    assert "OriginPath" not in origin
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST  # Authorization and query, not Host
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(api["AllowedMethods"])
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert config["stages"]["prod"]["api_gateway_stage"] == "api"


def test_client_routes_fall_back_to_index_html_for_the_site_only() -> None:
    default = CONFIG["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "web"
    (association,) = default["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    code = RESOURCES["WebSpaFallback"]["Properties"]["FunctionCode"]
    assert "/index.html" in code
    # An error page rewrite would turn the API's own 403/404 JSON into index.html.
    assert "CustomErrorResponses" not in CONFIG
