"""Predicting a call's survey score from its audit: features, fit, prediction interval, evaluation. No Spark.

The model sees only what the auditor measured (columns of ``twilio_call_audits``): the quality score, the protocol
steps missed, forbidden words, critical errors, the customer's sentiment and whether they end upset, silence (holds),
interruptions and escalation — and the call's driver (``call_topics``). It never sees how the call was generated.

- **Target**: the survey score on a common 0–10 scale (NPS as is; CSAT 1–5 mapped linearly, see
  :func:`callaudit.satisfaction.records.to_common_scale`).
- **Model**: ridge regression on standardised features (missing values: the training median), its penalty chosen
  by leave-one-out cross-validation; predictions clipped to 0–10. A small linear model, because a contact centre has
  tens to hundreds of surveyed calls, not thousands.
- **Interval** (cross-conformal): the training calls are split into 5 folds; each fold is predicted by a model fitted
  on the other four; the half-width is the ⌈(n+1)·level⌉-th smallest absolute out-of-fold residual. A call's
  interval is its prediction ± that half-width (clipped to 0–10). Surveyed calls get their out-of-fold prediction,
  i.e. from a model that did not see their answer.
- **Too few surveys** (< :data:`MIN_SURVEYS`): no model; every call gets a null prediction and the reason.
- **Evaluation** (:func:`evaluate`): a seeded train / held-out split; MAE and Spearman ρ on the held-out calls
  against a baseline that predicts the training mean, and the interval's empirical coverage.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

MIN_SURVEYS = 30
LEVEL = 0.8
FOLDS = 5
SEED = 7
ALPHAS = tuple(float(a) for a in np.logspace(-2, 3, 11))

# the audit columns the features are built from (twilio_call_audits)
AUDIT_COLUMNS = ["call_sid", "quality_score", "missed_criteria", "forbidden_words", "critical_errors",
                 "sentiment_score", "customer_final_sentiment", "customer_ends_upset", "silence_seconds",
                 "longest_silence_seconds", "interruptions_by_agent", "interruptions_by_customer",
                 "escalation_requested", "call_duration_seconds", "audit_error"]
AUDIT_FEATURES = ["quality_score", "missed_steps", "forbidden_words", "critical_errors", "customer_sentiment",
            "customer_final_sentiment", "customer_ends_upset", "silence_seconds", "longest_silence_seconds",
            "interruptions", "escalation_requested", "call_duration_seconds"]


def _driver_keys() -> list[str]:
    """The call drivers of the taxonomy (call_topics), one indicator each; the fallback (`otro`) is the reference."""
    from callaudit.topics.taxonomy import cached_taxonomy

    tax = cached_taxonomy()
    return [k for k in tax.keys if k != tax.fallback]


DRIVERS = _driver_keys()
FEATURES = AUDIT_FEATURES + [f"driver={k}" for k in DRIVERS]

NOTE_TOO_FEW = "menos de {min} encuestas para entrenar el modelo ({n}): sin predicción"
NOTE_NOT_SCORED = "la llamada no tiene puntaje de auditoría: sin predicción"


def _num(value) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def _size(value) -> float:
    return float(len(value)) if isinstance(value, list | tuple) else (0.0 if value is None else math.nan)


def features(audit: dict) -> list[float]:
    """The model's inputs for one audit row (NaN where the audit has no value)."""
    parts = [_num(audit.get("interruptions_by_agent")), _num(audit.get("interruptions_by_customer"))]
    interruptions = math.nan if all(math.isnan(v) for v in parts) else sum(v for v in parts if not math.isnan(v))
    return [
        _num(audit.get("quality_score")),
        _size(audit.get("missed_criteria")),
        _size(audit.get("forbidden_words")),
        _size(audit.get("critical_errors")),
        _num(audit.get("sentiment_score")),
        _num(audit.get("customer_final_sentiment")),
        _num(audit.get("customer_ends_upset")),
        _num(audit.get("silence_seconds")),
        _num(audit.get("longest_silence_seconds")),
        interruptions,
        _num(audit.get("escalation_requested")),
        _num(audit.get("call_duration_seconds")),
        # why the customer called (call_topics; absent -> all zero, like `otro`)
        *[1.0 if audit.get("driver") == k else 0.0 for k in DRIVERS],
    ]


def predictable(audit: dict) -> bool:
    """A call the model can say something about: it was audited and scored."""
    return not audit.get("audit_error") and _num(audit.get("quality_score")) == _num(audit.get("quality_score"))


