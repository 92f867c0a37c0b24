"""Great Expectations suites for the gold tables, kept as data (``expectations/gx/<table>.yml``).

A spec file names the table and lists expectations by their GX type (snake_case) with GX's own keyword
arguments, plus an optional ``why`` (kept in the suite's meta, shown in the Data Docs). Placeholders such as
``value_set: {scorecard: categories}`` are resolved from the scorecard, so a new category needs no suite edit, and
``{contract: NAME}`` from :mod:`callaudit.contracts` (the value the pipeline's expectations and the code use).
Loading validates each entry against the real GX expectation class: a typo fails here, with file and entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from callaudit.config import PROJECT_ROOT
from callaudit.errors import UserError

SUITES_DIR = PROJECT_ROOT / "expectations" / "gx"
RESERVED = {"type", "why", "each_criterion"}


@dataclass(frozen=True)
class ExpectationSpec:
    type: str
    kwargs: dict[str, Any]
    why: str | None = None

    @property
    def columns(self) -> list[str]:
        cols = []
        if "column" in self.kwargs:
            cols.append(self.kwargs["column"])
        cols.extend(self.kwargs.get("column_list") or [])
        return cols


@dataclass(frozen=True)
class SuiteSpec:
    table: str
    description: str
    expectations: list[ExpectationSpec] = field(default_factory=list)
    path: Path | None = None

    @property
    def name(self) -> str:
        return f"gold.{self.table}"

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(c for e in self.expectations for c in e.columns))


def scorecard_categories(scorecard_path: str | Path | None = None) -> list[str]:
    from callaudit.scoring import cached_scorecard

    card = cached_scorecard(str(scorecard_path) if scorecard_path else None)
    return [c.name for c in card.categories] + [card.unscored_category]


def _resolve(value: Any, scorecard_path: str | Path | None) -> Any:
    if isinstance(value, dict) and set(value) == {"scorecard"}:
        if value["scorecard"] == "categories":
            return scorecard_categories(scorecard_path)
        raise ValueError(f"unknown scorecard placeholder {value['scorecard']!r} (known: categories)")
    if isinstance(value, dict) and set(value) == {"contract"}:
        from callaudit import contracts

        try:
            found = contracts.value(value["contract"])
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        if isinstance(found, frozenset | set):
            return sorted(found)
        return list(found) if isinstance(found, tuple) else found
    return value


def _per_criterion(entry: dict[str, Any], scorecard_path: str | Path | None) -> list[dict[str, Any]]:
    """An entry with ``each_criterion: true`` becomes one expectation per criterion of the scorecard, with
    ``{criterion}`` replaced in its texts (``column: has_{criterion}``); any other entry is itself."""
    if not entry.get("each_criterion"):
        return [entry]
    from callaudit.scoring import cached_scorecard

    keys = cached_scorecard(str(scorecard_path) if scorecard_path else None).criteria
    return [{k: v.replace("{criterion}", key) if isinstance(v, str) else v for k, v in entry.items()}
            for key in keys]


def load_spec(path: Path, scorecard_path: str | Path | None = None) -> SuiteSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or "table" not in raw or not isinstance(raw.get("expectations"), list):
            raise ValueError("expected a mapping with 'table' and a list 'expectations'")
        items = []
        for i, entry in enumerate(raw["expectations"], 1):
            if not isinstance(entry, dict) or "type" not in entry:
                raise ValueError(f"expectation #{i} has no 'type'")
            for instance in _per_criterion(entry, scorecard_path):
                kwargs = {k: _resolve(v, scorecard_path) for k, v in instance.items() if k not in RESERVED}
                spec = ExpectationSpec(str(instance["type"]), kwargs, instance.get("why"))
                _gx_expectation(spec)  # fail early on unknown types or arguments
                items.append(spec)
    except (OSError, yaml.YAMLError, ValueError, TypeError) as exc:
        raise UserError(f"invalid Great Expectations suite {path}: {exc}",
                        hint="see expectations/gx/README.md for the format") from None
    return SuiteSpec(str(raw["table"]), str(raw.get("description", "")), items, path)


def load_specs(directory: Path | None = None, scorecard_path: str | Path | None = None) -> list[SuiteSpec]:
    directory = directory or SUITES_DIR
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        raise UserError(f"no Great Expectations suites in {directory}", hint="expected expectations/gx/*.yml")
    return [load_spec(p, scorecard_path) for p in paths]


def _gx_expectation(spec: ExpectationSpec):
    from great_expectations.expectations.registry import get_expectation_impl

    try:
        impl = get_expectation_impl(spec.type)
    except Exception as exc:
        raise ValueError(f"unknown expectation type {spec.type!r}") from exc
    meta = {"why": spec.why} if spec.why else None
    try:
        return impl(**spec.kwargs, meta=meta)
    except Exception as exc:  # pydantic validation error: say which argument
        first = str(exc).splitlines()
        raise ValueError(f"{spec.type}: invalid arguments {spec.kwargs} ({' '.join(first[:3])})") from exc


def build_suite(spec: SuiteSpec):
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=spec.name, meta={"table": spec.table, "description": spec.description})
    for e in spec.expectations:
        suite.add_expectation(_gx_expectation(e))
    return suite
