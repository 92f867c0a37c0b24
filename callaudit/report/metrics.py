"""Data -> chart series for the quality report: pure Python over rows (dicts) read from the gold tables.

Every function takes the rows of one gold table (``twilio_call_audits``, ``twilio_calls``, ...) already limited to
the report period and returns plain values the SVG renderers draw, so the numbers on the page are unit-testable
without Spark or a browser. Averages ignore unscored calls (``quality_score`` null) exactly like the gold marts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from callaudit.contracts import CRITICAL_BELOW, PROBLEM_BELOW  # noqa: F401  (re-exported)

Row = dict[str, Any]


CRITERIA = [
    ("has_greeting", "Saludo"),
    ("has_identification", "Identificación"),
    ("has_help_offer", "Ofrecimiento de ayuda"),
    ("has_farewell", "Despedida"),
]

# (label, lower bound inclusive, upper bound exclusive) in seconds
DURATION_BINS: list[tuple[str, float, float]] = [
    ("< 30 s", 0, 30),
    ("30–60 s", 30, 60),
    ("1–2 min", 60, 120),
    ("2–3 min", 120, 180),
    ("3–5 min", 180, 300),
    ("5–10 min", 300, 600),
    ("10–20 min", 600, 1200),
    ("≥ 20 min", 1200, float("inf")),
]


def as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def mean(values: Iterable[float | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def rate(rows: Sequence[Row], predicate) -> float | None:
    """Share of rows for which ``predicate(row)`` is true (None for no rows); nulls count as false, like the marts."""
    if not rows:
        return None
    return sum(1.0 for r in rows if predicate(r)) / len(rows)


def has_forbidden(row: Row) -> bool:
    return bool(row.get("forbidden_words"))


def period_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# ---- KPIs -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kpi:
    kpi: str
    label: str
    value: float | None
    comparison: str
    target: float
    unit: str
    met: bool | None


KPI_FUNCTIONS = {
    "avg_quality_score": lambda rows: mean(r.get("quality_score") for r in rows),
    "greeting_rate": lambda rows: rate(rows, lambda r: r.get("has_greeting") is True),
    "forbidden_word_rate": lambda rows: rate(rows, has_forbidden),
    "avg_sentiment": lambda rows: mean(r.get("sentiment_score") for r in rows),
    "manual_review_rate": lambda rows: rate(rows, lambda r: r.get("needs_manual_review") is True),
}


def kpi_targets() -> list[tuple[str, str, str, float, str]]:
    """The KPI definitions of the gold ``kpi_summary`` mart (one source of truth for labels and targets)."""
    from callaudit.transforms.marts import KPI_TARGETS

    return list(KPI_TARGETS)


def kpis_for_period(audits: Sequence[Row], targets: Sequence[tuple] | None = None) -> list[Kpi]:
    """The ``kpi_summary`` KPIs computed over the report period's audits (same formulas as the mart)."""
    out = []
    for name, label, op, target, unit in targets if targets is not None else kpi_targets():
        value = KPI_FUNCTIONS[name](audits)
        met = None if value is None else (value > target if op == ">" else value < target)
        out.append(Kpi(name, label, value, op, float(target), unit, met))
    return out


# ---- quality trend ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayQuality:
    day: date
    calls: int
    avg_score: float | None
    problem_calls: int
    critical_calls: int


def daily_quality(audits: Sequence[Row], start: date, end: date) -> list[DayQuality]:
    """One point per day of the period (days without calls have ``calls == 0`` and no average)."""
    by_day: dict[date, list[Row]] = defaultdict(list)
    for r in audits:
        d = as_date(r.get("call_date"))
        if d is not None and start <= d <= end:
            by_day[d].append(r)
    out = []
    for d in period_days(start, end):
        rows = by_day.get(d, [])
        scores = [r["quality_score"] for r in rows if r.get("quality_score") is not None]
        out.append(DayQuality(
            d, len(rows), mean(scores),
            sum(1 for s in scores if s < PROBLEM_BELOW), sum(1 for s in scores if s < CRITICAL_BELOW)))
    return out


# ---- protocol compliance ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Compliance:
    key: str
    calls: int
    rates: dict[str, float]  # criterion column -> share of calls that met it
    avg_score: float | None

    @property
    def overall(self) -> float:
        return sum(self.rates.values()) / len(self.rates) if self.rates else 0.0


def protocol_compliance(audits: Sequence[Row], by: str = "agent") -> list[Compliance]:
    """Share of calls meeting each protocol step per agent (or vendor), least compliant first.

    Unscored calls (transcription error, no agent speech) are left out: they say nothing about the protocol.
    """
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in audits:
        if r.get("quality_score") is None:
            continue
        groups[str(r.get(by) or "desconocido")].append(r)
    out = []
    for key, rows in groups.items():
        rates = {col: sum(1 for r in rows if r.get(col) is True) / len(rows) for col, _ in CRITERIA}
        out.append(Compliance(key, len(rows), rates, mean(r.get("quality_score") for r in rows)))
    return sorted(out, key=lambda c: (c.overall, c.key))