def _new_estimator():
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(),
                         RidgeCV(alphas=ALPHAS))


def _clip(values) -> np.ndarray:
    return np.clip(np.asarray(values, dtype=float), 0.0, 10.0)


def conformal_quantile(residuals, level: float = LEVEL) -> float:
    """The split-conformal half-width: the ⌈(n+1)·level⌉-th smallest absolute residual (inf if n is too small)."""
    r = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    k = math.ceil((len(r) + 1) * level)
    return float(r[k - 1]) if 0 < k <= len(r) else math.inf


@dataclass
class Model:
    estimator: object
    half_width: float
    n_train: int
    level: float
    alpha: float
    oof: dict[str, float] = field(default_factory=dict)  # training call -> out-of-fold prediction

    @property
    def description(self) -> str:
        return (f"regresión ridge (alfa {self.alpha:.3g}) sobre {len(FEATURES)} variables de la auditoría y el "
                "motivo de la llamada; "
                f"intervalo {100 * self.level:.0f} % conformal con {FOLDS} pliegues (±{self.half_width:.2f}); "
                "escala 0–10 (NPS tal cual, CSAT 1–5 lineal)")

    def predict(self, audits: list[dict]) -> np.ndarray:
        if not audits:
            return np.zeros(0)
        return _clip(self.estimator.predict(np.array([features(a) for a in audits], dtype=float)))

    def interval(self, predictions) -> tuple[np.ndarray, np.ndarray]:
        p = np.asarray(predictions, dtype=float)
        return _clip(p - self.half_width), _clip(p + self.half_width)


def fit(audits: list[dict], targets: list[float], *, level: float = LEVEL, folds: int = FOLDS,
        seed: int = SEED) -> Model:
    """Fit on surveyed, audited calls (``targets`` on the 0–10 scale); out-of-fold residuals give the interval."""
    if len(audits) != len(targets):
        raise ValueError("one target per audit")
    if len(audits) < max(folds, 2):
        raise ValueError(f"at least {max(folds, 2)} surveyed calls are needed, got {len(audits)}")
    x = np.array([features(a) for a in audits], dtype=float)
    y = np.asarray(targets, dtype=float)
    order = list(range(len(y)))
    random.Random(f"satisfaction-folds:{seed}").shuffle(order)
    oof = np.zeros(len(y))
    for k in range(folds):
        held = np.array(sorted(order[k::folds]))
        train = np.setdiff1d(np.arange(len(y)), held)
        oof[held] = _clip(_new_estimator().fit(x[train], y[train]).predict(x[held]))
    estimator = _new_estimator().fit(x, y)
    return Model(estimator=estimator, half_width=conformal_quantile(y - oof, level), n_train=len(y), level=level,
                 alpha=float(estimator[-1].alpha_),
                 oof={str(a.get("call_sid")): float(p) for a, p in zip(audits, oof, strict=True)})


def training_set(audits: list[dict], surveys: dict[str, float]) -> tuple[list[dict], list[float]]:
    """The audited, scored calls with a survey (``surveys``: call_sid -> score on 0–10), in call_sid order."""
    rows = sorted((a for a in audits if a.get("call_sid") in surveys and predictable(a)),
                  key=lambda a: str(a["call_sid"]))
    return rows, [float(surveys[a["call_sid"]]) for a in rows]


SATISFACTION_COLUMNS = [("call_sid", "string"), ("predicted_score", "double"), ("predicted_low", "double"),
                        ("predicted_high", "double"), ("prediction_note", "string"), ("model", "string"),
                        ("training_rows", "int")]


