"""Offline training of the driver model (scikit-learn), exported as numbers (:mod:`callaudit.topics.model`).

Text is what the pipeline sees: turns normalised and, as in gold, redacted of personal numbers. The
hyper-parameters are chosen by cross-validation on the training calls (plus the development split when given);
the test split is never read here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from callaudit.topics.features import call_terms
from callaudit.topics.model import LinearTextModel
from callaudit.topics.sets import LabelledCall
from callaudit.transcription.redact import redact_text

C_GRID = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0)


def _identity(terms):
    return terms


def redacted_terms(call: LabelledCall) -> list[str]:
    return call_terms([(s, redact_text(t)) for s, t in call.turns])


def _fit(docs: list[list[str]], y: list[str], c: float, min_df: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=min_df, norm="l2")
    x = vec.fit_transform(docs)
    lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    lr.fit(x, y)
    return vec, lr


@dataclass
class Trained:
    model: LinearTextModel
    cv_accuracy: dict[float, float]
    c: float
    n: int


def train(calls: list[LabelledCall], *, c: float | None = None, min_df: int = 2, seed: int = 7,
          sets: list[str] | None = None) -> Trained:
    import warnings

    from sklearn.model_selection import StratifiedKFold

    docs = [redacted_terms(k) for k in calls]
    y = [k.driver for k in calls]
    scores: dict[float, float] = {}
    if c is None:
        folds = min(5, min(np.unique(y, return_counts=True)[1]))
        skf = StratifiedKFold(n_splits=max(2, folds), shuffle=True, random_state=seed)
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        for cand in C_GRID:
            right = 0
            for tr, te in skf.split(docs, y):
                vec, lr = _fit([docs[i] for i in tr], [y[i] for i in tr], cand, min_df)
                pred = lr.predict(vec.transform([docs[i] for i in te]))
                right += int(sum(p == y[i] for p, i in zip(pred, te, strict=True)))
            scores[cand] = right / len(docs)
        c = max(C_GRID, key=lambda k: (scores[k], -k))
    vec, lr = _fit(docs, y, c, min_df)
    classes = [str(k) for k in lr.classes_]
    digest = hashlib.sha256("\n".join(f"{k.id}\t{k.driver}" for k in calls).encode()).hexdigest()[:16]
    meta = {"trained_on": sets or sorted({k.source.split("/evaluation/")[-1] for k in calls}), "calls": len(calls),
            "C": c, "min_df": min_df, "cv_accuracy": {str(k): round(v, 4) for k, v in scores.items()},
            "labels_sha256": digest}
    model = LinearTextModel(classes=classes, vocabulary={str(t): int(i) for t, i in vec.vocabulary_.items()},
                            idf=np.asarray(vec.idf_), coef=np.asarray(lr.coef_), intercept=np.asarray(lr.intercept_),
                            sublinear_tf=True, meta=meta)
    return Trained(model, scores, c, len(calls))


def sklearn_proba(calls: list[LabelledCall], train_calls: list[LabelledCall], c: float, min_df: int = 2):
    """scikit-learn's own probabilities for ``calls`` (the test of the numpy re-implementation)."""
    vec, lr = _fit([redacted_terms(k) for k in train_calls], [k.driver for k in train_calls], c, min_df)
    return list(lr.classes_), lr.predict_proba(vec.transform([redacted_terms(k) for k in calls]))
