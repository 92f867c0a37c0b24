"""The driver model at run time: TF-IDF + multinomial logistic regression, read from JSON, scored with numpy.

Trained offline by ``callaudit topics train`` (scikit-learn) and exported as plain numbers — vocabulary, idf,
coefficients — so scoring needs no pickle and no scikit-learn, and the file diffs and versions like the taxonomy.
:func:`LinearTextModel.predict_proba` reproduces scikit-learn's ``TfidfVectorizer(sublinear_tf, norm="l2")`` +
``LogisticRegression.predict_proba`` (a unit test compares both on the development set).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np


@dataclass
class LinearTextModel:
    classes: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_terms,)
    coef: np.ndarray  # (n_classes, n_terms)
    intercept: np.ndarray  # (n_classes,)
    sublinear_tf: bool = True
    meta: dict | None = None

    @classmethod
    def load(cls, path: str | Path) -> LinearTextModel:
        return cls.load_json(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def load_json(cls, text: str) -> LinearTextModel:
        doc = json.loads(text)
        if doc.get("format") != "callaudit-topics-linear/1":
            raise ValueError("not a callaudit driver model (format callaudit-topics-linear/1)")
        terms = doc["terms"]
        return cls(classes=list(doc["classes"]), vocabulary={t: i for i, t in enumerate(terms)},
                   idf=np.asarray(doc["idf"], dtype=float), coef=np.asarray(doc["coef"], dtype=float),
                   intercept=np.asarray(doc["intercept"], dtype=float),
                   sublinear_tf=bool(doc.get("sublinear_tf", True)), meta=doc.get("meta") or {})

    def to_json(self) -> str:
        doc = {
            "format": "callaudit-topics-linear/1",
            "classes": self.classes,
            "sublinear_tf": self.sublinear_tf,
            "terms": self.terms,
            "idf": [round(float(x), 6) for x in self.idf],
            "intercept": [round(float(x), 6) for x in self.intercept],
            "coef": [[round(float(x), 6) for x in row] for row in self.coef],
            "meta": self.meta or {},
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"

    @cached_property
    def terms(self) -> list[str]:
        """Index -> term (the vocabulary inverted once, not per call)."""
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)

    def vector(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF row (indices, values), l2-normalised; unknown terms dropped."""
        counts = Counter(self.vocabulary[t] for t in terms if t in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=int), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=int)
        tf = np.fromiter(counts.values(), dtype=float)
        if self.sublinear_tf:
            tf = 1.0 + np.log(tf)
        val = tf * self.idf[idx]
        norm = math.sqrt(float(val @ val))
        return idx, (val / norm if norm else val)

    def decision(self, terms: list[str]) -> np.ndarray:
        idx, val = self.vector(terms)
        return self.coef[:, idx] @ val + self.intercept if idx.size else self.intercept.copy()

    def predict_proba(self, terms: list[str]) -> np.ndarray:
        return softmax(self.decision(terms))

    def top_terms(self, terms: list[str], cls: str, k: int = 3) -> list[str]:
        """The call's terms that pushed most towards ``cls`` (evidence for the analyst)."""
        idx, val = self.vector(terms)
        if not idx.size:
            return []
        j = self.classes.index(cls)
        contrib = self.coef[j, idx] * val
        inv = self.terms
        order = np.argsort(-contrib)
        out: list[str] = []
        for o in order:
            if contrib[o] <= 0 or len(out) >= k:
                break
            term = inv[int(idx[o])].removeprefix("c:")
            if term not in out:
                out.append(term)
        return out


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()
