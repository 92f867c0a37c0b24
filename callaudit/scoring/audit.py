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

from callaudit.scoring.matching import ForbiddenMatcher, Match, PhraseMatcher, find_name
from callaudit.scoring.metrics import ConversationMetrics, conversation_metrics
from callaudit.scoring.normalize import TokenizedSegment, normalize, tokenize_segment
from callaudit.scoring.scorecard import Criterion, Scorecard, cached_scorecard
from callaudit.scoring.sentiment import LexiconSentiment, SentimentEngine
from callaudit.transcript import Transcript

MET, NOT_MET, NA = "met", "not_met", "na"

# speaker_mode values
SPEAKERS_KNOWN = "speaker_channels"
MONO_FALLBACK = "mono_fallback"
NO_AGENT_SPEECH = "no_agent_speech"
TRANSCRIPTION_ERROR = "transcription_error"


@dataclass
class ReviewReason:
    code: str  # stable, for filters: low_score, forbidden_word, very_negative_customer, low_confidence, ...
    message: str  # Spanish, for the analyst

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class CriterionResult:
    key: str
    label: str
    status: str  # met | not_met | na
    weight: float
    earned: float
    reason: str
    match: Match | None = None
    outside_window: Match | None = None
    other_speaker: Match | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "label": self.label,
            "weight": self.weight,
            "earned": round(self.earned, 3),
            "reason": self.reason,
            "match": self.match.to_dict() if self.match else None,
            "outside_window": self.outside_window.to_dict() if self.outside_window else None,
            "other_speaker": self.other_speaker.to_dict() if self.other_speaker else None,
        }


@dataclass
class Audit:
    call_sid: str | None
    recording_sid: str | None
    scorecard_version: str
    transcription_engine: str | None
    speaker_mode: str
    has_greeting: bool
    has_identification: bool
    has_help_offer: bool
    has_farewell: bool
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

    @property
    def review_codes(self) -> list[str]:
        return list(dict.fromkeys(r.code for r in self.review_reasons))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``json.dumps(audit.to_dict())`` works)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("criteria", "review_reasons", "metrics")}
        out["review_reasons"] = [r.to_dict() for r in self.review_reasons]
        out["review_codes"] = self.review_codes
        out["metrics"] = self.metrics.to_dict() if self.metrics else None
        out["criteria"] = {k: c.to_dict() for k, c in self.criteria.items()}
        return out


# ---- compiled matchers, once per scorecard ----------------------------------------------------------------
@dataclass
class _Compiled:
    criteria: dict[str, PhraseMatcher]
    forbidden: ForbiddenMatcher
    escalation: PhraseMatcher
    lexicon: LexiconSentiment