# ---- forbidden words ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WordCount:
    word: str
    times: int  # calls in which it was said (a word counts once per call, like the audit's array)
    agents: int


def forbidden_word_frequency(audits: Sequence[Row], limit: int | None = 15) -> list[WordCount]:
    counts: Counter[str] = Counter()
    agents: dict[str, set[str]] = defaultdict(set)
    for r in audits:
        for w in dict.fromkeys(r.get("forbidden_words") or []):
            counts[w] += 1
            agents[w].add(str(r.get("agent")))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [WordCount(w, n, len(agents[w])) for w, n in ranked[:limit]]


# ---- call durations -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DurationHistogram:
    bins: list[tuple[str, int]]
    answered: int
    not_answered: int
    median_seconds: float | None


def duration_histogram(calls: Sequence[Row], bins: Sequence[tuple[str, float, float]] = DURATION_BINS
                       ) -> DurationHistogram:
    """Durations of completed customer calls (parent legs: a ``<Dial>`` child leg is the same conversation)."""
    parents = [c for c in calls if c.get("is_parent_leg") is not False]
    answered = [float(c["duration_seconds"]) for c in parents
                if c.get("status") == "completed" and c.get("duration_seconds") is not None]
    counts = [0] * len(bins)
    for s in answered:
        for i, (_, lo, hi) in enumerate(bins):
            if lo <= s < hi:
                counts[i] += 1
                break
    ordered = sorted(answered)
    median = None
    if ordered:
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return DurationHistogram([(label, n) for (label, _, _), n in zip(bins, counts, strict=True)],
                             len(answered), len(parents) - len(answered), median)


# ---- sentiment ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SentimentPoint:
    start: date  # the day, or the Monday of the week
    calls: int  # calls with a customer sentiment
    avg: float | None
    negative_calls: int  # sentiment < -0.2


NEGATIVE_BELOW = -0.2


def _sentiment_points(groups: dict[date, list[float]], keys: Iterable[date]) -> list[SentimentPoint]:
    return [SentimentPoint(k, len(groups.get(k, [])), mean(groups.get(k, [])),
                           sum(1 for v in groups.get(k, []) if v < NEGATIVE_BELOW)) for k in keys]


def sentiment_by_day(audits: Sequence[Row], start: date, end: date) -> list[SentimentPoint]:
    groups: dict[date, list[float]] = defaultdict(list)
    for r in audits:
        d, s = as_date(r.get("call_date")), r.get("sentiment_score")
        if d is not None and s is not None and start <= d <= end:
            groups[d].append(float(s))
    return _sentiment_points(groups, period_days(start, end))


def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def sentiment_by_week(audits: Sequence[Row], start: date, end: date) -> list[SentimentPoint]:
    groups: dict[date, list[float]] = defaultdict(list)
    for r in audits:
        d, s = as_date(r.get("call_date")), r.get("sentiment_score")
        if d is not None and s is not None and start <= d <= end:
            groups[monday_of(d)].append(float(s))
    weeks, w = [], monday_of(start)
    while w <= end:
        weeks.append(w)
        w += timedelta(days=7)
    return _sentiment_points(groups, weeks)


# ---- critical calls and the review queue --------------------------------------------------------------------
def critical_calls(audits: Sequence[Row], below: float = CRITICAL_BELOW) -> list[Row]:
    """Calls scoring under ``below``, worst first."""
    rows = [r for r in audits if r.get("quality_score") is not None and r["quality_score"] < below]
    return sorted(rows, key=lambda r: (r["quality_score"], str(r.get("start_local") or ""), r.get("call_sid") or ""))


PRIORITY_ORDER = {"critical": 0, "high": 1, "normal": 2}
PRIORITY_LABELS = {"critical": "Crítica", "high": "Alta", "normal": "Normal"}


def order_review_queue(rows: Sequence[Row]) -> list[Row]:
    """Critical first, then high, then normal; within a priority the lowest score (unscored last) first."""
    def key(r: Row):
        score = r.get("quality_score")
        return (PRIORITY_ORDER.get(str(r.get("priority")), 3), score is None, score if score is not None else 0.0,
                str(r.get("start_local") or ""), r.get("call_sid") or "")

    return sorted(rows, key=key)


def category_counts(audits: Sequence[Row], order: Sequence[str]) -> list[tuple[str, int]]:
    counts = Counter(str(r.get("quality_category")) for r in audits)
    known = [(c, counts.pop(c, 0)) for c in order]
    return known + sorted(counts.items())


