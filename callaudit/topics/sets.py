"""Labelled call sets for the driver classifier (evaluation/topics/).

A set is a folder of call files (evaluation/FORMAT.md's turns) and, for each call, a driver:
- in the file itself (``driver: pagos``) — the topic banks ``evaluation/topics/train`` and ``test``, or
- in a separate marks file mapping ids to drivers (``calls: {dev-001: {driver: …}}``) — how the protocol
  evaluation calls ``evaluation/es_co/<split>`` got drivers from a QA lead who saw only DRIVERS.md.
A spec is ``FOLDER`` or ``FOLDER:MARKS.yml``; ``train``, ``dev`` and ``test`` name the shipped splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from callaudit.errors import UserError
from callaudit.topics.features import Turn

ROOT = Path(__file__).resolve().parents[2] / "evaluation"
SPLITS = {
    "train": ["topics/train"],
    "dev": ["es_co/dev:topics/es_co_dev.yml"],
    "test": ["topics/test", "es_co/test:topics/es_co_test.yml"],
}


@dataclass
class LabelledCall:
    id: str
    turns: list[Turn]
    driver: str
    source: str  # the spec it came from
    notes: str = ""


def resolve(spec: str, root: Path | None = None) -> list[str]:
    """Named split -> its specs (paths under evaluation/); anything else is itself."""
    base = root or ROOT
    if spec in SPLITS:
        return [":".join(str(base / part) for part in s.split(":")) for s in SPLITS[spec]]
    return [spec]


def _turns(doc: dict, path: Path) -> list[Turn]:
    out: list[Turn] = []
    for i, item in enumerate(doc.get("turns") or []):
        if not isinstance(item, dict):
            raise ValueError(f"{path}: turns[{i}] must be a mapping like {{agent: '...'}}")
        if "hold" in item:
            continue
        speakers = [k for k in ("agent", "customer") if k in item]
        if len(speakers) != 1:
            raise ValueError(f"{path}: turns[{i}] needs exactly one of agent / customer")
        out.append((speakers[0], str(item[speakers[0]] or "")))
    if not out:
        raise ValueError(f"{path}: no turns")
    return out


def load_labelled(spec: str, drivers: list[str] | None = None) -> list[LabelledCall]:
    folder, _, marks_path = spec.partition(":")
    d = Path(folder)
    if not d.is_dir():
        raise UserError(f"labelled set not found: {d}", hint="a folder of call files, e.g. evaluation/topics/test")
    marks: dict = {}
    if marks_path:
        try:
            marks = (yaml.safe_load(Path(marks_path).read_text(encoding="utf-8")) or {}).get("calls") or {}
        except (OSError, yaml.YAMLError) as exc:
            raise UserError(f"driver marks not readable: {marks_path} ({exc})") from None
    calls: list[LabelledCall] = []
    problems: list[str] = []
    for path in sorted(d.glob("*.yml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            cid = str(doc["id"])
            mark = marks.get(cid) if marks_path else doc
            if not mark or not mark.get("driver"):
                raise ValueError(f"{path}: no driver for {cid}" + (f" in {marks_path}" if marks_path else ""))
            driver = str(mark["driver"])
            if drivers is not None and driver not in drivers:
                raise ValueError(f"{path}: driver {driver!r} is not in the taxonomy ({', '.join(drivers)})")
            calls.append(LabelledCall(cid, _turns(doc, path), driver, spec, str(mark.get("notes") or "")))
        except (ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            problems.append(str(exc))
    if problems:
        raise UserError(f"{len(problems)} call(s) of {spec} are not usable:\n  " + "\n  ".join(problems[:20]))
    if not calls:
        raise UserError(f"no call files (*.yml) in {d}")
    return calls


def load_split(name_or_spec: str, drivers: list[str] | None = None) -> list[LabelledCall]:
    out: list[LabelledCall] = []
    for spec in resolve(name_or_spec):
        out.extend(load_labelled(spec, drivers))
    return out
