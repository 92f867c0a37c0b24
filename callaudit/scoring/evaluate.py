"""How well does the auditor agree with ground truth? Labels (docs/CONTRACTS.md section 1) vs audits.

``evaluate(labels, transcripts, scorecard)`` scores every labelled call's transcript and compares:

* each protocol criterion: precision / recall / F1 of "criterion met" (and of "criterion missed", the class QA
  cares about), accuracy, counts. A label's ``farewell_applicable: false`` takes the call out of the farewell
  comparison; whether the auditor also said N/A is reported as ``na_agreement``;
* forbidden words per call (any forbidden word: yes/no) and per word (micro P/R/F1 over (call, word) pairs,
  and a breakdown per canonical word); label words are mapped to the scorecard's canonical forms;
* customer sentiment buckets (negative / neutral / positive, the scorecard's cut-offs): accuracy + confusion;
* escalation and long hold (longest silence >= ``metrics.long_silence_seconds``) when labelled;
* quality category: the expected category is the scorecard applied to the *labelled* flags
  (:func:`expected_score`), so a category error is traceable to the flags that caused it.

Transcripts are JSON files (``Transcript.to_json()``) named by recording or call sid; files are also matched by
the sids inside them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callaudit.errors import UserError
from callaudit.scoring.audit import Audit, score_transcript
from callaudit.scoring.normalize import normalize
from callaudit.scoring.scorecard import REQUIRED_CRITERIA, Scorecard
from callaudit.transcript import Transcript

SENTIMENT_BUCKETS = ("negative", "neutral", "positive")
# A label only says negative / neutral / positive; to compute the expected score we use a representative
# sentiment value for each bucket (mapped through the scorecard's full_at / zero_at like a measured one).
REPRESENTATIVE_SENTIMENT = {"negative": -0.6, "neutral": 0.0, "positive": 0.5}


# ---- expected score from ground truth ---------------------------------------------------------------------
def expected_score(card: Scorecard, label: dict[str, Any]) -> float | None:
    """The quality score the scorecard gives a call whose flags are exactly the label's."""
    exp = label.get("expected", {})
    duration = label.get("duration_seconds")
    earned = possible = 0.0
    protocol_applicable = False
    for key, crit in card.criteria.items():
        applicable = exp.get(f"{key}_applicable", True)
        if applicable and crit.na_call_shorter_than is not None and duration is not None:
            applicable = duration >= crit.na_call_shorter_than
        if not applicable or key not in exp:
            continue
        protocol_applicable = True
        possible += crit.weight
        earned += crit.weight if exp[key] else 0.0
    if not protocol_applicable:
        return None
    words = {canonical_word(card, w) for w in exp.get("forbidden_words") or []}
    fw = card.forbidden
    possible += fw.weight
    earned += fw.weight * max(0.0, 1.0 - len(words) * fw.penalty_per_expression)
    bucket = exp.get("customer_sentiment")
    if bucket in REPRESENTATIVE_SENTIMENT:
        sr = card.sentiment
        frac = (REPRESENTATIVE_SENTIMENT[bucket] - sr.zero_at) / (sr.full_at - sr.zero_at)
        possible += sr.weight
        earned += sr.weight * min(1.0, max(0.0, frac))
    return round(100.0 * earned / possible, 1) if possible else None


def expected_category(card: Scorecard, label: dict[str, Any]) -> str:
    return card.category_for(expected_score(card, label))


def canonical_word(card: Scorecard, word: str) -> str:
    """A label's forbidden word in the scorecard's canonical form (or its normalised self if not listed)."""
    return card.canonical_forbidden(word) or normalize(word)


