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
from callaudit.scoring.audit import MET, NA, NOT_MET, UNDETERMINED, Audit, categorize, score_transcript
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
        possible += sr.weight
        earned += sr.weight * sr.earned_share(REPRESENTATIVE_SENTIMENT[bucket])
    return round(100.0 * earned / possible, 1) if possible else None


def expected_category(card: Scorecard, label: dict[str, Any]) -> str:
    """The category the scorecard gives the label's marks: the score of the marks, then the same critical
    errors and category rules the auditor applies (:func:`callaudit.scoring.audit.categorize`)."""
    exp = label.get("expected", {})
    score = expected_score(card, label)
    missed = sum(1 for k in card.criteria if k in exp and exp.get(f"{k}_applicable", True) and exp[k] is False)
    critical = []
    if card.forbidden.critical:
        critical += [f"palabra prohibida «{w}»" for w in exp.get("forbidden_words") or []]
    critical += [f"paso crítico omitido: {c.label}" for k, c in card.criteria.items()
                 if c.critical and exp.get(k) is False and exp.get(f"{k}_applicable", True)]
    category, _ = categorize(card, score, missed=missed, critical=critical,
                             ends_upset=exp.get("customer_ends_upset"), escalation=bool(exp.get("escalation")),
                             bucket=exp.get("customer_sentiment"))
    return category


def canonical_word(card: Scorecard, word: str) -> str:
    """A label's forbidden word in the scorecard's canonical form (or its normalised self if not listed).

    An analyst writes what was said ("qué pereza con usted"); when no form matches it exactly, the canonical
    expression one of whose forms is contained in it word for word counts."""
    found = card.canonical_forbidden(word)
    if found:
        return found
    toks = tuple(normalize(word).split())
    for expr in card.forbidden.expressions:
        for form in expr.forms:
            n = len(form)
            if any(toks[i:i + n] == form for i in range(len(toks) - n + 1)):
                return expr.canonical
    return " ".join(toks)


# ---- what the auditor said, from an Audit or from a gold row ------------------------------------------------
@dataclass
class Verdict:
    status: dict[str, str]  # criterion -> met | not_met | na | undetermined
    reasons: dict[str, str]
    forbidden_words: list[str]
    sentiment_score: float | None
    escalation: bool
    ends_upset: bool | None
    longest_silence: float | None
    category: str
    score: float | None


def verdict_of_audit(audit: Audit) -> Verdict:
    return Verdict(
        status={k: r.status for k, r in audit.criteria.items()},
        reasons={k: r.reason for k, r in audit.criteria.items()},
        forbidden_words=list(audit.forbidden_words), sentiment_score=audit.sentiment_score,
        escalation=audit.escalation_requested, ends_upset=audit.customer_ends_upset,
        longest_silence=audit.metrics.longest_silence_seconds if audit.metrics else None,
        category=audit.quality_category, score=audit.quality_score,
    )


def verdict_of_row(row: dict[str, Any], criteria: list[str]) -> Verdict:
    """A ``twilio_call_audits`` row (as a dict) read back into a verdict: ``has_<criterion>`` true / false /
    null (not determinable), ``na_criteria``, and the reasons from ``evidence_json``."""
    evidence = json.loads(row.get("evidence_json") or "{}")
    crit_ev = evidence.get("criteria") or {}
    na = set(row.get("na_criteria") or [])
    undetermined = set(row.get("undetermined_criteria") or [])
    status = {}
    for key in criteria:
        if key in na:
            status[key] = NA
        elif key in undetermined:
            status[key] = UNDETERMINED
        else:
            value = row.get(f"has_{key}")
            status[key] = MET if value else NOT_MET
    return Verdict(
        status=status, reasons={k: (crit_ev.get(k) or {}).get("reason", "") for k in criteria},
        forbidden_words=list(row.get("forbidden_words") or []), sentiment_score=row.get("sentiment_score"),
        escalation=bool(row.get("escalation_requested")), ends_upset=row.get("customer_ends_upset"),
        longest_silence=row.get("longest_silence_seconds"), category=row.get("quality_category") or "",
        score=row.get("quality_score"),
    )


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
    ends_upset: Binary = field(default_factory=Binary)
    undetermined: dict[str, int] = field(default_factory=dict)  # criterion -> calls judged "not determinable"
    undetermined_calls: int = 0
    category_confusion: dict[str, Counter] = field(default_factory=dict)
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def protocol_macro_f1(self) -> float | None:
        """Mean over the protocol criteria of the F1 of both classes (met and missed): a missed step weighs as
        much as a met one, whatever their shares."""
        values = []
        for b in self.criteria.values():
            for f1 in (b.f1, b.inverted().f1):
                if f1 is not None:
                    values.append(f1)
        return round(sum(values) / len(values), 4) if values else None

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
            "protocol_macro_f1": self.protocol_macro_f1,
            "undetermined": {"calls": self.undetermined_calls, "by_criterion": dict(self.undetermined)},
            "customer_ends_upset": self.ends_upset.to_dict(),
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
    criteria = _criteria(card, labels)
    for label in labels:
        t = transcripts.get(label.get("recording_sid") or "") or transcripts.get(label.get("call_sid") or "")
        if t is None:
            ev.missing_transcripts.append(label.get("recording_sid") or label.get("call_sid") or "?")
            continue
        audit = score_transcript(t, card, call_duration=label.get("duration_seconds"), agent_name=label_agent_name(label))
        compare(ev, card, label, verdict_of_audit(audit), criteria)
    return ev