@dataclass
class DriverStat:
    driver: str
    label: str
    calls: int
    share: float
    avg_score: float | None
    attention_rate: float | None  # "Requiere Atención" among scored calls
    escalations: int
    flagged: int  # low-confidence driver, for an analyst


def driver_summary(topics: Sequence[Row]) -> list[DriverStat]:
    """Calls per driver (most frequent first) with their quality beside them."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in topics:
        groups[str(r.get("driver") or "otro")].append(r)
    total = len(topics)
    out = []
    for key, rows in groups.items():
        scored = [r for r in rows if r.get("quality_score") is not None]
        out.append(DriverStat(
            key, str(rows[0].get("driver_label") or key), len(rows), len(rows) / total if total else 0.0,
            mean(r.get("quality_score") for r in scored),
            (sum(r.get("quality_category") == "Requiere Atención" for r in scored) / len(scored)) if scored else None,
            sum(bool(r.get("escalation_requested")) for r in rows), sum(bool(r.get("driver_needs_review")) for r in rows)))
    return sorted(out, key=lambda d: (-d.calls, d.label))


def drivers_by_day(topics: Sequence[Row], start: date, end: date, top: int = 5) -> tuple[list[date], dict[str, list[int]]]:
    """Daily call counts of the ``top`` most frequent drivers (the rest summed as "Otros motivos")."""
    ranked = [d.label for d in driver_summary(topics)]
    keep = ranked[:top]
    days = period_days(start, end)
    series: dict[str, list[int]] = {label: [0] * len(days) for label in keep}
    if len(ranked) > top:
        series["Otros motivos"] = [0] * len(days)
    index = {d: i for i, d in enumerate(days)}
    for r in topics:
        i = index.get(as_date(r.get("call_date")))
        if i is None:
            continue
        label = str(r.get("driver_label") or r.get("driver"))
        series[label if label in keep else "Otros motivos"][i] += 1
    return days, series


@dataclass
class SatisfactionSummary:
    surveyed: int  # calls with a survey answer in the period
    predicted: int  # calls with a prediction
    mean_surveyed: float | None  # 0-10
    mean_predicted_surveyed: float | None  # the model's (out-of-fold) prediction for the same surveyed calls
    mae: float | None  # |surveyed - predicted| over surveyed calls with a prediction (out-of-fold)
    coverage: float | None  # share of surveyed answers inside their interval
    unsurveyed_predicted: int
    note: str | None  # why there is no prediction, when none
    by_agent: list[tuple[str, float | None, float | None, int]]  # agent, mean surveyed, mean predicted, surveys


def satisfaction_summary(rows: Sequence[Row]) -> SatisfactionSummary:
    """Surveyed vs predicted satisfaction (0-10) over ``call_satisfaction`` rows; predictions of surveyed calls are
    out-of-fold in the mart, so the MAE here is a held-out figure."""
    surveyed = [r for r in rows if r.get("surveyed_score_0_10") is not None]
    both = [r for r in surveyed if r.get("predicted_score") is not None]
    inside = [r for r in both if r.get("predicted_low") is not None
              and r["predicted_low"] <= r["surveyed_score_0_10"] <= r["predicted_high"]]
    agents: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        agents[str(r.get("agent") or "—")].append(r)
    by_agent = sorted(((a, mean(r.get("surveyed_score_0_10") for r in rs), mean(r.get("predicted_score") for r in rs),
                        sum(r.get("surveyed_score_0_10") is not None for r in rs)) for a, rs in agents.items()),
                      key=lambda t: (t[2] is None, t[2] if t[2] is not None else 0.0, t[0]))
    notes = sorted({str(r["prediction_note"]) for r in rows if r.get("prediction_note")})
    return SatisfactionSummary(
        surveyed=len(surveyed), predicted=sum(r.get("predicted_score") is not None for r in rows),
        mean_surveyed=mean(r["surveyed_score_0_10"] for r in surveyed),
        mean_predicted_surveyed=mean(r["predicted_score"] for r in both),
        mae=mean(abs(r["surveyed_score_0_10"] - r["predicted_score"]) for r in both),
        coverage=len(inside) / len(both) if both else None,
        unsurveyed_predicted=sum(r.get("surveyed_score_0_10") is None and r.get("predicted_score") is not None
                                 for r in rows),
        note=notes[0] if notes and not both else None, by_agent=by_agent)


def at_risk(rows: Sequence[Row], limit: int = 10) -> list[Row]:
    """Calls without a survey whose predicted satisfaction is lowest (the customers to call back first)."""
    cands = [r for r in rows if r.get("surveyed_score_0_10") is None and r.get("predicted_score") is not None]
    return sorted(cands, key=lambda r: (r["predicted_score"], str(r.get("call_sid"))))[:limit]
