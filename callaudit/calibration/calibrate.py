"""How often the auditor agrees with the analysts, and the analysts with each other — per criterion, per scorecard
version, per week — with the calls they disagree on and the auditor's evidence for each.

Pure Python over plain rows (the gold audits and ``qa_reviews``); the pipeline's ``calibration_agreement`` and
``calibration_disagreements`` tables and ``callaudit calibrate`` are computed by these same functions.

Rules (docs/REVIEW.md):

- each analyst's *latest* review of a call counts (a corrected review replaces the first);
- **auditor vs analyst** uses non-calibration reviews only (a calibration session is about the analysts);
  each (call, analyst) is one item;
- **analyst vs analyst** uses every call reviewed by two or more analysts (calibration sessions included); each
  pair of analysts on a call is one item;
- a step either side left undetermined/N/A is left out for that step (counted in ``n_excluded``); calls the
  auditor could not score (``audit_error``) are left out entirely;
- forbidden words: agreement on *whether* the call has any (the auditor's confirmed ``forbidden_words``);
- category: weighted (linear) kappa over the scorecard's ordered categories.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from callaudit.calibration.agreement import DEFAULT_RESAMPLES, DEFAULT_SEED, agreement

STEP_CRITERIA = [("greeting", "has_greeting"), ("identification", "has_identification"),
                 ("help_offer", "has_help_offer"), ("farewell", "has_farewell")]
CRITERIA = [c for c, _ in STEP_CRITERIA] + ["forbidden_words", "quality_category"]
AUDITOR = "auditor"
AUDITOR_VS_ANALYST = "auditor_vs_analyst"
ANALYST_VS_ANALYST = "analyst_vs_analyst"

AGREEMENT_COLUMNS: list[tuple[str, str]] = [
    ("comparison", "string"), ("scope", "string"), ("scope_value", "string"), ("criterion", "string"),
    ("n", "int"), ("n_excluded", "int"), ("agreement", "double"), ("kappa", "double"), ("kappa_low", "double"),
    ("kappa_high", "double"), ("weights", "string"), ("disagreements", "int"), ("labels", "array<string>"),
    ("confusion_json", "string"), ("bootstrap_seed", "int"), ("bootstrap_resamples", "int"),
]
DISAGREEMENT_COLUMNS: list[tuple[str, str]] = [
    ("comparison", "string"), ("call_sid", "string"), ("criterion", "string"), ("rater_a", "string"),
    ("verdict_a", "string"), ("rater_b", "string"), ("verdict_b", "string"), ("evidence", "string"),
    ("note", "string"), ("agent", "string"), ("scorecard_version", "string"), ("call_week", "string"),
    ("reviewed_at", "timestamp"),
]


def _get(row: Any, key: str, default=None):
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def _as_datetime(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    if not text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_week(value) -> str:
    when = _as_datetime(value)
    if when is None:
        return "unknown"
    year, week, _ = when.date().isocalendar()
    return f"{year}-W{week:02d}"


def verdict_text(value) -> str:
    if value is None:
        return "n/a"
    if value is True:
        return "sí"
    if value is False:
        return "no"
    return str(value)


@dataclass(frozen=True)
class AuditView:
    """The auditor's side of one call."""

    call_sid: str
    agent: str | None
    scorecard_version: str | None
    call_week: str
    verdicts: dict[str, Any]  # criterion -> bool | category | None
    evidence: dict[str, str]  # criterion -> the auditor's reason, in the analysts' words


@dataclass(frozen=True)
class ReviewView:
    call_sid: str
    reviewer: str
    reviewed_at: datetime
    is_calibration: bool
    verdicts: dict[str, Any]
    note: str


def _match_text(match: dict | None) -> str:
    if not match:
        return ""
    who = {"agent": "agente", "customer": "cliente"}.get(match.get("speaker"), match.get("speaker") or "")
    return f" — «{match.get('heard') or match.get('phrase')}» ({who}, {match.get('start', 0):.1f} s)"


def _evidence(evidence_json: str | None) -> dict[str, str]:
    try:
        ev = json.loads(evidence_json or "{}") or {}
    except (TypeError, ValueError):
        return {}
    out: dict[str, str] = {}
    for key, crit in (ev.get("criteria") or {}).items():
        out[key] = f"{crit.get('reason') or crit.get('status')}{_match_text(crit.get('match'))}"
    hits = ev.get("forbidden_words") or []
    out["forbidden_words"] = ("; ".join(f"«{h.get('heard') or h.get('phrase')}» ({h.get('start', 0):.1f} s)"
                                        for h in hits) or "ninguna palabra prohibida confirmada")
    doubtful = ev.get("possible_forbidden_words") or []
    if doubtful:
        out["forbidden_words"] += "; dudosas: " + ", ".join(f"«{h.get('heard') or h.get('phrase')}»"
                                                             for h in doubtful)
    cat = ev.get("category") or {}
    if cat:
        out["quality_category"] = f"{cat.get('name')}: {cat.get('reason') or ''}".strip().rstrip(":")
    return out


