"""Coaching per agent: the weakest steps of each agent, with moments from their own calls and what to do about it.

The numbers come from the audits (``agent_coaching`` mart, :mod:`callaudit.transforms.coaching`); the advice from a
catalogue a QA lead edits (``recommendations_es.yml``: one recommendation per scorecard criterion, forbidden words
and customer sentiment). Pure Python here: the catalogue and the trend wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from callaudit.errors import UserError

CATALOGUE = Path(__file__).resolve().parent / "recommendations_es.yml"
TREND_MIN_CALLS = 4  # fewer applicable calls than this: no trend (half of 3 calls says nothing)
TREND_STEP = 0.10  # a change in miss rate of at least 10 points between the older and the newer half


@dataclass(frozen=True)
class Advice:
    focus: str
    title: str
    recommendation: str


@cache
def catalogue(path: str | None = None) -> tuple[str, dict[str, Advice]]:
    """(generic recommendation, focus -> Advice) from the catalogue YAML; a broken file is a clear error."""
    p = Path(path) if path else CATALOGUE
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        items = {key: Advice(key, str(v["title"]).strip(), " ".join(str(v["recommendation"]).split()))
                 for key, v in raw["focus"].items()}
        generic = " ".join(str(raw["generic"]).split())
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"the coaching catalogue {p} is unreadable ({type(exc).__name__}: {exc})",
                        hint="each focus needs a title and a recommendation; see the shipped file") from None
    return generic, items


def advice_for(focus: str, label: str | None = None, path: str | None = None) -> Advice:
    generic, items = catalogue(path)
    return items.get(focus) or Advice(focus, label or focus, generic)


def trend_word(earlier: float | None, recent: float | None, calls: int) -> str | None:
    """How the agent's miss rate on this step moved from the older half of their calls to the newer half."""
    if earlier is None or recent is None or calls < TREND_MIN_CALLS:
        return None
    if recent - earlier >= TREND_STEP:
        return "empeora"
    if earlier - recent >= TREND_STEP:
        return "mejora"
    return "estable"
