"""A small, explicit model of the bundle for tests: databricks.yml + resources/*.yml, variables per target.

It resolves what can be resolved offline (``${var.*}``, ``${bundle.*}``, ``${workspace.file_path}`` as a
placeholder) so tests can compare the values the workspace would see; everything else stays as written.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
BUNDLE_FILE = ROOT / "databricks.yml"
RESOURCES_DIR = ROOT / "resources"
SCHEMA_FILE = ROOT / "tests" / "data" / "databricks" / "bundle_schema.json"

REF = re.compile(r"\$\{([^}]+)\}")
WORKSPACE_FILE_PATH = "/Workspace/<root_path>/files"
CURRENT_USER = {"short_name": "<me>", "userName": "<me>@example.com"}
# What a deployer passes with --var / BUNDLE_VAR_<name> for variables that have no value in a target.
DEPLOY_INPUTS = {"warehouse_id": "<warehouse-id>", "alert_email": "calidad@example.com",
                 "service_principal_id": "<sp-application-id>"}


@cache
def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def bundle() -> dict[str, Any]:
    return load(BUNDLE_FILE)


def resource_files() -> list[Path]:
    included = []
    for pattern in bundle()["include"]:
        included.extend(sorted(ROOT.glob(pattern)))
    return included


def resources() -> dict[str, dict[str, Any]]:
    """``{type: {key: definition}}`` over every included file (a key defined twice is an error)."""
    merged: dict[str, dict[str, Any]] = {}
    for path in resource_files():
        for kind, items in (load(path).get("resources") or {}).items():
            for key, definition in items.items():
                assert key not in merged.setdefault(kind, {}), f"{kind}.{key} defined twice ({path.name})"
                merged[kind][key] = definition
    return merged


def _deep_merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = _deep_merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(override)


def target(name: str) -> dict[str, Any]:
    return bundle()["targets"][name]


def target_resources(name: str) -> dict[str, dict[str, Any]]:
    """Resources as a target sees them: the base definitions with the target's overrides merged in."""
    return _deep_merge(resources(), target(name).get("resources") or {})


def variables(name: str) -> dict[str, Any]:
    """Variable values in a target: the target's value, else the default (missing = no value)."""
    values = {k: v["default"] for k, v in bundle()["variables"].items() if "default" in v}
    values.update(target(name).get("variables") or {})
    return values


def resolve(value: Any, target_name: str, *, strict: bool = True) -> Any:
    """Substitute ${var.*}, ${bundle.name|target}, ${workspace.*} the way the CLI would (offline approximation)."""
    if isinstance(value, dict):
        return {k: resolve(v, target_name, strict=strict) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, target_name, strict=strict) for v in value]
    if not isinstance(value, str):
        return value
    values = {**DEPLOY_INPUTS, **variables(target_name)}

    def substitute(match: re.Match) -> str:
        ref = match.group(1)
        head, _, rest = ref.partition(".")
        if head == "var":
            if rest not in values:
                if strict:
                    raise KeyError(f"${{var.{rest}}} has no value in target {target_name!r}")
                return match.group(0)
            return str(resolve(values[rest], target_name, strict=strict))
        if ref == "bundle.name":
            return bundle()["bundle"]["name"]
        if ref == "bundle.target":
            return target_name
        if ref == "workspace.file_path":
            return WORKSPACE_FILE_PATH
        if ref.startswith("workspace.current_user."):
            return CURRENT_USER[ref.rsplit(".", 1)[1]]
        return match.group(0)  # resources.*: known only at deploy time

    previous = None
    while previous != value:
        previous, value = value, REF.sub(substitute, value)
    return value


def strings(obj: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in a YAML tree with its path (keys included: a variable may hide in a map key)."""
    out: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((f"{path}.{k}#key", str(k)))
            out.extend(strings(v, f"{path}.{k}"))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(strings(v, f"{path}[{i}]"))
    elif isinstance(obj, str):
        out.append((path, obj))
    return out


def all_documents() -> dict[str, dict[str, Any]]:
    return {p.relative_to(ROOT).as_posix(): load(p) for p in [BUNDLE_FILE, *resource_files()]}


def the_pipeline() -> tuple[str, dict[str, Any]]:
    ((key, pipeline),) = resources()["pipelines"].items()
    return key, pipeline


def the_job() -> tuple[str, dict[str, Any]]:
    ((key, job),) = resources()["jobs"].items()
    return key, job