def evaluate_rows(labels: list[dict[str, Any]], rows: list[dict[str, Any]], card: Scorecard) -> Evaluation:
    """Labels against audits *as the pipeline wrote them* (``twilio_call_audits`` rows as dicts, matched by
    call or recording sid): what the accuracy bench reports — no re-scoring outside the pipeline."""
    ev = Evaluation(scorecard_version=card.version)
    criteria = _criteria(card, labels)
    by_sid: dict[str, dict[str, Any]] = {}
    for row in rows:
        for key in (row.get("call_sid"), row.get("recording_sid")):
            if key:
                by_sid.setdefault(key, row)
    versions = sorted({r.get("scorecard_version") for r in rows if r.get("scorecard_version")})
    if versions:
        ev.scorecard_version = ", ".join(versions)
    for label in labels:
        row = by_sid.get(label.get("call_sid") or "") or by_sid.get(label.get("recording_sid") or "")
        if row is None:
            ev.missing_transcripts.append(label.get("call_sid") or label.get("recording_sid") or "?")
            continue
        compare(ev, card, label, verdict_of_row(row, criteria), criteria)
    return ev


def _criteria(card: Scorecard, labels: list[dict[str, Any]]) -> list[str]:
    return [k for k in card.criteria if k in REQUIRED_CRITERIA or any(k in lb.get("expected", {}) for lb in labels)]


