"""Data-quality rules as data: ``expectations/<dataset>.yml`` is the one source of truth.

Each rule is a SQL boolean constraint with an action:

- ``warn``: the row is kept; it is also listed in the dataset's quarantine table with the rule's name.
- ``drop``: the row is removed from the dataset and lands in the quarantine table with the rule's name.
- ``fail``: the flow fails (the update stops) when any row violates it.

On Databricks the rules become the native ``@dp.expect_all`` / ``expect_all_or_drop`` / ``expect_all_or_fail``
decorators (metrics in the event log). Open-source Spark has no expectations, so locally the same rules are applied
by :func:`apply_rules`. Either way, quarantine tables are computed by :func:`quarantine_rows` from the same rules.

A constraint may name a constant of :mod:`callaudit.contracts` as ``${NAME}`` (rendered as a SQL literal), so the
rule and the code share one value, and a value of the scorecard as ``${scorecard.categories}``. A rule with
``each_criterion: true`` is written once with ``{criterion}`` and holds for every criterion of the scorecard (the
instances joined with AND), so a criterion added to the YAML is checked without editing the rules.

A row *violates* a rule when the constraint is false **or NULL** — write constraints with explicit
``IS NULL OR ...`` where NULL is acceptable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from callaudit.config import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
ACTIONS = ("warn", "drop", "fail")
_RULE_KEYS = {"name", "constraint", "action", "why", "each_criterion"}
_FILE_KEYS = {"dataset", "layer", "description", "rules"}


class ExpectationError(ValueError):
    pass


_CONTRACT_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


_SCORECARD_REF = re.compile(r"\$\{scorecard\.([A-Za-z_]+)\}")


def _scorecard(scorecard_path: str | None):
    from callaudit.scoring import cached_scorecard

    return cached_scorecard(scorecard_path or None)


def _scorecard_literal(name: str, scorecard_path: str | None) -> str:
    from callaudit import contracts

    card = _scorecard(scorecard_path)
    if name == "categories":  # the scorecard's categories plus its unscored one
        return contracts.sql_literal(tuple([c.name for c in card.categories] + [card.unscored_category]))
    raise KeyError(f"unknown scorecard value {name!r} (known: categories)")


def render_constraint(constraint: str, scorecard_path: str | None = None, *, each_criterion: bool = False) -> str:
    """Replace ``${NAME}`` with the SQL literal of ``callaudit.contracts.NAME`` and ``${scorecard.categories}``
    with the scorecard's; with ``each_criterion`` the constraint holds for every criterion (KeyError names an
    unknown reference)."""
    from callaudit import contracts

    if each_criterion:
        keys = list(_scorecard(scorecard_path).criteria)
        constraint = " AND ".join(f"({constraint.replace('{criterion}', k)})" for k in keys)
    constraint = _SCORECARD_REF.sub(lambda m: _scorecard_literal(m.group(1), scorecard_path), constraint)
    return _CONTRACT_REF.sub(lambda m: contracts.sql_literal(contracts.value(m.group(1))), constraint)


@dataclass(frozen=True)
class Rule:
    name: str
    constraint: str
    action: str
    why: str = ""


@dataclass(frozen=True)
class Expectations:
    dataset: str
    layer: str
    description: str = ""
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def by_action(self, action: str) -> dict[str, str]:
        return {r.name: r.constraint for r in self.rules if r.action == action}

    @property
    def quarantine_name(self) -> str:
        return f"quarantine_{self.dataset}"


def load_file(path: Path, scorecard_path: str | None = None) -> Expectations:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ExpectationError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ExpectationError(f"{path}: expected a mapping with 'dataset' and 'rules'")
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise ExpectationError(f"{path}: unknown keys {sorted(unknown)} (allowed: {sorted(_FILE_KEYS)})")
    if data.get("dataset") != path.stem:
        raise ExpectationError(f"{path}: 'dataset' must be {path.stem!r} (the file name), got {data.get('dataset')!r}")
    rules, seen = [], set()
    for i, raw in enumerate(data.get("rules") or []):
        where = f"{path}: rule #{i + 1}"
        if not isinstance(raw, dict):
            raise ExpectationError(f"{where}: expected a mapping")
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise ExpectationError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(_RULE_KEYS)})")
        for key in ("name", "constraint", "action"):
            if not raw.get(key):
                raise ExpectationError(f"{where}: missing {key!r}")
        if raw["action"] not in ACTIONS:
            raise ExpectationError(f"{where} ({raw['name']}): action must be one of {ACTIONS}, got {raw['action']!r}")
        if raw["name"] in seen:
            raise ExpectationError(f"{where}: duplicate rule name {raw['name']!r}")
        seen.add(raw["name"])
        try:
            constraint = render_constraint(" ".join(str(raw["constraint"]).split()), scorecard_path,
                                           each_criterion=bool(raw.get("each_criterion")))
        except KeyError as exc:
            raise ExpectationError(f"{where} ({raw['name']}): {exc.args[0]}") from None
        rules.append(Rule(raw["name"], constraint, raw["action"], raw.get("why", "")))
    return Expectations(data["dataset"], data.get("layer", ""), data.get("description", ""), tuple(rules))


@cache
def load(dataset: str, directory: str | None = None, scorecard_path: str | None = None) -> Expectations:
    """Rules for ``dataset`` (an empty set when it has no expectations file)."""
    path = Path(directory or EXPECTATIONS_DIR) / f"{dataset}.yml"
    if not path.exists():
        return Expectations(dataset, "")
    return load_file(path, scorecard_path)


def load_all(directory: Path | None = None, scorecard_path: str | None = None) -> dict[str, Expectations]:
    directory = directory or EXPECTATIONS_DIR
    return {p.stem: load_file(p, scorecard_path) for p in sorted(directory.glob("*.yml"))}


# ---- Spark side (imported lazily so the rules can be read without pyspark) ----------------------------------

def _violated(constraint: str):
    from pyspark.sql import functions as F

    return ~F.coalesce(F.expr(f"({constraint})"), F.lit(False))


def apply_rules(df, exp: Expectations):
    """The local shim: drop rows violating ``drop`` rules, fail the flow on ``fail`` rules, keep ``warn`` rows.

    Only ``where`` is used (no column changes, no analysis of ``df``), so it is safe inside a pipeline's dataset
    function over Spark Connect.
    """
    from pyspark.sql import functions as F

    for name, constraint in exp.by_action("fail").items():
        message = f"expectation {exp.dataset}.{name} failed: {constraint}"
        df = df.where(F.when(_violated(constraint), F.raise_error(F.lit(message))).otherwise(F.lit(True)))
    drops = exp.by_action("drop")
    if drops:
        keep = None
        for constraint in drops.values():
            ok = ~_violated(constraint)
            keep = ok if keep is None else keep & ok
        df = df.where(keep)
    return df


def quarantine_rows(df, exp: Expectations):
    """Rows of ``df`` that violate any rule, with ``_failed_rules`` (names), ``_action`` and ``_quarantined_at``.

    ``_action`` is the strongest action among the failed rules: ``drop`` (the row is not in the dataset) or
    ``warn`` (kept, flagged). Fail rules stop the flow, so they never reach quarantine.
    """
    from pyspark.sql import functions as F

    rules = [r for r in exp.rules if r.action in ("warn", "drop")]
    if not rules:
        return df.where(F.lit(False)).select(
            "*", F.array().cast("array<string>").alias("_failed_rules"), F.lit(None).cast("string").alias("_action"),
            F.current_timestamp().alias("_quarantined_at"))
    failed = F.filter(F.array(*[F.when(_violated(r.constraint), F.lit(r.name)) for r in rules]), lambda x: x.isNotNull())
    drop_names = F.array(*[F.lit(r.name) for r in rules if r.action == "drop"]) if exp.by_action("drop") else None
    any_violation = None
    for r in rules:
        v = _violated(r.constraint)
        any_violation = v if any_violation is None else any_violation | v
    action = F.lit("warn")
    if drop_names is not None:
        action = F.when(F.size(F.array_intersect(failed, drop_names)) > 0, F.lit("drop")).otherwise(F.lit("warn"))
    return df.where(any_violation).select(
        "*", failed.alias("_failed_rules"), action.alias("_action"), F.current_timestamp().alias("_quarantined_at"))