# ---- counters ---------------------------------------------------------------------------------------------
@dataclass
class Binary:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, expected: bool, predicted: bool) -> None:
        if expected and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def support(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    @property
    def precision(self) -> float | None:
        return self._ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return self._ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return round(2 * p * r / (p + r), 4)

    @property
    def accuracy(self) -> float | None:
        return self._ratio(self.tp + self.tn, self.support)

    def inverted(self) -> Binary:
        """The same counts seen from the negative class (e.g. "greeting missed")."""
        return Binary(tp=self.tn, fp=self.fn, fn=self.fp, tn=self.tp)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision, "recall": self.recall, "f1": self.f1, "accuracy": self.accuracy,
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn, "support": self.support,
        }


@dataclass
class Evaluation:
    scorecard_version: str
    calls: int = 0
    missing_transcripts: list[str] = field(default_factory=list)
    criteria: dict[str, Binary] = field(default_factory=dict)
    na_agreement: dict[str, Binary] = field(default_factory=dict)  # positive class = "not applicable"
    forbidden_per_call: Binary = field(default_factory=Binary)
    forbidden_per_word: Binary = field(default_factory=Binary)
    forbidden_by_word: dict[str, Binary] = field(default_factory=dict)
    sentiment_confusion: dict[str, Counter] = field(default_factory=dict)
    escalation: Binary = field(default_factory=Binary)
    long_hold: Binary = field(default_factory=Binary)
    category_confusion: dict[str, Counter] = field(default_factory=dict)
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sentiment_accuracy(self) -> float | None:
        total = sum(sum(c.values()) for c in self.sentiment_confusion.values())
        right = sum(c.get(k, 0) for k, c in self.sentiment_confusion.items())
        return round(right / total, 4) if total else None

    @property
    def category_accuracy(self) -> float | None:
        total = sum(sum(c.values()) for c in self.category_confusion.values())
        right = sum(c.get(k, 0) for k, c in self.category_confusion.items())
        return round(right / total, 4) if total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scorecard_version": self.scorecard_version,
            "calls": self.calls,
            "missing_transcripts": self.missing_transcripts,
            "criteria": {
                k: {"met": b.to_dict(), "missed": b.inverted().to_dict()} for k, b in self.criteria.items()
            },
            "na_agreement": {k: b.to_dict() for k, b in self.na_agreement.items()},
            "forbidden_words": {
                "per_call": self.forbidden_per_call.to_dict(),
                "per_word": self.forbidden_per_word.to_dict(),
                "by_word": {w: b.to_dict() for w, b in sorted(self.forbidden_by_word.items())},
            },
            "sentiment": {
                "accuracy": self.sentiment_accuracy,
                "confusion": {k: dict(v) for k, v in self.sentiment_confusion.items()},
            },
            "escalation": self.escalation.to_dict(),
            "long_hold": self.long_hold.to_dict(),
            "category": {
                "accuracy": self.category_accuracy,
                "confusion": {k: dict(v) for k, v in self.category_confusion.items()},
            },
            "mismatches": self.mismatches,
        }


# ---- loading ----------------------------------------------------------------------------------------------
def load_labels(directory: str | Path) -> list[dict[str, Any]]:
    d = Path(directory)
    if not d.is_dir():
        raise UserError(f"labels directory not found: {d}", hint="it is twilio_data/labels/ of a synthetic call centre")
    labels = []
    for path in sorted(d.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"{path}: not a readable JSON label: {exc}") from None
        if not isinstance(data, dict) or "expected" not in data:
            raise UserError(f"{path}: not a ground-truth label (no 'expected' object)")
        labels.append(data)
    if not labels:
        raise UserError(f"no label files (*.json) in {d}")
    return labels


def load_transcripts(directory: str | Path) -> dict[str, Transcript]:
    """Every ``*.json`` transcript in ``directory``, keyed by file stem and by the sids it carries."""
    d = Path(directory)
    if not d.is_dir():
        raise UserError(f"transcripts directory not found: {d}",
                        hint="write one `callaudit transcribe --json` output per recording, named RE….json")
    out: dict[str, Transcript] = {}
    for path in sorted(d.glob("*.json")):
        try:
            t = Transcript.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError) as exc:
            raise UserError(f"{path}: not a transcript (Transcript.to_json()): {exc}") from None
        for key in (path.stem, t.recording_sid, t.call_sid):
            if key:
                out.setdefault(key, t)
    return out


