"""The call-driver taxonomy: versioned data (YAML), like the scorecard.

A driver has a key, a label the analysts read, a definition (evaluation/topics/DRIVERS.md is the same list for
people who label calls) and optional *rules*: regular expressions over the customer's normalised words
(lower case, no accents, numbers as digits) that mark a driver with near certainty ("embargo"). Rules do not
decide alone: a hit adds ``rule_weight`` to the driver's log-odds from the model, so a strong contrary context
still wins. The file names the model it was trained with; change either, bump ``version``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from callaudit.errors import UserError

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy_es.yml")


@dataclass(frozen=True)
class Driver:
    key: str
    label: str
    description: str
    rules: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    version: str
    path: Path
    checksum: str
    drivers: tuple[Driver, ...]
    fallback: str
    model_path: Path
    rule_weight: float
    min_confidence: float
    extra: dict = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [d.key for d in self.drivers]

    def driver(self, key: str) -> Driver:
        for d in self.drivers:
            if d.key == key:
                return d
        raise KeyError(key)

    def label(self, key: str) -> str:
        return self.driver(key).label


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    p = Path(path) if path else DEFAULT_TAXONOMY
    if not p.is_file():
        raise UserError(f"taxonomy not found: {p}", hint="the shipped one is callaudit/topics/taxonomy_es.yml")
    raw = p.read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise UserError(f"{p}: not valid YAML: {exc}") from None
    problems: list[str] = []

    def need(cond: bool, msg: str) -> None:
        if not cond:
            problems.append(msg)

    need(isinstance(doc, dict), "the file is a mapping: version, drivers, classifier")
    if problems:
        raise UserError(f"{p}: " + problems[0])
    need(isinstance(doc.get("version"), str) and doc["version"].strip(), "version: a non-empty string")
    drivers: list[Driver] = []
    for i, d in enumerate(doc.get("drivers") or []):
        where = f"drivers[{i}]"
        if not isinstance(d, dict) or not re.fullmatch(r"[a-z][a-z0-9_]*", str(d.get("key") or "")):
            problems.append(f"{where}: needs key (lower_snake_case), label and description")
            continue
        where = f"drivers[{d['key']}]"
        need(bool(str(d.get("label") or "").strip()), f"{where}.label: the name analysts read")
        rules: list[re.Pattern] = []
        for j, r in enumerate(d.get("rules") or []):
            try:
                rules.append(re.compile(str(r)))
            except re.error as exc:
                problems.append(f"{where}.rules[{j}]: not a valid regular expression ({exc})")
        drivers.append(Driver(d["key"], str(d.get("label") or "").strip(), str(d.get("description") or "").strip(),
                              tuple(rules)))
    keys = [d.key for d in drivers]
    need(len(drivers) >= 2, "drivers: at least two")
    need(len(set(keys)) == len(keys), f"drivers: keys used twice: {sorted({k for k in keys if keys.count(k) > 1})}")
    fallback = str(doc.get("fallback") or "otro")
    need(fallback in keys, f"fallback: {fallback!r} is not one of the drivers")
    clf = doc.get("classifier") or {}
    model_path = (p.parent / str(clf.get("model") or "model_es.json")).resolve()
    rule_weight = float(clf.get("rule_weight", 1.5))
    min_conf = float(clf.get("min_confidence", 0.4))
    need(0 <= rule_weight <= 10, "classifier.rule_weight: between 0 and 10")
    need(0 <= min_conf <= 1, "classifier.min_confidence: between 0 and 1")
    if problems:
        raise UserError(f"{p}: {len(problems)} problem(s):\n  " + "\n  ".join(problems),
                        hint="see the comments at the top of callaudit/topics/taxonomy_es.yml")
    return Taxonomy(version=doc["version"].strip(), path=p, checksum=hashlib.sha256(raw).hexdigest(),
                    drivers=tuple(drivers), fallback=fallback, model_path=model_path, rule_weight=rule_weight,
                    min_confidence=min_conf)


@lru_cache(maxsize=8)
def cached_taxonomy(path: str | None = None) -> Taxonomy:
    return load_taxonomy(path)
