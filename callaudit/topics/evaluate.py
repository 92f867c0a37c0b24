"""Driver accuracy on a labelled set: accuracy, macro-F1, per-driver precision/recall, the confusion matrix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from callaudit.topics.classify import DriverResult, TopicClassifier
from callaudit.topics.sets import LabelledCall
from callaudit.transcription.redact import redact_text


@dataclass
class DriverEvaluation:
    drivers: list[str]
    n: int
    accuracy: float
    macro_f1: float
    majority_accuracy: float  # the baseline that always says the most frequent driver of the set
    per_driver: dict[str, dict] = field(default_factory=dict)  # precision, recall, f1, support
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # truth -> predicted -> n
    review_rate: float = 0.0
    accuracy_confident: float | None = None
    mistakes: list[tuple[str, str, str, float]] = field(default_factory=list)  # id, truth, predicted, confidence
    by_source: dict[str, tuple[int, float, float]] = field(default_factory=dict)  # source -> n, accuracy, majority


def classify_calls(calls: list[LabelledCall], clf: TopicClassifier) -> list[DriverResult]:
    return [clf.classify([(s, redact_text(t)) for s, t in k.turns]) for k in calls]


def evaluate_drivers(calls: list[LabelledCall], clf: TopicClassifier) -> DriverEvaluation:
    results = classify_calls(calls, clf)
    keys = clf.taxonomy.keys
    truth = [k.driver for k in calls]
    pred = [r.driver for r in results]
    n = len(calls)
    conf = {t: {p: 0 for p in keys} for t in keys}
    for t, p in zip(truth, pred, strict=True):
        conf[t][p] += 1
    per: dict[str, dict] = {}
    f1s = []
    for k in keys:
        tp = conf[k][k]
        support = sum(conf[k].values())
        predicted = sum(conf[t][k] for t in keys)
        prec = tp / predicted if predicted else None
        rec = tp / support if support else None
        f1 = 2 * prec * rec / (prec + rec) if prec and rec else (0.0 if support else None)
        per[k] = {"precision": prec, "recall": rec, "f1": f1, "support": support, "predicted": predicted}
        if support:
            f1s.append(f1 or 0.0)
    right = sum(t == p for t, p in zip(truth, pred, strict=True))
    confident = [(t, p) for t, p, r in zip(truth, pred, results, strict=True) if not r.needs_review]
    majority = Counter(truth).most_common(1)[0][1] / n
    by_source: dict[str, tuple[int, float, float]] = {}
    for src in dict.fromkeys(k.source for k in calls):
        idx = [i for i, k in enumerate(calls) if k.source == src]
        t = [truth[i] for i in idx]
        by_source[src] = (len(idx), sum(truth[i] == pred[i] for i in idx) / len(idx),
                          Counter(t).most_common(1)[0][1] / len(idx))
    return DriverEvaluation(
        drivers=keys, n=n, accuracy=right / n, macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        majority_accuracy=majority, per_driver=per, confusion=conf,
        review_rate=sum(r.needs_review for r in results) / n,
        accuracy_confident=(sum(t == p for t, p in confident) / len(confident)) if confident else None,
        mistakes=[(k.id, t, p, r.confidence) for k, t, p, r in zip(calls, truth, pred, results, strict=True)
                  if t != p],
        by_source=by_source)


def confusion_table(ev: DriverEvaluation, short: int = 6) -> list[str]:
    """Markdown rows: truth down, predicted across (driver keys cut to ``short`` letters)."""
    keys = [k for k in ev.drivers if ev.per_driver[k]["support"] or ev.per_driver[k]["predicted"]]
    head = "| truth \\ predicted | " + " | ".join(k[:short] for k in keys) + " | recall |"
    rows = [head, "|---" * (len(keys) + 2) + "|"]
    for t in keys:
        r = ev.per_driver[t]["recall"]
        rows.append(f"| {t} | " + " | ".join(str(ev.confusion[t][p] or "·") for p in keys)
                    + f" | {'—' if r is None else f'{r:.2f}'} |")
    return rows
