"""Modules imported on first attribute access (importlib's LazyLoader).

The views name their services at the top like any import, but the services pull in
PynamoDB and botocore: loading those on the first request instead of at cold start keeps
`import app` light (bench: cold import of app vs boto3)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
