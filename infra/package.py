"""`make package`: the Lambda packages, lean, from the lock.

Chalice ships one deployment.zip to every function, so what only a few functions need goes
into layers attached to those functions alone (infra/template.json):

- deployment.zip (every function): our code and `vendor/`, the dependency closure of
  pyproject's runtime dependencies, minus what the python3.11 Lambda runtime already has
  (boto3, botocore and theirs), minus Chalice (it packages its own runtime), minus the layers'.
- layer-solver.zip -> the allocate function: OR-Tools without its declared dependencies
  (min_cost_flow needs none of numpy, pandas, protobuf, absl).
- layer-media.zip -> build_exports, on_s3_event, check_uploads: Pillow, python-docx, lxml.

Every wheel is the lock's version, its hash checked, built for manylinux x86_64 up to glibc
2.26 (the runtime's, Amazon Linux 2). The sizes land in build/package/sizes.json (bench/package.py reads them;
tests/package/ imports and runs the unzipped packages).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCK = ROOT / "requirements.lock"
OUT = ROOT / "build" / "package"
WORK = ROOT / "build" / "layers"
VENDOR = ROOT / "vendor"

# What the python3.11 Lambda runtime provides; the function uses the runtime's copies.
RUNTIME = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
# Not shipped at all, each for a reason.
LEFT_OUT = {
    "chalice": "chalice package writes its own runtime module into the zip",
    "dnspython": "email-validator imports it only for deliverability checks, which are off",
    "pycparser": "cffi parses C declarations with it at build time; argon2's bindings come compiled",
}
# Parts of shipped packages that nothing of ours imports, each for a reason (the package tier
# imports every module of chalicelib from the built package, so a wrong entry fails there).
_POWERTOOLS_UNUSED = "powertools' {}: we use its logger, metrics and batch processor only"
PRUNE = {
    "aws_lambda_powertools/event_handler": "powertools' event handler: Chalice routes",
    **{
        f"aws_lambda_powertools/utilities/{part}": _POWERTOOLS_UNUSED.format(part)
        for part in (
            "parser",
            "auth_alpha",
            "kafka",
            "circuit_breaker",
            "feature_flags",
            "data_masking",
            "streaming",
            "parameters",
            "idempotency",
            "validation",
        )
    },
    "*.dist-info/sboms": "build-time bills of materials",
    "pydantic/v1": "pydantic's v1 compatibility package: nothing imports pydantic.v1",
    "bin": "the libraries' console scripts: nothing runs them in a Lambda",
}
# layer -> (its root packages, whether their declared dependencies come too, its functions).
LAYERS: dict[str, tuple[list[str], bool, list[str]]] = {
    "solver": (["ortools"], False, ["Allocate"]),
    "media": (["pillow", "python-docx"], True, ["BuildExports", "OnS3Event", "CheckUploads"]),
}
# Wheels the python3.11 runtime can load: Amazon Linux 2 has glibc 2.26.
PLATFORMS = ["manylinux_2_26_x86_64", "manylinux_2_24_x86_64", "manylinux2014_x86_64"]


def locked() -> dict[str, tuple[str, list[str]]]:
    """{name: (version, [hashes])} from requirements.lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    name = ""
    for line in LOCK.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)", line):
            name = canonicalize_name(match.group(1))
            entries[name] = (match.group(2), [])
        elif name and (digest := re.search(r"--hash=(sha256:[0-9a-f]+)", line)):
            entries[name][1].append(digest.group(1))
    return entries


def requires(name: str) -> list[str]:
    """The declared runtime dependencies of an installed distribution (the venv holds the
    lock's versions), markers evaluated for Linux and this Python, extras not taken."""
    found = []
    for spec in metadata.requires(name) or []:
        requirement = Requirement(spec)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            found.append(canonicalize_name(requirement.name))
    return found