# ---- the comparison ---------------------------------------------------------------------------------------
def evaluate(labels: list[dict[str, Any]], transcripts: dict[str, Transcript], card: Scorecard) -> Evaluation:
    ev = Evaluation(scorecard_version=card.version)
    criteria = [k for k in card.criteria if k in REQUIRED_CRITERIA or any(k in lb.get("expected", {}) for lb in labels)]
    for key in criteria:
        ev.criteria[key] = Binary()
        ev.na_agreement[key] = Binary()
    for label in labels:
        t = transcripts.get(label.get("recording_sid") or "") or transcripts.get(label.get("call_sid") or "")
        if t is None:
            ev.missing_transcripts.append(label.get("recording_sid") or label.get("call_sid") or "?")
            continue
        audit = score_transcript(t, card, call_duration=label.get("duration_seconds"), agent_name=label_agent_name(label))
        compare(ev, card, label, audit, criteria)
    return ev


def compare(ev: Evaluation, card: Scorecard, label: dict[str, Any], audit: Audit, criteria: list[str]) -> None:
    exp = label.get("expected", {})
    ev.calls += 1
    wrong: list[str] = []
    for key in criteria:
        if key not in exp:
            continue
        res = audit.criteria.get(key)
        predicted_na = res is not None and res.status == "na"
        applicable = exp.get(f"{key}_applicable", True)
        ev.na_agreement[key].add(not applicable, predicted_na)
        if not applicable:
            if not predicted_na:
                wrong.append(f"{key}: esperado N/A, auditado {res.status if res else '?'}")
            continue
        predicted = bool(res is not None and res.status == "met")
        ev.criteria[key].add(bool(exp[key]), predicted)
        if bool(exp[key]) != predicted:
            wrong.append(f"{key}: esperado {bool(exp[key])}, auditado {predicted} ({res.reason if res else ''})")

    exp_words = {canonical_word(card, w) for w in exp.get("forbidden_words") or []}
    got_words = {canonical_word(card, w) for w in audit.forbidden_words}
    ev.forbidden_per_call.add(bool(exp_words), bool(got_words))
    for w in exp_words | got_words:
        ev.forbidden_per_word.add(w in exp_words, w in got_words)
        ev.forbidden_by_word.setdefault(w, Binary()).add(w in exp_words, w in got_words)
    if exp_words != got_words:
        wrong.append(f"forbidden_words: esperado {sorted(exp_words)}, auditado {sorted(got_words)}")

    bucket = exp.get("customer_sentiment")
    if bucket in SENTIMENT_BUCKETS:
        got = card.sentiment_bucket(audit.sentiment_score) or "none"
        ev.sentiment_confusion.setdefault(bucket, Counter())[got] += 1
        if got != bucket:
            wrong.append(f"sentiment: esperado {bucket}, auditado {got} ({audit.sentiment_score})")

    if "escalation" in exp:
        ev.escalation.add(bool(exp["escalation"]), audit.escalation_requested)
        if bool(exp["escalation"]) != audit.escalation_requested:
            wrong.append(f"escalation: esperado {bool(exp['escalation'])}, auditado {audit.escalation_requested}")
    if "long_hold" in exp and audit.metrics is not None:
        got_hold = audit.metrics.longest_silence_seconds >= card.metrics.long_silence_seconds
        ev.long_hold.add(bool(exp["long_hold"]), got_hold)

    expected_cat = expected_category(card, label)
    ev.category_confusion.setdefault(expected_cat, Counter())[audit.quality_category] += 1
    if expected_cat != audit.quality_category:
        wrong.append(f"category: esperado {expected_cat}, auditado {audit.quality_category} ({audit.quality_score})")
    if wrong:
        ev.mismatches.append({
            "call_sid": label.get("call_sid"), "recording_sid": label.get("recording_sid"),
            "scenario": label.get("scenario"), "problems": wrong,
        })


