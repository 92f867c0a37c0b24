"""The audit of one call: ``score_transcript(transcript, scorecard) -> Audit``, and its flat table row.

Pure Python and deterministic: the Spark pandas UDF ``score_call`` calls :func:`score_transcript` (or
:func:`audit_row_from_json`) once per row with a scorecard compiled once per worker (:func:`cached_scorecard`).

How a call is scored (the scorecard holds every number):

1. Which text counts. With speaker channels, protocol criteria and forbidden words look only at the agent's
   segments, escalation and customer sentiment only at the customer's. A mono transcript (speaker ``unknown``)
   falls back to all the text, and the evidence says so. No agent speech at all: nothing to judge.
2. Criteria: a phrase heard (exactly or fuzzily) inside the criterion's window -> met; otherwise not met, with
   negative evidence (nothing heard, or heard outside the window, or said by the other speaker). N/A rules (short
   call, no agent speech) take a criterion out of the denominator.
3. ``quality_score = 100 * earned / applicable weight`` over the criteria, the forbidden-words component (full
   weight without forbidden words, minus ``penalty_per_expression`` of it per distinct expression) and the
   customer-sentiment component (full at ``full_at`` or above, none at ``zero_at`` or below). When no protocol
   criterion is applicable (error, no agent speech) the call is not scored: ``quality_score`` is None and the
   category is the scorecard's ``unscored_category`` — averages then ignore it instead of counting a 0.
4. Category from the score rounded to one decimal; manual review with coded reasons.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from callaudit.scoring.evaluators import (  # noqa: F401 - categorize re-exported for the evaluation
    EVALUATORS,
    Call,
    Evaluator,
    Findings,
    categorize,
    section_scores,
)
from callaudit.scoring.matching import ForbiddenMatcher, FormPhraseMatcher, PhraseMatcher
from callaudit.scoring.messages import say
from callaudit.scoring.metrics import ConversationMetrics, conversation_metrics
from callaudit.scoring.normalize import tokenize_segment
from callaudit.scoring.results import (  # noqa: F401 - re-exported: the audit's vocabulary
    MET,
    MONO_FALLBACK,
    NA,
    NO_AGENT_SPEECH,
    NOT_MET,
    SPEAKERS_KNOWN,
    TRANSCRIPTION_ERROR,
    UNDETERMINED,
    CriterionResult,
    ReviewReason,
)
from callaudit.scoring.scorecard import Scorecard, cached_scorecard
from callaudit.scoring.sentiment import LexiconSentiment, SentimentEngine
from callaudit.transcript import Transcript


@dataclass
class Audit:
    call_sid: str | None
    recording_sid: str | None
    scorecard_version: str
    transcription_engine: str | None
    speaker_mode: str
    # criterion key -> met (True), not met or N/A (False), not determinable (None; see undetermined_criteria); in
    # the scorecard's order. Each becomes a ``has_<key>`` column, also readable as ``audit.has_<key>``.
    steps: dict[str, bool | None]
    na_criteria: list[str]
    missed_criteria: list[str]
    forbidden_words: list[str]
    sentiment_score: float | None  # the customer's, overall
    agent_sentiment: float | None
    customer_sentiment_by_quarter: list[float | None] | None
    quality_score: float | None
    quality_category: str
    needs_manual_review: bool
    review_reasons: list[ReviewReason]
    escalation_requested: bool
    transcription_confidence: float | None
    metrics: ConversationMetrics | None
    criteria: dict[str, CriterionResult] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    possible_forbidden_words: list[str] = field(default_factory=list)  # heard with low confidence: review only
    undetermined_criteria: list[str] = field(default_factory=list)
    critical_errors: list[dict[str, Any]] = field(default_factory=list)  # {code, component, message, start}
    category_reason: str = ""
    customer_final_sentiment: float | None = None  # the customer's last turns
    customer_ends_upset: bool | None = None
    scorecard_checksum: str = ""

    def __getattr__(self, name: str):
        steps = self.__dict__.get("steps") or {}
        if name.startswith("has_") and name[4:] in steps:
            return steps[name[4:]]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def review_codes(self) -> list[str]:
        return list(dict.fromkeys(r.code for r in self.review_reasons))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``json.dumps(audit.to_dict())`` works)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("criteria", "review_reasons", "metrics", "steps")}
        out.update({f"has_{k}": v for k, v in self.steps.items()})
        out["review_reasons"] = [r.to_dict() for r in self.review_reasons]
        out["review_codes"] = self.review_codes
        out["metrics"] = self.metrics.to_dict() if self.metrics else None
        out["criteria"] = {k: c.to_dict() for k, c in self.criteria.items()}
        return out


# ---- compiled matchers, once per scorecard ----------------------------------------------------------------
@dataclass
class _Compiled:
    criteria: dict[str, PhraseMatcher | FormPhraseMatcher]
    forbidden: ForbiddenMatcher
    escalation: PhraseMatcher | FormPhraseMatcher
    lexicon: LexiconSentiment
    near_misses: dict[str, FormPhraseMatcher] = field(default_factory=dict)  # the same forms, heard loosely


def compile_scorecard(card: Scorecard) -> _Compiled:
    compiled = card._cache.get("compiled")
    if compiled is None:
        near_misses = {}
        if card.mode == "forms":
            criteria = {k: FormPhraseMatcher(c.phrases, card.fuzzy_threshold, card.name_stopwords)
                        for k, c in card.criteria.items()}
            escalation = FormPhraseMatcher(card.escalation.phrases, card.fuzzy_threshold, frozenset())
            if card.undetermined_below is not None:
                near_misses = {k: FormPhraseMatcher(c.phrases, card.near_miss_threshold, card.name_stopwords)
                               for k, c in card.criteria.items()}
        else:
            criteria = {k: PhraseMatcher(c.phrases, card.fuzzy_threshold, card.name_stopwords, c.patterns)
                        for k, c in card.criteria.items()}
            escalation = PhraseMatcher(card.escalation.phrases, card.fuzzy_threshold, frozenset())
        compiled = _Compiled(
            criteria=criteria,
            forbidden=ForbiddenMatcher(card.forbidden.expressions),
            escalation=escalation,
            lexicon=LexiconSentiment.load(card.sentiment.lexicon),
            near_misses=near_misses,
        )
        card._cache["compiled"] = compiled
    return compiled


# ---- the audit --------------------------------------------------------------------------------------------
def score_transcript(
    transcript: Transcript,
    scorecard: Scorecard | None = None,
    call_duration: float | None = None,
    *,
    agent_name: str | None = None,
    sentiment_engine: SentimentEngine | None = None,
    evaluators: tuple[Evaluator, ...] = EVALUATORS,
) -> Audit:
    """Audit one transcript against a scorecard (default: the shipped one, compiled once per process).

    ``call_duration`` (seconds, e.g. Twilio's call ``duration``) wins over the transcript's own duration for
    position windows, quarters and the short-call N/A rule. ``agent_name`` (from the agent directory) lets
    criteria with ``agent_name: true`` (identification) accept the agent's own first name heard in the window.
    The work is done by ``evaluators`` (:mod:`callaudit.scoring.evaluators`), in order; this function decides
    which text counts, runs them and assembles the audit.
    """
    card = scorecard if scorecard is not None else cached_scorecard()
    comp = compile_scorecard(card)
    segments = sorted(transcript.segments, key=lambda s: (s.start, s.end))
    duration = _duration(transcript, call_duration, segments)
    confidence = _confidence(transcript)

    if transcript.error:
        return _unscored(transcript, card, TRANSCRIPTION_ERROR, duration, confidence, transcript.error)

    toks = [tokenize_segment(s, i) for i, s in enumerate(segments)]
    toks = [t for t in toks if t.tokens]
    agent = [t for t in toks if t.speaker == "agent"]
    customer = [t for t in toks if t.speaker == "customer"]
    if agent:
        mode, agent_view, customer_view = SPEAKERS_KNOWN, agent, customer
    elif any(t.speaker == "unknown" for t in toks):
        mode, agent_view, customer_view = MONO_FALLBACK, toks, toks
    else:
        return _unscored(transcript, card, NO_AGENT_SPEECH, duration, confidence, None, segments=segments)

    known = mode == SPEAKERS_KNOWN
    call = Call(card=card, compiled=comp, mode=mode, duration=duration, segments=segments,
                views={"agent": agent_view, "customer": customer_view, "any": toks},
                other={"agent": customer if known else [], "customer": agent if known else []},
                agent_name=agent_name, confidence=confidence, sentiment=sentiment_engine or comp.lexicon)
    found = Findings()
    for evaluator in evaluators:
        evaluator.evaluate(call, found)

    criteria = found.criteria
    reading = found.sentiment
    audit = Audit(
        call_sid=transcript.call_sid,
        recording_sid=transcript.recording_sid,
        scorecard_version=card.version,
        transcription_engine=transcript.engine,
        speaker_mode=mode,
        steps={key: _met(criteria, key) for key in card.criteria},
        na_criteria=found.with_status(NA),
        missed_criteria=found.with_status(NOT_MET),
        forbidden_words=found.forbidden_words,
        sentiment_score=reading.customer if reading else None,
        agent_sentiment=reading.agent if reading else None,
        customer_sentiment_by_quarter=reading.customer_by_quarter if reading else None,
        quality_score=found.quality,
        quality_category=found.category,
        needs_manual_review=bool(found.review),
        review_reasons=found.review,
        escalation_requested=bool(found.escalation_hits),
        transcription_confidence=confidence,
        metrics=found.metrics,
        criteria=criteria,
        possible_forbidden_words=found.possible_forbidden_words,
        undetermined_criteria=found.with_status(UNDETERMINED),
        critical_errors=found.critical,
        category_reason=found.category_reason,
        customer_final_sentiment=found.customer_final,
        customer_ends_upset=found.customer_ends_upset,
        scorecard_checksum=card.checksum,
    )
    components = found.components
    audit.evidence = {
        "speaker_mode": mode,
        "note": _mode_note(mode),
        "duration_seconds": round(duration, 2),
        "scorecard": {"version": card.version, "checksum": card.checksum},
        "category": {"name": found.category, "reason": found.category_reason},
        "critical_errors": found.critical,
        "customer_final_sentiment": found.customer_final,
        "criteria": {k: r.to_dict() for k, r in criteria.items()},
        "forbidden_words": [m.to_dict() for m in found.forbidden_hits],
        "possible_forbidden_words": [{**m.to_dict(), "mean_word_probability": round(p, 3)}
                                     for m, p in found.doubtful_hits],
        "escalation": [m.to_dict() for m in found.escalation_hits],
        "sentiment": {"engine": call.sentiment.name, "customer_words": reading.customer_words if reading else []},
        "score": {
            "components": [{**c, "earned": round(c["earned"], 3)} for c in components],
            "earned": round(sum(c["earned"] for c in components if c["applicable"]), 3),
            "possible": sum(c["weight"] for c in components if c["applicable"]),
            "sections": section_scores(card, components),
        },
    }
    return audit


def _met(criteria: dict[str, CriterionResult], key: str) -> bool | None:
    res = criteria.get(key)
    if res is not None and res.status == UNDETERMINED:
        return None
    return bool(res and res.status == MET)


def _duration(transcript: Transcript, call_duration: float | None, segments) -> float:
    if call_duration is not None and call_duration > 0:
        return float(call_duration)
    if transcript.duration_seconds:
        return float(transcript.duration_seconds)
    return max((float(s.end) for s in segments), default=0.0)


def _confidence(transcript: Transcript) -> float | None:
    if transcript.confidence is not None:
        return round(float(transcript.confidence), 4)
    num = den = 0.0
    for s in transcript.segments:
        if s.confidence is not None:
            w = max(float(s.end) - float(s.start), 0.01)
            num += w * float(s.confidence)
            den += w
    return round(num / den, 4) if den else None


def _mode_note(mode: str) -> str:
    return say(f"mode.{mode}") if mode in (SPEAKERS_KNOWN, MONO_FALLBACK) else ""


def _unscored(transcript, card, mode, duration, confidence, error, segments=None) -> Audit:
    reasons: list[ReviewReason] = []
    if mode == TRANSCRIPTION_ERROR and card.review.transcription_error:
        reasons.append(ReviewReason("transcription_error", say("review.transcription_error", error=error)))
    if mode == NO_AGENT_SPEECH and card.review.no_agent_speech:
        reasons.append(ReviewReason("no_agent_speech", say("review.no_agent_speech")))
    if not reasons:  # the rules are off, but an unscored call still must not pass silently
        reasons.append(ReviewReason(mode, say("review.unscored")))
    metrics = None
    if segments:
        metrics = conversation_metrics(
            segments, duration, min_overlap=card.metrics.min_overlap_seconds,
            turn_gap=card.metrics.turn_gap_seconds, long_silence=card.metrics.long_silence_seconds,
        )
    na = list(card.criteria)
    return Audit(
        call_sid=transcript.call_sid,
        recording_sid=transcript.recording_sid,
        scorecard_version=card.version,
        transcription_engine=transcript.engine,
        speaker_mode=mode,
        steps=dict.fromkeys(card.criteria, False),
        na_criteria=na,
        missed_criteria=[],
        forbidden_words=[],
        sentiment_score=None,
        agent_sentiment=None,
        customer_sentiment_by_quarter=None,
        quality_score=None,
        quality_category=card.unscored_category,
        needs_manual_review=True,
        review_reasons=reasons,
        escalation_requested=False,
        transcription_confidence=confidence,
        metrics=metrics,
        evidence={"speaker_mode": mode, "note": reasons[0].message, "duration_seconds": round(duration, 2),
                  "scorecard": {"version": card.version, "checksum": card.checksum}},
        error=error if mode == TRANSCRIPTION_ERROR else None,
        category_reason=say("category.unscored"),
        scorecard_checksum=card.checksum,
    )


# ---- the flat row (twilio_call_audits) --------------------------------------------------------------------
# One place for the column list and types: the Spark schema is derived from it (see spark_ddl()). Between the
# head and the tail, one ``has_<criterion>`` boolean per criterion of the scorecard, in its order: a criterion
# added to the YAML gets its column in the UDF, silver and gold without a code change.
HEAD_COLUMNS: list[tuple[str, str]] = [("call_sid", "string"), ("recording_sid", "string")]
TAIL_COLUMNS: list[tuple[str, str]] = [
    ("na_criteria", "array<string>"),
    ("missed_criteria", "array<string>"),
    ("undetermined_criteria", "array<string>"),
    ("forbidden_words", "array<string>"),
    ("possible_forbidden_words", "array<string>"),
    ("critical_errors", "array<string>"),
    ("sentiment_score", "double"),
    ("agent_sentiment", "double"),
    ("customer_sentiment_by_quarter", "array<double>"),
    ("quality_score", "double"),
    ("quality_category", "string"),
    ("category_reason", "string"),
    ("needs_manual_review", "boolean"),
    ("review_codes", "array<string>"),
    ("review_reasons", "array<string>"),
    ("escalation_requested", "boolean"),
    ("customer_final_sentiment", "double"),
    ("customer_ends_upset", "boolean"),
    ("transcription_confidence", "double"),
    ("speaker_mode", "string"),
    ("call_duration_seconds", "double"),
    ("agent_talk_seconds", "double"),
    ("customer_talk_seconds", "double"),
    ("talk_listen_ratio", "double"),
    ("silence_seconds", "double"),
    ("longest_silence_seconds", "double"),
    ("interruptions_by_agent", "int"),
    ("interruptions_by_customer", "int"),
    ("agent_words_per_minute", "double"),
    ("scorecard_version", "string"),
    ("scorecard_checksum", "string"),
    ("transcription_engine", "string"),
    ("audit_error", "string"),
    ("evidence_json", "string"),
]



def step_column(key: str) -> str:
    return f"has_{key}"


def audit_columns(card: Scorecard | None = None) -> list[tuple[str, str]]:
    """The audit row's columns and types for a scorecard (default: the shipped one)."""
    card = card if card is not None else cached_scorecard()
    return [*HEAD_COLUMNS, *((step_column(k), "boolean") for k in card.criteria), *TAIL_COLUMNS]



_SPARK_TYPES = {
    "string": "STRING",
    "boolean": "BOOLEAN",
    "double": "DOUBLE",
    "int": "INT",
    "array<string>": "ARRAY<STRING>",
    "array<double>": "ARRAY<DOUBLE>",
}


def spark_ddl(card_or_columns: Scorecard | list[tuple[str, str]] | None = None) -> str:
    """``"call_sid STRING, has_greeting BOOLEAN, ..."`` — a DDL string Spark accepts as a UDF return type or
    for ``StructType.fromDDL`` (keeps this module free of pyspark). Takes a scorecard (default: the shipped one)
    or a column list."""
    columns = card_or_columns if isinstance(card_or_columns, list) else audit_columns(card_or_columns)
    return ", ".join(f"{name} {_SPARK_TYPES[kind]}" for name, kind in columns)


def audit_to_row(audit: Audit) -> dict[str, Any]:
    """The audit as one flat row, keys and Python types exactly as :func:`audit_columns` says for its scorecard."""
    m = audit.metrics
    quarters = audit.customer_sentiment_by_quarter
    values: dict[str, Any] = {
        "call_sid": audit.call_sid,
        "recording_sid": audit.recording_sid,
        **{step_column(k): v for k, v in audit.steps.items()},
        "na_criteria": list(audit.na_criteria),
        "missed_criteria": list(audit.missed_criteria),
        "undetermined_criteria": list(audit.undetermined_criteria),
        "forbidden_words": list(audit.forbidden_words),
        "possible_forbidden_words": list(audit.possible_forbidden_words),
        "critical_errors": [e["message"] for e in audit.critical_errors],
        "sentiment_score": audit.sentiment_score,
        "agent_sentiment": audit.agent_sentiment,
        "customer_sentiment_by_quarter": list(quarters) if quarters is not None else None,
        "quality_score": audit.quality_score,
        "quality_category": audit.quality_category,
        "category_reason": audit.category_reason,
        "needs_manual_review": audit.needs_manual_review,
        "review_codes": audit.review_codes,
        "review_reasons": [r.message for r in audit.review_reasons],
        "escalation_requested": audit.escalation_requested,
        "customer_final_sentiment": audit.customer_final_sentiment,
        "customer_ends_upset": audit.customer_ends_upset,
        "transcription_confidence": audit.transcription_confidence,
        "speaker_mode": audit.speaker_mode,
        "call_duration_seconds": audit.evidence.get("duration_seconds"),
        "agent_talk_seconds": m.agent_talk_seconds if m else None,
        "customer_talk_seconds": m.customer_talk_seconds if m else None,
        "talk_listen_ratio": m.talk_listen_ratio if m else None,
        "silence_seconds": m.silence_seconds if m else None,
        "longest_silence_seconds": m.longest_silence_seconds if m else None,
        "interruptions_by_agent": m.interruptions_by_agent if m else None,
        "interruptions_by_customer": m.interruptions_by_customer if m else None,
        "agent_words_per_minute": m.agent_words_per_minute if m else None,
        "scorecard_version": audit.scorecard_version,
        "scorecard_checksum": audit.scorecard_checksum,
        "transcription_engine": audit.transcription_engine,
        "audit_error": audit.error,
        "evidence_json": json.dumps(audit.evidence, ensure_ascii=False, separators=(",", ":")),
    }
    row: dict[str, Any] = {}
    columns = [*HEAD_COLUMNS, *((step_column(k), "boolean") for k in audit.steps), *TAIL_COLUMNS]
    for name, kind in columns:
        row[name] = _coerce(values[name], kind)
    return row


def _coerce(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "double":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "boolean":
        return bool(value)
    if kind == "string":
        return str(value)
    if kind == "array<double>":
        return [None if v is None else float(v) for v in value]
    if kind == "array<string>":
        return [str(v) for v in value]
    raise ValueError(f"unknown column type {kind}")  # pragma: no cover - the column kinds are fixed


def audit_row_from_json(
    transcript_json: str | None,
    scorecard: Scorecard | str | None = None,
    call_duration: float | None = None,
    agent_name: str | None = None,
) -> dict[str, Any]:
    """For the Spark wrapper: one ``Transcript.to_json()`` string -> one flat row; never raises on bad input
    (an unreadable transcript becomes an unscored audit with ``audit_error`` set and manual review)."""
    card = scorecard if isinstance(scorecard, Scorecard) else cached_scorecard(scorecard)
    try:
        transcript = Transcript.from_json(transcript_json or "")
    except (ValueError, TypeError) as exc:
        broken = Transcript(recording_sid=None, call_sid=None, error=f"transcript unreadable: {exc}")
        return audit_to_row(score_transcript(broken, card, call_duration))
    return audit_to_row(score_transcript(transcript, card, call_duration, agent_name=agent_name))