def predict_calls(audits: list[dict], surveys: dict[str, float], *, min_surveys: int = MIN_SURVEYS,
                  seed: int = SEED) -> list[dict]:
    """One row per audit (:data:`SATISFACTION_COLUMNS`): the predicted 0–10 score and its interval, or a null and
    the reason. Surveyed training calls get their out-of-fold prediction. Deterministic for the same inputs."""
    audits = sorted(audits, key=lambda a: str(a.get("call_sid")))
    rows, targets = training_set(audits, surveys)
    min_surveys = max(min_surveys, 3)  # fewer cannot give out-of-fold residuals
    if len(rows) < min_surveys:
        note = NOTE_TOO_FEW.format(min=min_surveys, n=len(rows))
        return [{"call_sid": a.get("call_sid"), "predicted_score": None, "predicted_low": None,
                 "predicted_high": None, "prediction_note": note, "model": None, "training_rows": len(rows)}
                for a in audits]
    # a minimum set below FOLDS (tests, a pilot) gets leave-one-out instead of 5 folds
    model = fit(rows, targets, seed=seed, folds=min(FOLDS, len(rows)))
    scored = [a for a in audits if predictable(a)]
    predicted = dict(zip((a["call_sid"] for a in scored), model.predict(scored), strict=True))
    predicted.update(model.oof)
    out = []
    for a in audits:
        sid = a.get("call_sid")
        p = predicted.get(sid)
        low, high = model.interval([p]) if p is not None else ([None], [None])
        out.append({"call_sid": sid, "predicted_score": None if p is None else round(float(p), 3),
                    "predicted_low": None if p is None else round(float(low[0]), 3),
                    "predicted_high": None if p is None else round(float(high[0]), 3),
                    "prediction_note": None if p is not None else NOTE_NOT_SCORED,
                    "model": model.description, "training_rows": model.n_train})
    return out


# ---- honest validation --------------------------------------------------------------------------------------------
def spearman(a, b) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when either side is constant."""
    from scipy.stats import rankdata

    x, y = rankdata(a), rankdata(b)
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


@dataclass
class Evaluation:
    n_surveyed: int
    n_train: int
    n_test: int
    mae: float | None = None
    mae_baseline: float | None = None
    spearman: float | None = None
    spearman_baseline: float | None = None  # a constant prediction has no ranking: None
    coverage: float | None = None
    level: float = LEVEL
    half_width: float | None = None
    model: str | None = None
    note: str | None = None
    seed: int = SEED

    def lines(self) -> list[str]:
        def f(v, digits=2):
            return "—" if v is None else f"{v:.{digits}f}"

        out = [f"encuestas utilizables: {self.n_surveyed} (entrenamiento {self.n_train}, validación {self.n_test}; "
               f"semilla {self.seed})"]
        if self.note:
            return [*out, self.note]
        out += [f"modelo: {self.model}",
                f"MAE (0–10) en validación: modelo {f(self.mae)} vs línea base (media) {f(self.mae_baseline)}",
                f"Spearman ρ en validación: modelo {f(self.spearman)} vs línea base (media) "
                f"{f(self.spearman_baseline)} (una constante no ordena)",
                f"cobertura del intervalo {100 * self.level:.0f} %: "
                f"{f(None if self.coverage is None else 100 * self.coverage, 1)} % de {self.n_test} llamadas "
                f"(±{f(self.half_width)})"]
        return out

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def evaluate(audits: list[dict], surveys: dict[str, float], *, seed: int = SEED, test_share: float = 0.3,
             min_surveys: int = MIN_SURVEYS) -> Evaluation:
    """Fit on a seeded share of the surveyed calls, measure on the rest (never seen by the fit)."""
    rows, targets = training_set(sorted(audits, key=lambda a: str(a.get("call_sid"))), surveys)
    order = list(range(len(rows)))
    random.Random(f"satisfaction-holdout:{seed}").shuffle(order)
    n_test = int(round(len(rows) * test_share))
    test, train = sorted(order[:n_test]), sorted(order[n_test:])
    result = Evaluation(n_surveyed=len(rows), n_train=len(train), n_test=len(test), seed=seed)
    if len(train) < min_surveys or len(test) < 2:
        result.note = (f"muy pocas encuestas para evaluar: hacen falta al menos {min_surveys} para entrenar y 2 "
                       f"para validar ({len(train)} / {len(test)})")
        return result
    model = fit([rows[i] for i in train], [targets[i] for i in train], seed=seed)
    y_test = np.array([targets[i] for i in test])
    predicted = model.predict([rows[i] for i in test])
    baseline = np.full(len(test), float(np.mean([targets[i] for i in train])))
    low, high = model.interval(predicted)
    result.mae = float(np.mean(np.abs(predicted - y_test)))
    result.mae_baseline = float(np.mean(np.abs(baseline - y_test)))
    result.spearman = spearman(predicted, y_test)
    result.spearman_baseline = spearman(baseline, y_test)
    result.coverage = float(np.mean((y_test >= low - 1e-9) & (y_test <= high + 1e-9)))
    result.half_width = model.half_width
    result.model = model.description
    return result
