"""Package the app the way `make package` does, with infra/template.json merged in, and lint
the result: cfn-lint on the SAM template, plus two checks cfn-lint does not make here: every
Lambda role Chalice generates is on one policy of its own (infra/grants.py; a new function's
role would otherwise have only what .chalice/policy.json gives), and every action in those
policies exists in IAM (cfn-lint validates actions of AWS::IAM::Policy only, not of
AWS::IAM::ManagedPolicy).

Offline and quick: Chalice packages a staged copy of the app (app.py, chalicelib, .chalice
config and policy) without requirements.txt, so it downloads nothing even after `make package`
left one in the repo; the region is only what Chalice asks for before it writes the template.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "build" / "infra-check"
TEMPLATE = ROOT / "infra" / "template.json"
STAGE = "prod"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603


def _lambda_roles(sam: dict) -> dict[str, dict]:
    roles = {}
    for name, resource in sam.get("Resources", {}).items():
        props = resource.get("Properties", {})
        trust = json.dumps(props.get("AssumeRolePolicyDocument", {}))
        if resource.get("Type") == "AWS::IAM::Role" and "lambda.amazonaws.com" in trust:
            roles[name] = props
    return roles


def _role_problems(sam: dict) -> list[str]:
    """Every Lambda role in the packaged template: exactly one policy, its function's own
    (infra/grants.py), and no inline policy left over from .chalice/policy.json (its grant is
    broader than ours)."""
    problems = []
    for name, props in _lambda_roles(sam).items():
        managed = props.get("ManagedPolicyArns", [])
        if len(managed) != 1 or not str(managed[0].get("Ref", "")).endswith("Policy"):
            problems.append(f"{name}: not on one policy of its own (make infra-tables: infra/grants.py)")
        if props.get("Policies"):
            problems.append(f"{name}: keeps an inline policy (override Policies with [])")
    return problems


def _action_problems(sam: dict) -> list[str]:
    """Each action of the functions' policies against cfn-lint's copy of the IAM service reference."""
    known = json.loads(files("cfnlint.data.AdditionalSpecs").joinpath("Policies.json").read_text())
    problems = []
    statements = [
        statement
        for resource in sam["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]
    for statement in statements:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            service, _, verb = action.partition(":")
            if verb.lower() not in known.get(service, {}).get("Actions", {}):
                problems.append(f"{action} is not an IAM action")
    return problems


def _policy_problems(sam: dict) -> list[str]:
    """Each function's policy in the built template is the one infra/grants.py writes for it
    (tests/unit/test_infra_agrees.py holds those to what each function's code touches): the
    merge with Chalice's output adds or widens nothing."""
    source = json.loads(TEMPLATE.read_text())["Resources"]
    problems = []
    for name, resource in sam["Resources"].items():
        if resource["Type"] != "AWS::IAM::ManagedPolicy":
            continue
        written = source.get(name, {}).get("Properties", {}).get("PolicyDocument")
        if resource["Properties"]["PolicyDocument"] != written:
            problems.append(f"{name}: the built policy is not the one infra/grants.py wrote")
    return problems


def _stage_app(into: Path) -> None:
    """What Chalice packages: the app and its config, without requirements.txt or vendor/, so
    nothing is downloaded (`make package` builds the real package: vendor/ from the lock, no
    requirements.txt)."""
    shutil.copy2(ROOT / "app.py", into / "app.py")
    shutil.copytree(ROOT / "chalicelib", into / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    (into / ".chalice").mkdir()
    for name in ("config.json", "policy.json"):
        shutil.copy2(ROOT / ".chalice" / name, into / ".chalice" / name)


def main() -> int:
    started = time.perf_counter()
    env = dict(os.environ)
    # Chalice wants a region before it writes anything; no AWS call is made.
    env.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")
    shutil.rmtree(OUT, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="yanxiu-infra-") as staged:
        _stage_app(Path(staged))
        package = _run(
            [str(BIN / "chalice"), "--project-dir", staged, "package", "--stage", STAGE]
            + ["--merge-template", str(TEMPLATE), str(OUT)],
            env,
        )
    if package.returncode != 0:
        print(package.stdout + package.stderr)
        print("infra-lint: chalice package failed")
        return 1
    sam_path = OUT / "sam.json"
    sam = json.loads(sam_path.read_text())

    # Errors and warnings both fail: the template is small enough to keep clean.
    lint = _run([str(BIN / "cfn-lint"), "--non-zero-exit-code", "warning", str(sam_path)], env)
    problems = _role_problems(sam) + _action_problems(sam) + _policy_problems(sam)
    if lint.returncode != 0 or problems:
        if output := (lint.stdout + lint.stderr).strip():
            print(output)
        for problem in problems:
            print(f"policy check: {problem}")
        print("infra-lint: FAILED")
        return 1

    resources = sam["Resources"].values()
    tables = sum(r["Type"] == "AWS::DynamoDB::Table" for r in resources)
    roles = len(_lambda_roles(sam))
    print(
        f"infra-lint: chalice package --stage {STAGE} + infra/template.json -> {sam_path.relative_to(ROOT)}: "
        f"cfn-lint clean; {len(sam['Resources'])} resources, {tables} tables, {roles} Lambda roles each on "
        f"its own policy, their actions all known to IAM; in {time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