def audit_view(row: Any) -> AuditView | None:
    """The auditor's verdicts on a gold audit row; None when the call could not be scored."""
    if _get(row, "audit_error"):
        return None
    verdicts: dict[str, Any] = {c: _get(row, col) for c, col in STEP_CRITERIA}
    verdicts["forbidden_words"] = bool(list(_get(row, "forbidden_words") or []))
    verdicts["quality_category"] = _get(row, "quality_category")
    when = _get(row, "call_date") or _get(row, "start_time")
    return AuditView(call_sid=_get(row, "call_sid"), agent=_get(row, "agent"),
                     scorecard_version=_get(row, "scorecard_version"), call_week=iso_week(when),
                     verdicts=verdicts, evidence=_evidence(_get(row, "evidence_json")))


def review_view(row: Any) -> ReviewView:
    verdicts: dict[str, Any] = {c: _get(row, col) for c, col in STEP_CRITERIA}
    verdicts["forbidden_words"] = bool(list(_get(row, "forbidden_words") or []))
    verdicts["quality_category"] = _get(row, "quality_category") or None
    return ReviewView(call_sid=_get(row, "call_sid"), reviewer=_get(row, "reviewer"),
                      reviewed_at=_as_datetime(_get(row, "reviewed_at")),
                      is_calibration=bool(_get(row, "is_calibration")), verdicts=verdicts,
                      note=_get(row, "note") or "")


def latest_reviews(reviews: Iterable[Any], *, since: datetime | None = None) -> list[ReviewView]:
    """Each analyst's latest review of each call, kept apart for regular and calibration reviews (a calibration
    session does not replace the analyst's own review of the call); optionally only reviews done since ``since``."""
    latest: dict[tuple[str, str, bool], ReviewView] = {}
    for row in reviews:
        view = row if isinstance(row, ReviewView) else review_view(row)
        if since is not None and view.reviewed_at < since:
            continue
        key = (view.call_sid, view.reviewer, view.is_calibration)
        if key not in latest or view.reviewed_at >= latest[key].reviewed_at:
            latest[key] = view
    return sorted(latest.values(), key=lambda v: (v.call_sid, v.reviewer, v.is_calibration))


def _one_per_analyst(latest: list[ReviewView]) -> dict[str, list[ReviewView]]:
    """Per call, one review per analyst for analyst-vs-analyst: the calibration-session one when there is one."""
    chosen: dict[tuple[str, str], ReviewView] = {}
    for r in latest:
        held = chosen.get((r.call_sid, r.reviewer))
        if held is None or (r.is_calibration and not held.is_calibration):
            chosen[(r.call_sid, r.reviewer)] = r
    per_call: dict[str, list[ReviewView]] = defaultdict(list)
    for (sid, _), r in sorted(chosen.items()):
        per_call[sid].append(r)
    return per_call


def audits_by_call(audits: Iterable[Any]) -> dict[str, AuditView]:
    out: dict[str, AuditView] = {}
    for row in sorted(audits, key=lambda r: (str(_get(r, "call_sid")), str(_get(r, "recording_sid") or ""))):
        view = row if isinstance(row, AuditView) else audit_view(row)
        if view is not None and view.call_sid not in out:
            out[view.call_sid] = view
    return out


@dataclass
class _Item:
    call_sid: str
    a: Any
    b: Any
    rater_a: str
    rater_b: str
    evidence: str
    note: str
    agent: str | None
    version: str | None
    week: str
    reviewed_at: datetime | None


@dataclass
class Calibration:
    agreement: list[dict] = field(default_factory=list)
    disagreements: list[dict] = field(default_factory=list)
    reviews_used: int = 0
    calibration_reviews: int = 0
    seed: int = DEFAULT_SEED
    resamples: int = DEFAULT_RESAMPLES

    def rows(self, comparison: str = AUDITOR_VS_ANALYST, scope: str = "all") -> list[dict]:
        return [r for r in self.agreement if r["comparison"] == comparison and r["scope"] == scope]

    def to_json(self) -> dict:
        return {"reviews_used": self.reviews_used, "calibration_reviews": self.calibration_reviews,
                "bootstrap": {"seed": self.seed, "resamples": self.resamples},
                "agreement": self.agreement, "disagreements": self.disagreements}


