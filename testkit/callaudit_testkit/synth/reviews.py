"""The synthetic call centre's QA team: analysts' reviews of the demo calls, written from the ground truth.

So that the demo shows the whole calibration loop (qa_reviews -> calibration_agreement -> report and dashboard),
two analysts review part of the synthetic calls the way a QA team does each week:

- "Ana Ruiz" reviews about half of the calls (a seeded draw), marking what the dialogue really contains (the
  generator's labels) and the category the scorecard gives those marks;
- a calibration session: "Luis Gil" reviews two of Ana's calls too (``is_calibration``), and — like any human —
  disagrees with her on one step of one of them.

The auditor never sees these labels; its agreement with "Ana" is therefore its agreement with the truth on the
reviewed calls. Reviews are deterministic for a given seed (same ``reviewed_at``), so landing them again changes
nothing.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callaudit.calibration.records import STEPS, Review

ANALYST = "Ana Ruiz"
PEER = "Luis Gil"


def _review(label: dict, reviewer: str, when: datetime, category: str | None, *, calibration: bool,
            flip: str | None = None, note: str = "") -> Review:
    exp = label["expected"]
    steps = {}
    for step in STEPS:
        key = step.removeprefix("has_")
        value = None if exp.get(f"{key}_applicable", True) is False else exp.get(key)
        steps[step] = (not value) if flip == step and value is not None else value
    return Review(call_sid=label["call_sid"], reviewer=reviewer, reviewed_at=when, **steps,
                  forbidden_words=tuple(sorted({" ".join(w.lower().split()) for w in exp.get("forbidden_words") or []})),
                  quality_category=category, is_calibration=calibration, note=note)


def _call_end_times(calls_jsonl: Path) -> dict[str, datetime]:
    from email.utils import parsedate_to_datetime

    out = {}
    if calls_jsonl.is_file():
        for line in calls_jsonl.read_text(encoding="utf-8").splitlines():
            call = json.loads(line) if line.strip() else {}
            if call.get("sid") and call.get("end_time"):
                out[call["sid"]] = parsedate_to_datetime(call["end_time"]).astimezone(UTC)
    return out


def synthetic_reviews(labels_dir: Path, *, seed: int = 7, share: float = 0.5) -> list[Review]:
    from callaudit.scoring import load_scorecard
    from callaudit.scoring.evaluate import expected_category

    card = load_scorecard()
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(labels_dir).glob("*.json"))]
    labels = [lbl for lbl in labels if lbl.get("call_sid") and lbl.get("expected")]
    if not labels:
        return []
    ended = _call_end_times(Path(labels_dir).parent / "calls.jsonl")
    rng = random.Random(f"synthetic-qa-team:{seed}")
    chosen = sorted(rng.sample(labels, max(1, round(len(labels) * share))), key=lambda lbl: lbl["call_sid"])
    fallback = datetime(2026, 1, 1, 15, tzinfo=UTC)
    out = []
    for i, label in enumerate(chosen):  # reviewed soon after the call, one every few minutes
        when = ended.get(label["call_sid"], fallback) + timedelta(hours=1, minutes=7 * i)
        out.append(_review(label, ANALYST, when, expected_category(card, label), calibration=False,
                           note="revisión semanal"))
    session = max(ended.values(), default=fallback) + timedelta(hours=3)
    for j, label in enumerate(chosen[:2]):  # the calibration session: both analysts on the same calls
        when = session + timedelta(hours=j)
        out.append(_review(label, ANALYST, when, expected_category(card, label), calibration=True,
                           note="sesión de calibración"))
        out.append(_review(label, PEER, when + timedelta(minutes=5), expected_category(card, label),
                           calibration=True, flip="has_help_offer" if j == 0 else None,
                           note="sesión de calibración"))
    return out