def closure(roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [canonicalize_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen or name in RUNTIME or name in LEFT_OUT:
            continue
        seen.add(name)
        todo.extend(requires(name))
    return seen


def plan() -> dict[str, set[str]]:
    """Which packages go where: {"function": ..., "<layer>": ...}."""
    project = [
        canonicalize_name(Requirement(d).name) for d in metadata.requires("yanxiu") or [] if "extra" not in d
    ]
    layer_roots = {name for roots, _, _ in LAYERS.values() for name in roots}
    function = closure([p for p in project if p not in layer_roots])
    groups = {"function": function}
    for layer, (roots, with_deps, _) in LAYERS.items():
        groups[layer] = (closure(roots) if with_deps else set(roots)) - function
    return groups


def install(names: set[str], target: Path, lock: dict[str, tuple[str, list[str]]]) -> None:
    missing = sorted(n for n in names if n not in lock)
    if missing:
        raise SystemExit(f"package: not in requirements.lock: {', '.join(missing)} (run make lock)")
    pins = WORK / f"{target.name}.txt"
    pins.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for name in sorted(names):
        version, hashes = lock[name]
        lines.append(f"{name}=={version} " + " ".join(f"--hash={h}" for h in hashes))
    pins.write_text("\n".join(lines) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [str(BIN / "python"), "-m", "pip", "install", "-q", "--no-deps", "--require-hashes"]
        + ["--only-binary=:all:", "--python-version", "3.11"]
        + [arg for platform in PLATFORMS for arg in ("--platform", platform)]
        + ["--implementation", "cp", "--no-compile", "--target", str(target), "-r", str(pins)],
        check=True,
    )
    for cache in target.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    for pattern in PRUNE:
        for doomed in target.glob(pattern):
            shutil.rmtree(doomed) if doomed.is_dir() else doomed.unlink()


def functions(template: Path) -> list[str]:
    """The logical ids of the template's functions (chalice package writes one a function)."""
    resources = json.loads(template.read_text())["Resources"]
    return sorted(k for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function")


def zip_dir(source: Path, into: Path, prefix: str) -> None:
    """A deterministic zip: sorted names, one timestamp, so an unchanged layer is unchanged."""
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(source)}", date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def unzipped(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(i.file_size for i in archive.infolist())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args()
    lock = locked()
    groups = plan()
    # Chalice installs requirements.txt itself when it exists; ours are in vendor/ already.
    (ROOT / "requirements.txt").unlink(missing_ok=True)
    install(groups["function"], VENDOR, lock)
    shutil.rmtree(OUT, ignore_errors=True)
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1")}
    subprocess.run(  # noqa: S603
        [
            str(BIN / "chalice"),
            "package",
            "--stage",
            args.stage,
            "--merge-template",
            "infra/template.json",
            str(OUT),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    sizes = {"deployment.zip": unzipped(OUT / "deployment.zip")}
    for layer in LAYERS:
        target = WORK / layer
        install(groups[layer], target, lock)
        zip_dir(target, OUT / f"layer-{layer}.zip", "python")
        sizes[f"layer-{layer}.zip"] = unzipped(OUT / f"layer-{layer}.zip")
    per_function = {
        name: sizes["deployment.zip"]
        + sum(sizes[f"layer-{layer}.zip"] for layer, (_, _, users) in LAYERS.items() if name in users)
        for name in functions(OUT / "sam.json")
    }
    report = {
        "stage": args.stage,
        "files": sizes,
        "functions": per_function,
        "packages": {k: sorted(v) for k, v in groups.items()},
    }
    (OUT / "sizes.json").write_text(json.dumps(report, indent=2) + "\n")
    mib = 2**20
    print(
        f"package: build/package for stage {args.stage}"
        " (unzipped sizes; Lambda's limit is 250 MiB a function)"
    )
    for name, size in sizes.items():
        print(f"  {name:<22} {size / mib:6.1f} MiB")
    for name, size in per_function.items():
        print(f"  function {name:<17} {size / mib:6.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