def _labels(criterion: str, categories: Sequence[str]) -> tuple[list, str | None]:
    if criterion == "quality_category":
        return list(categories), "linear"
    return [True, False], None


def _summarise(comparison: str, scope: str, value: str, criterion: str, items: list[_Item], excluded: int,
               categories: Sequence[str], seed: int, resamples: int) -> dict:
    labels, weights = _labels(criterion, categories)
    result = agreement([i.a for i in items], [i.b for i in items], labels, weights=weights, seed=seed,
                       resamples=resamples)
    return {"comparison": comparison, "scope": scope, "scope_value": value, "criterion": criterion,
            "n": result.n, "n_excluded": excluded, "agreement": result.agreement, "kappa": result.kappa,
            "kappa_low": result.kappa_low, "kappa_high": result.kappa_high, "weights": weights or "none",
            "disagreements": result.disagreements, "labels": [verdict_text(x) for x in labels],
            "confusion_json": json.dumps([list(r) for r in result.confusion]),
            "bootstrap_seed": seed, "bootstrap_resamples": resamples}


def _items(pairs: Iterable[tuple[Any, Any, dict]], criterion: str, categories: Sequence[str]):
    """Split candidate (a, b, context) pairs into usable items and a count of excluded ones."""
    usable, excluded = [], 0
    valid = set(categories) if criterion == "quality_category" else {True, False}
    for a, b, ctx in pairs:
        if a not in valid or b not in valid:
            excluded += 1
            continue
        usable.append(_Item(a=a, b=b, **ctx))
    return usable, excluded


def calibrate(audits: Iterable[Any], reviews: Iterable[Any], categories: Sequence[str], *,
              since: datetime | None = None, seed: int = DEFAULT_SEED,
              resamples: int = DEFAULT_RESAMPLES) -> Calibration:
    """Agreement tables and disagreement lists from gold audit rows and ``qa_reviews`` rows."""
    by_call = audits_by_call(audits)
    latest = latest_reviews(reviews, since=since)
    out = Calibration(seed=seed, resamples=resamples)
    own = [r for r in latest if not r.is_calibration and r.call_sid in by_call]
    out.reviews_used = len(own)
    out.calibration_reviews = sum(1 for r in latest if r.is_calibration)

    # auditor vs analyst
    for criterion in CRITERIA:
        pairs = []
        for r in own:
            audit = by_call[r.call_sid]
            pairs.append((audit.verdicts[criterion], r.verdicts[criterion], {
                "call_sid": r.call_sid, "rater_a": AUDITOR, "rater_b": r.reviewer,
                "evidence": audit.evidence.get(criterion, ""), "note": r.note, "agent": audit.agent,
                "version": audit.scorecard_version, "week": audit.call_week, "reviewed_at": r.reviewed_at}))
        _add(out, AUDITOR_VS_ANALYST, criterion, pairs, categories, seed, resamples, by_version=True)

    # analyst vs analyst (calibration sessions and any call two analysts reviewed)
    per_call = _one_per_analyst(latest)
    for criterion in CRITERIA:
        pairs = []
        for sid, group in sorted(per_call.items()):
            audit = by_call.get(sid)
            for i, first in enumerate(group):
                for second in group[i + 1:]:
                    pairs.append((first.verdicts[criterion], second.verdicts[criterion], {
                        "call_sid": sid, "rater_a": first.reviewer, "rater_b": second.reviewer,
                        "evidence": audit.evidence.get(criterion, "") if audit else "",
                        "note": " | ".join(n for n in (first.note, second.note) if n),
                        "agent": audit.agent if audit else None,
                        "version": audit.scorecard_version if audit else None,
                        "week": audit.call_week if audit else iso_week(second.reviewed_at),
                        "reviewed_at": max(first.reviewed_at, second.reviewed_at)}))
        if pairs:
            _add(out, ANALYST_VS_ANALYST, criterion, pairs, categories, seed, resamples, by_version=False)
    return out


