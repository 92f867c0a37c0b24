"""One call -> its driver: the model's probabilities, nudged by the taxonomy's rules.

``score(d) = log p_model(d) + rule_weight × [a rule of d matched the customer's words]``; the driver is the
best score, its confidence the renormalised probability. Below ``min_confidence`` the call is flagged for an
analyst (``needs_review``) rather than trusted. A call with no words (a failed or silent recording) gets the
fallback driver with confidence 0 and method ``sin_texto``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from callaudit.topics.features import Turn, call_terms, customer_text
from callaudit.topics.model import LinearTextModel, softmax
from callaudit.topics.taxonomy import Taxonomy, cached_taxonomy


@dataclass
class DriverResult:
    driver: str
    label: str
    confidence: float
    method: str  # modelo | reglas+modelo | sin_texto
    evidence: list[str] = field(default_factory=list)  # rule hits ("regla: …") and the terms that weighed most
    runner_up: str | None = None
    needs_review: bool = False
    taxonomy_version: str = ""

    def as_row(self) -> dict:
        return {"driver": self.driver, "driver_label": self.label, "driver_confidence": round(self.confidence, 4),
                "driver_method": self.method, "driver_evidence": self.evidence, "runner_up": self.runner_up,
                "driver_needs_review": self.needs_review, "taxonomy_version": self.taxonomy_version}


class TopicClassifier:
    def __init__(self, taxonomy: Taxonomy, model: LinearTextModel):
        missing = [c for c in model.classes if c not in taxonomy.keys]
        if missing:
            raise ValueError(f"the model predicts drivers the taxonomy does not have: {missing} "
                             f"(retrain with `callaudit topics train`)")
        self.taxonomy = taxonomy
        self.model = model
        # model classes in taxonomy order; a driver the model never saw gets no probability mass from it
        self._col = [model.classes.index(k) if k in model.classes else None for k in taxonomy.keys]

    def rule_hits(self, turns: list[Turn]) -> dict[str, list[str]]:
        text = f" {customer_text(turns)} "
        hits: dict[str, list[str]] = {}
        for d in self.taxonomy.drivers:
            for r in d.rules:
                m = r.search(text)
                if m:
                    hits.setdefault(d.key, []).append(m.group(0).strip())
        return hits

    def classify(self, turns: Iterable[Turn]) -> DriverResult:
        turns = [(s, t) for s, t in turns if t and t.strip()]
        tax = self.taxonomy
        terms = call_terms(turns)
        if not terms:
            return DriverResult(tax.fallback, tax.label(tax.fallback), 0.0, "sin_texto", needs_review=True,
                                taxonomy_version=tax.version)
        p = self.model.predict_proba(terms)
        logp = np.array([np.log(max(p[c], 1e-9)) if c is not None else np.log(1e-9) for c in self._col])
        hits = self.rule_hits(turns)
        for i, key in enumerate(tax.keys):
            if key in hits:
                logp[i] += tax.rule_weight
        q = softmax(logp)
        order = np.argsort(-q)
        best, second = tax.keys[int(order[0])], tax.keys[int(order[1])]
        evidence = [f"regla: {h}" for h in hits.get(best, [])[:2]]
        if best in self.model.classes:
            evidence += self.model.top_terms(terms, best, 3)
        conf = float(q[order[0]])
        return DriverResult(best, tax.label(best), conf, "reglas+modelo" if best in hits else "modelo",
                            evidence, second, conf < tax.min_confidence, tax.version)


@lru_cache(maxsize=4)
def cached_classifier(taxonomy_path: str | None = None) -> TopicClassifier:
    tax = cached_taxonomy(taxonomy_path)
    if not tax.model_path.is_file():
        from callaudit.errors import UserError

        raise UserError(f"driver model not found: {tax.model_path}",
                        hint="train it: callaudit topics train (needs the labelled sets in evaluation/topics/)")
    return TopicClassifier(tax, LinearTextModel.load(tax.model_path))


def transcript_turns(transcript) -> list[Turn]:
    """A :class:`~callaudit.transcript.Transcript` (or its dict) as turns."""
    segs = transcript.get("segments") if isinstance(transcript, dict) else transcript.segments
    out: list[Turn] = []
    for s in segs or []:
        speaker, text = (s.get("speaker"), s.get("text")) if isinstance(s, dict) else (s.speaker, s.text)
        if text:
            out.append((speaker or "unknown", text))
    return out


def classify_transcript_json(text: str | None, classifier: TopicClassifier) -> DriverResult:
    import json

    if not text:
        return classifier.classify([])
    doc = json.loads(text)
    if doc.get("error"):
        return classifier.classify([])
    return classifier.classify(transcript_turns(doc))
