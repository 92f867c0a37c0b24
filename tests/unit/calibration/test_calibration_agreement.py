"""Kappa and its interval against a hand-worked example and against scikit-learn (an independent implementation)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from callaudit.calibration.agreement import agreement, kappa_from_confusion

CATEGORIES = ["Excelente", "Buena", "Regular", "Requiere Atención"]


def test_hand_worked_binary_example():
    # 50 calls: both yes 20, auditor yes/analyst no 5, auditor no/analyst yes 10, both no 15.
    # p_o = 35/50 = 0.70; p_e = 0.5*0.6 + 0.5*0.4 = 0.50; kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    a = [True] * 25 + [False] * 25
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    res = agreement(a, b, [True, False], resamples=0)
    assert res.n == 50
    assert res.agreement == pytest.approx(0.70, abs=1e-12)
    assert res.kappa == pytest.approx(0.40, abs=1e-12)
    assert res.confusion == ((20, 5), (10, 15))
    assert res.disagreements == 15


def test_hand_worked_weighted_example():
    # pairs (A,A) (A,B) (B,B) (C,A): sum(w*O) = 1 + 2 = 3; E = outer([2,1,1],[2,2,0])/4; sum(w*E) = 3 -> kappa 0
    a = ["A", "A", "B", "C"]
    b = ["A", "B", "B", "A"]
    assert agreement(a, b, ["A", "B", "C"], weights="linear", resamples=0).kappa == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_binary_kappa_equals_scikit_learn(seed):
    rng = random.Random(seed)
    n = rng.randint(5, 300)
    a = [rng.random() < 0.7 for _ in range(n)]
    b = [x if rng.random() < 0.8 else not x for x in a]
    if len(set(a) | set(b)) < 2:
        pytest.skip("degenerate draw")  # pragma: no cover - seeds chosen so it does not happen
    ours = agreement(a, b, [True, False], resamples=0).kappa
    assert ours == pytest.approx(cohen_kappa_score(a, b, labels=[True, False]), abs=1e-9)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(5))
def test_category_kappa_equals_scikit_learn(weights, seed):
    rng = random.Random(100 + seed)
    n = rng.randint(10, 200)
    a = [rng.choice(CATEGORIES) for _ in range(n)]
    b = [x if rng.random() < 0.6 else rng.choice(CATEGORIES) for x in a]
    ours = agreement(a, b, CATEGORIES, weights=weights, resamples=0).kappa
    theirs = cohen_kappa_score(a, b, labels=CATEGORIES, weights=weights)
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_bootstrap_interval_is_reproducible_and_brackets_the_estimate():
    rng = random.Random(3)
    a = [rng.random() < 0.5 for _ in range(120)]
    b = [x if rng.random() < 0.85 else not x for x in a]
    first = agreement(a, b, [True, False], seed=7, resamples=1000)
    again = agreement(a, b, [True, False], seed=7, resamples=1000)
    other = agreement(a, b, [True, False], seed=8, resamples=1000)
    assert (first.kappa_low, first.kappa_high) == (again.kappa_low, again.kappa_high)
    assert (first.kappa_low, first.kappa_high) != (other.kappa_low, other.kappa_high)
    assert first.kappa_low < first.kappa < first.kappa_high
    assert first.kappa_low >= -1.0 and first.kappa_high <= 1.0


def test_bootstrap_matches_a_plain_loop_with_scikit_learn():
    """The vectorised bootstrap draws the same resamples a plain loop would and computes the same kappas."""
    rng = random.Random(5)
    a = [rng.choice(CATEGORIES) for _ in range(40)]
    b = [x if rng.random() < 0.7 else rng.choice(CATEGORIES) for x in a]
    res = agreement(a, b, CATEGORIES, weights="linear", seed=11, resamples=200)
    draws = np.random.default_rng(11).integers(0, 40, size=(200, 40))
    kappas = []
    for idx in draws:
        ra, rb = [a[i] for i in idx], [b[i] for i in idx]
        with np.errstate(all="ignore"):
            k = cohen_kappa_score(ra, rb, labels=CATEGORIES, weights="linear")
        if not np.isnan(k):
            kappas.append(k)
    low, high = np.percentile(kappas, [2.5, 97.5])
    assert res.kappa_low == pytest.approx(low, abs=1e-9)
    assert res.kappa_high == pytest.approx(high, abs=1e-9)


def test_kappa_is_undefined_when_nobody_varies():
    res = agreement([True] * 10, [True] * 10, [True, False])
    assert res.agreement == 1.0
    assert res.kappa is None and res.kappa_low is None
    assert kappa_from_confusion(np.zeros((2, 2))) is None


def test_unknown_label_and_length_mismatch_are_errors():
    with pytest.raises(ValueError):
        agreement([True], [True, False], [True, False])
    with pytest.raises(KeyError):
        agreement(["Mala"], ["Buena"], CATEGORIES)