def _add(out: Calibration, comparison: str, criterion: str, pairs: list, categories: Sequence[str], seed: int,
         resamples: int, *, by_version: bool) -> None:
    items, excluded = _items(pairs, criterion, categories)
    out.agreement.append(_summarise(comparison, "all", "", criterion, items, excluded, categories, seed,
                                    resamples))
    scopes = [("week", lambda i: i.week)]
    if by_version:
        scopes.insert(0, ("scorecard_version", lambda i: i.version or "unknown"))
    for scope, key in scopes:
        groups: dict[str, list[_Item]] = defaultdict(list)
        for item in items:
            groups[key(item)].append(item)
        for value in sorted(groups):
            out.agreement.append(_summarise(comparison, scope, value, criterion, groups[value], 0, categories,
                                            seed, resamples))
    for item in items:
        if item.a != item.b:
            out.disagreements.append({
                "comparison": comparison, "call_sid": item.call_sid, "criterion": criterion,
                "rater_a": item.rater_a, "verdict_a": verdict_text(item.a), "rater_b": item.rater_b,
                "verdict_b": verdict_text(item.b), "evidence": item.evidence, "note": item.note,
                "agent": item.agent, "scorecard_version": item.version, "call_week": item.week,
                "reviewed_at": item.reviewed_at})


@dataclass
class Comparison:
    """Two scorecard versions on the same reviewed calls: which agrees better, and which verdicts changed."""

    version_a: str
    version_b: str
    a: Calibration
    b: Calibration
    changes: list[dict]
    calls: int

    def summary(self) -> list[dict]:
        rows = []
        for ra, rb in zip(self.a.rows(), self.b.rows(), strict=True):
            # kappa decides when both are defined; when one is not (a version that says the same on every
            # reviewed call has no kappa), raw agreement is the only measure left, and it still decides
            better = None
            if ra["kappa"] is not None and rb["kappa"] is not None and ra["kappa"] != rb["kappa"]:
                better = self.version_a if ra["kappa"] > rb["kappa"] else self.version_b
            elif (None in (ra["kappa"], rb["kappa"]) and None not in (ra["agreement"], rb["agreement"])
                  and ra["agreement"] != rb["agreement"]):
                better = self.version_a if ra["agreement"] > rb["agreement"] else self.version_b
            rows.append({"criterion": ra["criterion"], "n": rb["n"],
                         f"kappa_{self.version_a}": ra["kappa"], f"kappa_{self.version_b}": rb["kappa"],
                         f"agreement_{self.version_a}": ra["agreement"],
                         f"agreement_{self.version_b}": rb["agreement"], "agrees_better": better})
        return rows

    def to_json(self) -> dict:
        return {"version_a": self.version_a, "version_b": self.version_b, "reviewed_calls": self.calls,
                "summary": self.summary(), "changes": self.changes,
                "agreement": {self.version_a: self.a.agreement, self.version_b: self.b.agreement}}


def compare(audits_a: Iterable[Any], audits_b: Iterable[Any], reviews: Iterable[Any], categories: Sequence[str],
            *, version_a: str, version_b: str, since: datetime | None = None, seed: int = DEFAULT_SEED,
            resamples: int = DEFAULT_RESAMPLES) -> Comparison:
    """Agreement of each version with the analysts on the calls both versions audited and an analyst reviewed."""
    va, vb = audits_by_call(audits_a), audits_by_call(audits_b)
    common = set(va) & set(vb)
    latest = [r for r in latest_reviews(reviews, since=since) if r.call_sid in common]
    reviewed = {r.call_sid for r in latest if not r.is_calibration}
    rows_a = [va[s] for s in sorted(reviewed)]
    rows_b = [vb[s] for s in sorted(reviewed)]
    cal_a = calibrate(rows_a, latest, categories, seed=seed, resamples=resamples)
    cal_b = calibrate(rows_b, latest, categories, seed=seed, resamples=resamples)
    by_call: dict[str, list[ReviewView]] = defaultdict(list)
    for r in latest:
        if not r.is_calibration:
            by_call[r.call_sid].append(r)
    changes = []
    for sid in sorted(reviewed):
        for criterion in CRITERIA:
            a, b = va[sid].verdicts[criterion], vb[sid].verdicts[criterion]
            if a == b:
                continue
            analysts = [(r.reviewer, r.verdicts[criterion]) for r in by_call[sid]]
            judged = [v for _, v in analysts if v is not None]
            agree_a, agree_b = sum(v == a for v in judged), sum(v == b for v in judged)
            changes.append({
                "call_sid": sid, "agent": vb[sid].agent, "criterion": criterion,
                version_a: verdict_text(a), version_b: verdict_text(b),
                "analysts": "; ".join(f"{who}: {verdict_text(v)}" for who, v in analysts),
                "closer_to_analysts": (version_b if agree_b > agree_a else version_a if agree_a > agree_b
                                       else "tie"),
                f"evidence_{version_b}": vb[sid].evidence.get(criterion, "")})
    return Comparison(version_a=version_a, version_b=version_b, a=cal_a, b=cal_b, changes=changes,
                      calls=len(reviewed))

