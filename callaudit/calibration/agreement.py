"""Agreement between two raters: raw agreement, Cohen's kappa (unweighted or weighted), a seeded bootstrap.

Definitions (Cohen 1960; weighted: Cohen 1968), for labels ``L`` in a given order, observed counts ``O`` (k x k),
expected counts ``E = outer(row sums, column sums) / n`` and disagreement weights ``w``:

    kappa = 1 - sum(w * O) / sum(w * E)

with ``w_ij = 0 if i == j else 1`` (unweighted), ``|i - j|`` (linear) or ``(i - j)^2`` (quadratic) — the same
formula scikit-learn's ``cohen_kappa_score`` uses, so the numbers can be checked against it. Kappa is undefined
(None) when both raters used one and the same label for every item (no variation to agree on).

The 95 % interval is a percentile bootstrap over items (calls): ``resamples`` resamples with replacement drawn
from ``numpy.random.default_rng(seed)`` — the same seed gives the same interval. Resamples where kappa is
undefined are left out; with fewer than 20 items the interval is reported but is wide by nature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WEIGHTS = (None, "linear", "quadratic")
DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 12


def _weights(k: int, weights: str | None) -> np.ndarray:
    i, j = np.indices((k, k))
    if weights is None:
        return (i != j).astype(float)
    if weights == "linear":
        return np.abs(i - j).astype(float)
    if weights == "quadratic":
        return ((i - j) ** 2).astype(float)
    raise ValueError(f"weights must be one of {WEIGHTS}, got {weights!r}")


def confusion(a: Sequence, b: Sequence, labels: Sequence) -> np.ndarray:
    """Counts[i, j] = items rater A labelled ``labels[i]`` and rater B ``labels[j]``."""
    index = {label: n for n, label in enumerate(labels)}
    k = len(labels)
    out = np.zeros((k, k), dtype=np.int64)
    for x, y in zip(a, b, strict=True):
        out[index[x], index[y]] += 1
    return out


def kappa_from_confusion(counts: np.ndarray, weights: str | None = None) -> float | None:
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    if n == 0:
        return None
    w = _weights(counts.shape[0], weights)
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    denominator = float((w * expected).sum())
    if denominator == 0.0:
        return None
    return float(1.0 - (w * counts).sum() / denominator)


def _kappas_batched(counts: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Kappa of each confusion matrix in ``counts`` (B x k x k); NaN where undefined."""
    n = counts.sum(axis=(1, 2))
    expected = counts.sum(axis=2)[:, :, None] * counts.sum(axis=1)[:, None, :] / n[:, None, None]
    den = (w * expected).sum(axis=(1, 2))
    num = (w * counts).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 1.0 - num / den, np.nan)


@dataclass(frozen=True)
class Agreement:
    labels: tuple
    n: int
    agreement: float | None  # share of items both raters labelled the same
    kappa: float | None
    kappa_low: float | None
    kappa_high: float | None
    weights: str | None
    confusion: tuple[tuple[int, ...], ...]
    resamples: int
    seed: int

    @property
    def disagreements(self) -> int:
        return int(self.n - sum(self.confusion[i][i] for i in range(len(self.labels))))

    def to_dict(self) -> dict:
        return {"n": self.n, "agreement": self.agreement, "kappa": self.kappa, "kappa_low": self.kappa_low,
                "kappa_high": self.kappa_high, "weights": self.weights or "none",
                "labels": [str(x) for x in self.labels], "confusion": [list(r) for r in self.confusion],
                "disagreements": self.disagreements, "bootstrap": {"resamples": self.resamples, "seed": self.seed}}


def agreement(a: Sequence, b: Sequence, labels: Sequence, *, weights: str | None = None,
              resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED, level: float = 0.95) -> Agreement:
    """Agreement of rater A (``a``) and rater B (``b``) over the same items, labels in their (ordinal) order."""
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    labels = tuple(labels)
    k = len(labels)
    counts = confusion(a, b, labels)
    n = int(counts.sum())
    raw = float(np.trace(counts) / n) if n else None
    kappa = kappa_from_confusion(counts, weights)
    low = high = None
    if n >= 2 and resamples > 0 and kappa is not None:
        index = {label: i for i, label in enumerate(labels)}
        pair = np.array([index[x] * k + index[y] for x, y in zip(a, b, strict=True)], dtype=np.int64)
        rng = np.random.default_rng(seed)
        draws = pair[rng.integers(0, n, size=(resamples, n))]
        offsets = (np.arange(resamples, dtype=np.int64) * k * k)[:, None]
        boot = np.bincount((draws + offsets).ravel(), minlength=resamples * k * k).reshape(resamples, k, k)
        kappas = _kappas_batched(boot.astype(float), _weights(k, weights))
        kappas = kappas[~np.isnan(kappas)]
        if kappas.size:
            tail = (1.0 - level) / 2.0 * 100.0
            low, high = (float(v) for v in np.percentile(kappas, [tail, 100.0 - tail]))
    return Agreement(labels=labels, n=n, agreement=raw, kappa=kappa, kappa_low=low, kappa_high=high,
                     weights=weights, confusion=tuple(tuple(int(v) for v in row) for row in counts),
                     resamples=resamples, seed=seed)