def compare(ev: Evaluation, card: Scorecard, label: dict[str, Any], got: Verdict, criteria: list[str]) -> None:
    exp = label.get("expected", {})
    ev.calls += 1
    for key in criteria:
        ev.criteria.setdefault(key, Binary())
        ev.na_agreement.setdefault(key, Binary())
    wrong: list[str] = []
    undetermined = False
    for key in criteria:
        if key not in exp:
            continue
        status = got.status.get(key)
        predicted_na = status == NA
        applicable = exp.get(f"{key}_applicable", True)
        ev.na_agreement[key].add(not applicable, predicted_na)
        if not applicable:
            if not predicted_na:
                wrong.append(f"{key}: esperado N/A, auditado {status or '?'}")
            continue
        if status == UNDETERMINED:
            # reported apart: "not determinable" is neither right nor wrong, it is a call sent to an analyst
            ev.undetermined[key] = ev.undetermined.get(key, 0) + 1
            undetermined = True
            wrong.append(f"{key}: esperado {bool(exp[key])}, auditado no determinable ({got.reasons.get(key, '')})")
            continue
        predicted = status == MET
        ev.criteria[key].add(bool(exp[key]), predicted)
        if bool(exp[key]) != predicted:
            wrong.append(f"{key}: esperado {bool(exp[key])}, auditado {predicted} ({got.reasons.get(key, '')})")
    ev.undetermined_calls += int(undetermined)

    exp_words = {canonical_word(card, w) for w in exp.get("forbidden_words") or []}
    got_words = {canonical_word(card, w) for w in got.forbidden_words}
    ev.forbidden_per_call.add(bool(exp_words), bool(got_words))
    for w in exp_words | got_words:
        ev.forbidden_per_word.add(w in exp_words, w in got_words)
        ev.forbidden_by_word.setdefault(w, Binary()).add(w in exp_words, w in got_words)
    if exp_words != got_words:
        wrong.append(f"forbidden_words: esperado {sorted(exp_words)}, auditado {sorted(got_words)}")

    bucket = exp.get("customer_sentiment")
    if bucket in SENTIMENT_BUCKETS:
        got_bucket = card.sentiment_bucket(got.sentiment_score) or "none"
        ev.sentiment_confusion.setdefault(bucket, Counter())[got_bucket] += 1
        if got_bucket != bucket:
            wrong.append(f"sentiment: esperado {bucket}, auditado {got_bucket} ({got.sentiment_score})")

    if "escalation" in exp:
        ev.escalation.add(bool(exp["escalation"]), got.escalation)
        if bool(exp["escalation"]) != got.escalation:
            wrong.append(f"escalation: esperado {bool(exp['escalation'])}, auditado {got.escalation}")
    if "customer_ends_upset" in exp and got.ends_upset is not None:
        ev.ends_upset.add(bool(exp["customer_ends_upset"]), bool(got.ends_upset))
        if bool(exp["customer_ends_upset"]) != bool(got.ends_upset):
            wrong.append(f"customer_ends_upset: esperado {exp['customer_ends_upset']}, auditado {got.ends_upset}")
    if "long_hold" in exp and got.longest_silence is not None:
        ev.long_hold.add(bool(exp["long_hold"]), got.longest_silence >= card.metrics.long_silence_seconds)

    expected_cat = expected_category(card, label)
    ev.category_confusion.setdefault(expected_cat, Counter())[got.category] += 1
    if expected_cat != got.category:
        wrong.append(f"category: esperado {expected_cat}, auditado {got.category} ({got.score})")
    if wrong:
        ev.mismatches.append({
            "call_sid": label.get("call_sid"), "recording_sid": label.get("recording_sid"),
            "scenario": label.get("scenario"), "problems": wrong,
        })


def label_agent_name(label: dict[str, Any]) -> str | None:
    """The agent's name as the pipeline would know it from the agent directory: ``agent_name`` when the label
    carries it, else the first part of ``agent_identity`` ("maria.lopez" -> "maria")."""
    return label.get("agent_name") or label.get("agent_identity")


def evaluate_set(directory: str | Path, card: Scorecard) -> Evaluation:
    """An analysts' evaluation set (evaluation/FORMAT.md) scored on its reference transcripts: the rules alone,
    with a perfect recogniser. The accuracy bench measures the same set through the whole pipeline."""
    from callaudit.scoring.evalset import label_of, load_set, reference_transcript

    calls = load_set(directory)
    transcripts = {}
    labels = []
    for call in calls:
        t = reference_transcript(call)
        transcripts[t.recording_sid] = t
        labels.append(label_of(call, duration=t.duration_seconds))
    return evaluate(labels, transcripts, card)


def evaluate_dirs(labels_dir: str | Path, transcripts_dir: str | Path, card: Scorecard) -> Evaluation:
    return evaluate(load_labels(labels_dir), load_transcripts(transcripts_dir), card)


# ---- presentation -----------------------------------------------------------------------------------------
def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def render(ev: Evaluation, console, max_mismatches: int = 10) -> None:
    from rich.table import Table

    console.print(f"[bold]Evaluación[/bold] scorecard {ev.scorecard_version}: {ev.calls} llamadas"
                  + (f", {len(ev.missing_transcripts)} sin transcripción" if ev.missing_transcripts else ""))
    console.print(f"Protocolo macro-F1 (ambas clases): {_fmt(ev.protocol_macro_f1)}  ·  exactitud de categoría "
                  f"{_fmt(ev.category_accuracy)}  ·  prohibidas F1 por llamada {_fmt(ev.forbidden_per_call.f1)}"
                  f", por expresión {_fmt(ev.forbidden_per_word.f1)}")
    if ev.undetermined_calls:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(ev.undetermined.items()))
        console.print(f"No determinable (a revisión, fuera de las cifras): {ev.undetermined_calls} llamadas ({detail})")
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
                    ("escalamiento", ev.escalation), ("termina molesto", ev.ends_upset),
                    ("espera larga", ev.long_hold)):
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