def compile_scorecard(card: Scorecard) -> _Compiled:
    compiled = card._cache.get("compiled")
    if compiled is None:
        compiled = _Compiled(
            criteria={
                k: PhraseMatcher(c.phrases, card.fuzzy_threshold, card.name_stopwords, c.patterns)
                for k, c in card.criteria.items()
            },
            forbidden=ForbiddenMatcher(card.forbidden.expressions),
            escalation=PhraseMatcher(card.escalation.phrases, card.fuzzy_threshold, frozenset()),
            lexicon=LexiconSentiment.load(card.sentiment.lexicon),
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
) -> Audit:
    """Audit one transcript against a scorecard (default: the shipped one, compiled once per process).

    ``call_duration`` (seconds, e.g. Twilio's call ``duration``) wins over the transcript's own duration for
    position windows, quarters and the short-call N/A rule. ``agent_name`` (from the agent directory) lets
    criteria with ``agent_name: true`` (identification) accept the agent's own first name heard in the window.
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

    views = {"agent": agent_view, "customer": customer_view, "any": toks}
    other = {"agent": customer if mode == SPEAKERS_KNOWN else [], "customer": agent if mode == SPEAKERS_KNOWN else []}

    first_name = _first_name(agent_name)
    criteria: dict[str, CriterionResult] = {}
    for key, crit in card.criteria.items():
        criteria[key] = _judge(
            crit, comp.criteria[key], views[crit.speaker], other.get(crit.speaker, []), duration,
            agent_name=first_name if crit.agent_name else None, threshold=max(85.0, card.fuzzy_threshold),
        )

    # forbidden words: whole words, the agent's channel
    forbidden_hits: list[Match] = []
    doubtful_hits: list[tuple[Match, float]] = []
    gate = card.forbidden.min_word_probability
    for seg in views[card.forbidden.speaker]:
        for hit in comp.forbidden.find(seg):
            prob = seg.mean_probability(hit.first_token, hit.last_token)
            if gate is not None and prob is not None and prob < gate:
                doubtful_hits.append((hit, prob))
            else:
                forbidden_hits.append(hit)
    forbidden_words = list(dict.fromkeys(m.phrase for m in forbidden_hits))
    possible_words = [w for w in dict.fromkeys(m.phrase for m, _ in doubtful_hits) if w not in forbidden_words]

    # escalation: the customer's channel
    escalation_hits = [m for seg in views[card.escalation.speaker] if (m := comp.escalation.best_in_segment(seg))]

    # sentiment
    engine = sentiment_engine or comp.lexicon
    cust_overall, agent_overall, quarters, sentiment_words = _sentiment(
        engine, customer_view, agent_view if mode == SPEAKERS_KNOWN else [], duration
    )

    metrics = conversation_metrics(
        segments,
        duration,
        min_overlap=card.metrics.min_overlap_seconds,
        turn_gap=card.metrics.turn_gap_seconds,
        long_silence=card.metrics.long_silence_seconds,
    )

    # ---- score --------------------------------------------------------------------------------------------
    components: list[dict[str, Any]] = []
    for key, res in criteria.items():
        components.append({"name": key, "weight": res.weight, "earned": res.earned, "applicable": res.status != NA})
    fw = card.forbidden
    forbidden_earned = fw.weight * max(0.0, 1.0 - len(forbidden_words) * fw.penalty_per_expression)
    components.append({"name": "forbidden_words", "weight": fw.weight, "earned": forbidden_earned, "applicable": True})
    sr = card.sentiment
    if cust_overall is None:
        components.append({"name": "customer_sentiment", "weight": sr.weight, "earned": 0.0, "applicable": False})
    else:
        frac = (cust_overall - sr.zero_at) / (sr.full_at - sr.zero_at)
        earned = sr.weight * min(1.0, max(0.0, frac))
        components.append({"name": "customer_sentiment", "weight": sr.weight, "earned": earned, "applicable": True})
    quality = _quality(card, components)

    audit = Audit(
        call_sid=transcript.call_sid,
        recording_sid=transcript.recording_sid,
        scorecard_version=card.version,
        transcription_engine=transcript.engine,
        speaker_mode=mode,
        has_greeting=_met(criteria, "greeting"),
        has_identification=_met(criteria, "identification"),
        has_help_offer=_met(criteria, "help_offer"),
        has_farewell=_met(criteria, "farewell"),
        na_criteria=[k for k, r in criteria.items() if r.status == NA],
        missed_criteria=[k for k, r in criteria.items() if r.status == NOT_MET],
        forbidden_words=forbidden_words,
        sentiment_score=cust_overall,
        agent_sentiment=agent_overall,
        customer_sentiment_by_quarter=quarters,
        quality_score=quality,
        quality_category=card.category_for(quality),
        needs_manual_review=False,
        review_reasons=[],
        escalation_requested=bool(escalation_hits),
        transcription_confidence=confidence,
        metrics=metrics,
        criteria=criteria,
        possible_forbidden_words=possible_words,
    )
    audit.review_reasons = _review(card, audit, escalation_hits)
    audit.needs_manual_review = bool(audit.review_reasons)
    audit.evidence = {
        "speaker_mode": mode,
        "note": _mode_note(mode),
        "duration_seconds": round(duration, 2),
        "criteria": {k: r.to_dict() for k, r in criteria.items()},
        "forbidden_words": [m.to_dict() for m in forbidden_hits],
        "possible_forbidden_words": [{**m.to_dict(), "mean_word_probability": round(p, 3)} for m, p in doubtful_hits],
        "escalation": [m.to_dict() for m in escalation_hits],
        "sentiment": {"engine": engine.name, "customer_words": sentiment_words},
        "score": {
            "components": [{**c, "earned": round(c["earned"], 3)} for c in components],
            "earned": round(sum(c["earned"] for c in components if c["applicable"]), 3),
            "possible": sum(c["weight"] for c in components if c["applicable"]),
        },
    }
    return audit


def _met(criteria: dict[str, CriterionResult], key: str) -> bool:
    res = criteria.get(key)
    return bool(res and res.status == MET)


def _quality(card: Scorecard, components: list[dict[str, Any]]) -> float | None:
    protocol = [c for c in components if c["name"] in card.criteria and c["applicable"]]
    if not protocol:
        return None
    possible = sum(c["weight"] for c in components if c["applicable"])
    if possible <= 0:
        return None
    earned = sum(c["earned"] for c in components if c["applicable"])
    return round(100.0 * earned / possible, 1)


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
    return {
        SPEAKERS_KNOWN: "criterios y palabras prohibidas evaluados en el canal del agente; sentimiento y "
        "escalamiento en el del cliente",
        MONO_FALLBACK: "grabación mono sin hablantes identificados: se evaluó todo el texto (el cliente también "
        "cuenta); revisar la evidencia",
    }.get(mode, "")


# ---- one criterion ----------------------------------------------------------------------------------------
def _first_name(agent_name: str | None) -> str | None:
    """"María López" / "maria.lopez" -> "maria" (normalised), None when unknown."""
    if not agent_name:
        return None
    parts = normalize(agent_name.replace(".", " ").replace("_", " ")).split()
    return parts[0] if parts and parts[0].isalpha() else None


def _judge(
    crit: Criterion,
    matcher: PhraseMatcher,
    segs: list[TokenizedSegment],
    other_segs: list[TokenizedSegment],
    duration: float,
    *,
    agent_name: str | None = None,
    threshold: float = 85.0,
) -> CriterionResult:
    w = crit.window
    if crit.na_call_shorter_than is not None and duration < crit.na_call_shorter_than:
        return CriterionResult(
            crit.key, crit.label, NA, crit.weight, 0.0,
            f"no aplica: llamada de {duration:.0f} s (menos de {crit.na_call_shorter_than:g} s)",
        )
    if not segs:
        if crit.na_no_agent_speech:
            return CriterionResult(crit.key, crit.label, NA, crit.weight, 0.0, "no aplica: no hay voz que evaluar")
        return CriterionResult(crit.key, crit.label, NOT_MET, crit.weight, 0.0, "no hay voz que evaluar")

    in_turns: set[int] = set()
    in_time: list[TokenizedSegment] = []
    half = duration / 2.0
    if w.anywhere:
        window_segs = segs
    else:
        # turn windows never reach into the other half of the call: in a call with two agent turns the last
        # one is not "among the first two" for a greeting
        if w.first_turns:
            in_turns.update(s.index for s in segs[: w.first_turns] if s.start < half)
        if w.last_turns:
            in_turns.update(s.index for s in segs[-w.last_turns :] if s.end > half)
        if w.first_seconds is not None:
            in_time = [s for s in segs if s.start <= w.first_seconds]
        if w.last_seconds is not None:
            in_time = [s for s in segs if s.end >= duration - w.last_seconds]
        keep = in_turns | {s.index for s in in_time}
        window_segs = [s for s in segs if s.index in keep]

    def in_window(m: Match) -> bool:
        if w.anywhere or m.segment in in_turns:
            return True
        if w.first_seconds is not None and m.start <= w.first_seconds:
            return True
        return w.last_seconds is not None and m.end >= duration - w.last_seconds

    accepted: list[Match] = []
    rejected: list[Match] = []
    for seg in window_segs:
        m = matcher.best_in_segment(seg)
        if m is not None:
            (accepted if in_window(m) else rejected).append(m)
        if accepted and accepted[-1].score >= 100 and w.anywhere:
            break
    if accepted:
        # the first greeting, the last farewell; anywhere: the clearest hit
        if w.first_seconds is not None or w.first_turns:
            best = min(accepted, key=lambda m: m.start)
        elif w.last_seconds is not None or w.last_turns:
            best = max(accepted, key=lambda m: m.end)
        else:
            best = max(accepted, key=lambda m: (m.score, -m.start))
        how = "exacta" if best.score >= 100 else f"aproximada ({best.score:.0f}%)"
        return CriterionResult(
            crit.key, crit.label, MET, crit.weight, crit.weight,
            f"«{best.heard}» a los {best.start:.1f} s (coincidencia {how} con «{best.phrase}»)", match=best,
        )
    if agent_name:
        for seg in window_segs:
            m = find_name(seg, agent_name, threshold)
            if m is not None and in_window(m):
                m.phrase = f"nombre del agente: {agent_name}"
                return CriterionResult(
                    crit.key, crit.label, MET, crit.weight, crit.weight,
                    f"el agente dijo su nombre: «{m.heard}» a los {m.start:.1f} s (≈ {agent_name}, {m.score:.0f}%)",
                    match=m,
                )

    # negative evidence: heard outside the window? said by the other speaker?
    outside = rejected[0] if rejected else None
    if outside is None and not w.anywhere:
        window_ids = {s.index for s in window_segs}
        for seg in segs:
            if seg.index not in window_ids:
                outside = matcher.best_in_segment(seg)
                if outside:
                    break
    other = None
    for seg in other_segs:
        other = matcher.best_in_segment(seg)
        if other:
            break
    who = {"agent": "del agente", "customer": "del cliente"}.get(crit.speaker, "")
    where = "" if w.anywhere else f" en {w.describe()}"
    reason = f"ninguna frase de «{crit.label}» {who}{where}".replace("  ", " ")
    if outside:
        reason += f"; se oyó «{outside.heard}» a los {outside.start:.1f} s, fuera de la ventana"
    if other:
        reason += f"; «{other.heard}» lo dijo el otro hablante ({other.speaker}) a los {other.start:.1f} s"
    return CriterionResult(
        crit.key, crit.label, NOT_MET, crit.weight, 0.0, reason, outside_window=outside, other_speaker=other
    )


# ---- sentiment --------------------------------------------------------------------------------------------
def _sentiment(engine, customer_view, agent_view, duration):
    quarter_len = duration / 4.0 if duration > 0 else 0.0

    def quarter_of(t: float) -> int:
        if quarter_len <= 0:
            return 0
        return min(3, max(0, int(t // quarter_len)))

    if isinstance(engine, LexiconSentiment):
        # one pass per segment; each valence counts in the quarter where its word was said
        total = 0.0
        q_total = [0.0, 0.0, 0.0, 0.0]
        q_words = [False, False, False, False]
        words: dict[str, float] = {}
        for seg in customer_view:
            toks = seg.tokens
            for tok in toks:
                q_words[quarter_of(tok.start)] = True
            for i, n, v in engine.valences([t.text for t in toks], [t.brk for t in toks]):
                total += v
                q_total[quarter_of(toks[i].start)] += v
                key = " ".join(t.text for t in toks[i : i + n])
                words[key] = round(words.get(key, 0.0) + v, 3)
        overall = round(engine.squash(total), 4) if customer_view else None
        quarters = [round(engine.squash(q_total[q]), 4) if q_words[q] else None for q in range(4)]
        agent = engine.score_token_groups(seg.tokens for seg in agent_view)
        top = sorted(words.items(), key=lambda kv: -abs(kv[1]))[:10]
        return overall, agent, quarters, [{"word": k, "valence": v} for k, v in top]

    q_groups: list[list[list]] = [[], [], [], []]
    for seg in customer_view:
        parts: dict[int, list] = {}
        for tok in seg.tokens:
            parts.setdefault(quarter_of(tok.start), []).append(tok)
        for q, group in parts.items():
            q_groups[q].append(group)

    def text_of(groups) -> str:
        return " ".join(" ".join(t.text for t in g) for g in groups)

    def raw_text(segs) -> str:
        return " ".join(" ".join(s.raw_words) for s in segs)

    texts = [raw_text(customer_view), raw_text(agent_view)] + [text_of(g) for g in q_groups]
    scores = engine.score_texts(texts)
    return scores[0], scores[1], scores[2:6], []


# ---- manual review ----------------------------------------------------------------------------------------
def _review(card: Scorecard, audit: Audit, escalation_hits: list[Match]) -> list[ReviewReason]:
    r = card.review
    out: list[ReviewReason] = []
    if r.low_score_below is not None and audit.quality_score is not None and audit.quality_score < r.low_score_below:
        out.append(ReviewReason("low_score", f"puntaje bajo: {audit.quality_score:.1f} < {r.low_score_below:g}"))
    if r.forbidden_word:
        out.extend(ReviewReason("forbidden_word", f"palabra prohibida: {w}") for w in audit.forbidden_words)
        out.extend(ReviewReason("possible_forbidden_word", f"posible palabra prohibida (baja confianza del "
                                f"reconocedor, verificar en el audio): {w}") for w in audit.possible_forbidden_words)
    s = audit.sentiment_score
    if r.very_negative_customer_below is not None and s is not None and s < r.very_negative_customer_below:
        out.append(ReviewReason("very_negative_customer", f"cliente muy negativo: sentimiento {s:.2f}"))
    c = audit.transcription_confidence
    if r.low_confidence_below is not None and c is not None and c < r.low_confidence_below:
        out.append(ReviewReason("low_confidence", f"confianza de transcripción baja: {c:.2f}"))
    if r.escalation and escalation_hits:
        m = escalation_hits[0]
        out.append(ReviewReason("escalation", f"solicitud de escalamiento: «{m.heard}» ({m.start:.1f} s)"))
    return out


def _unscored(transcript, card, mode, duration, confidence, error, segments=None) -> Audit:
    reasons: list[ReviewReason] = []
    if mode == TRANSCRIPTION_ERROR and card.review.transcription_error:
        reasons.append(ReviewReason("transcription_error", f"error de transcripción: {error}"))
    if mode == NO_AGENT_SPEECH and card.review.no_agent_speech:
        reasons.append(ReviewReason("no_agent_speech", "sin voz del agente en la grabación: no se puede auditar"))
    if not reasons:  # the rules are off, but an unscored call still must not pass silently
        reasons.append(ReviewReason(mode, "llamada sin evaluar"))
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
        has_greeting=False,
        has_identification=False,
        has_help_offer=False,
        has_farewell=False,
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
        evidence={"speaker_mode": mode, "note": reasons[0].message, "duration_seconds": round(duration, 2)},
        error=error if mode == TRANSCRIPTION_ERROR else None,
    )


# ---- the flat row (twilio_call_audits) --------------------------------------------------------------------
# One place for the column list and types: the Spark schema is derived from it (see spark_ddl()).
AUDIT_COLUMNS: list[tuple[str, str]] = [
    ("call_sid", "string"),
    ("recording_sid", "string"),
    ("has_greeting", "boolean"),
    ("has_identification", "boolean"),
    ("has_help_offer", "boolean"),
    ("has_farewell", "boolean"),
    ("na_criteria", "array<string>"),
    ("missed_criteria", "array<string>"),
    ("forbidden_words", "array<string>"),
    ("possible_forbidden_words", "array<string>"),
    ("sentiment_score", "double"),
    ("agent_sentiment", "double"),
    ("customer_sentiment_by_quarter", "array<double>"),
    ("quality_score", "double"),
    ("quality_category", "string"),
    ("needs_manual_review", "boolean"),
    ("review_codes", "array<string>"),
    ("review_reasons", "array<string>"),
    ("escalation_requested", "boolean"),
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
    ("transcription_engine", "string"),
    ("audit_error", "string"),
    ("evidence_json", "string"),
]

_SPARK_TYPES = {
    "string": "STRING",
    "boolean": "BOOLEAN",
    "double": "DOUBLE",
    "int": "INT",
    "array<string>": "ARRAY<STRING>",
    "array<double>": "ARRAY<DOUBLE>",
}


def spark_ddl(columns: list[tuple[str, str]] | None = None) -> str:
    """``"call_sid STRING, has_greeting BOOLEAN, ..."`` — a DDL string Spark accepts as a UDF return type or
    for ``StructType.fromDDL`` (keeps this module free of pyspark)."""
    return ", ".join(f"{name} {_SPARK_TYPES[kind]}" for name, kind in (columns or AUDIT_COLUMNS))


def audit_to_row(audit: Audit) -> dict[str, Any]:
    """The audit as one flat row, keys and Python types exactly as ``AUDIT_COLUMNS`` says."""
    m = audit.metrics
    quarters = audit.customer_sentiment_by_quarter
    values: dict[str, Any] = {
        "call_sid": audit.call_sid,
        "recording_sid": audit.recording_sid,
        "has_greeting": audit.has_greeting,
        "has_identification": audit.has_identification,
        "has_help_offer": audit.has_help_offer,
        "has_farewell": audit.has_farewell,
        "na_criteria": list(audit.na_criteria),
        "missed_criteria": list(audit.missed_criteria),
        "forbidden_words": list(audit.forbidden_words),
        "possible_forbidden_words": list(audit.possible_forbidden_words),
        "sentiment_score": audit.sentiment_score,
        "agent_sentiment": audit.agent_sentiment,
        "customer_sentiment_by_quarter": list(quarters) if quarters is not None else None,
        "quality_score": audit.quality_score,
        "quality_category": audit.quality_category,
        "needs_manual_review": audit.needs_manual_review,
        "review_codes": audit.review_codes,
        "review_reasons": [r.message for r in audit.review_reasons],
        "escalation_requested": audit.escalation_requested,
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
        "transcription_engine": audit.transcription_engine,
        "audit_error": audit.error,
        "evidence_json": json.dumps(audit.evidence, ensure_ascii=False, separators=(",", ":")),
    }
    row: dict[str, Any] = {}
    for name, kind in AUDIT_COLUMNS:
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
    raise ValueError(f"unknown column type {kind}")  # pragma: no cover - AUDIT_COLUMNS is static


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