def label_agent_name(label: dict[str, Any]) -> str | None:
    """The agent's name as the pipeline would know it from the agent directory: ``agent_name`` when the label
    carries it, else the first part of ``agent_identity`` ("maria.lopez" -> "maria")."""
    return label.get("agent_name") or label.get("agent_identity")


def evaluate_dirs(labels_dir: str | Path, transcripts_dir: str | Path, card: Scorecard) -> Evaluation:
    return evaluate(load_labels(labels_dir), load_transcripts(transcripts_dir), card)


# ---- presentation -----------------------------------------------------------------------------------------
def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def render(ev: Evaluation, console, max_mismatches: int = 10) -> None:
    from rich.table import Table

    console.print(f"[bold]Evaluación[/bold] scorecard {ev.scorecard_version}: {ev.calls} llamadas"
                  + (f", {len(ev.missing_transcripts)} sin transcripción" if ev.missing_transcripts else ""))
    t = Table(title="Detección (P/R/F1 de 'cumplido'; F1 omit. = de 'omitido')")
    for col in ("", "P", "R", "F1", "F1 omit.", "exact.", "tp/fp/fn/tn", "N/A ok"):
        t.add_column(col, justify="right" if col else "left")
    for k, b in ev.criteria.items():
        na = ev.na_agreement[k]
        na_txt = f"{na.tp}/{na.tp + na.fn}" if na.tp + na.fn else "—"
        t.add_row(k, _fmt(b.precision), _fmt(b.recall), _fmt(b.f1), _fmt(b.inverted().f1),
                  _fmt(b.accuracy), f"{b.tp}/{b.fp}/{b.fn}/{b.tn}", na_txt)
    for name, b in (("prohibidas/llamada", ev.forbidden_per_call),
                    ("prohibidas/palabra", ev.forbidden_per_word),
                    ("escalamiento", ev.escalation), ("espera larga", ev.long_hold)):
        if b.support:
            t.add_row(name, _fmt(b.precision), _fmt(b.recall), _fmt(b.f1), "", _fmt(b.accuracy),
                      f"{b.tp}/{b.fp}/{b.fn}/{b.tn}", "")
    console.print(t)
    if ev.forbidden_by_word:
        tw = Table(title="Palabras prohibidas por palabra")
        for col in ("palabra", "esperadas", "detectadas", "aciertos"):
            tw.add_column(col)
        for w, b in sorted(ev.forbidden_by_word.items()):
            tw.add_row(w, str(b.tp + b.fn), str(b.tp + b.fp), str(b.tp))
        console.print(tw)
    for title, confusion, acc, order in (
        ("Sentimiento del cliente", ev.sentiment_confusion, ev.sentiment_accuracy, [*SENTIMENT_BUCKETS, "none"]),
        ("Categoría de calidad", ev.category_confusion, ev.category_accuracy, None),
    ):
        if not confusion:
            continue
        cols = order or sorted({c for row in confusion.values() for c in row} | set(confusion))
        cols = [c for c in cols if any(c in row for row in confusion.values()) or c in confusion]
        tc = Table(title=f"{title}: exactitud {_fmt(acc)} (filas = esperado, columnas = auditado)")
        tc.add_column("esperado \\ auditado")
        for c in cols:
            tc.add_column(c, justify="right")
        for exp_cat in cols:
            if exp_cat in confusion:
                tc.add_row(exp_cat, *[str(confusion[exp_cat].get(c, 0)) for c in cols])
        console.print(tc)
    if ev.mismatches and max_mismatches:
        console.print(f"[bold]Desacuerdos[/bold] ({len(ev.mismatches)} llamadas; primeras {max_mismatches}):")
        for m in ev.mismatches[:max_mismatches]:
            console.print(f"  {m['call_sid']} [{m.get('scenario')}]: " + "; ".join(m["problems"]), markup=False)
