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
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from callaudit.scoring.forms import NameCheck, similarity
from callaudit.scoring.matching import ForbiddenMatcher, FormPhraseMatcher, Match, PhraseMatcher, find_name
from callaudit.scoring.metrics import ConversationMetrics, conversation_metrics
from callaudit.scoring.normalize import TokenizedSegment, normalize, tokenize_segment
from callaudit.scoring.scorecard import Criterion, Scorecard, cached_scorecard
from callaudit.scoring.sentiment import LexiconSentiment, SentimentEngine
from callaudit.transcript import Transcript

MET, NOT_MET, NA, UNDETERMINED = "met", "not_met", "na", "undetermined"

SPEAKER_ES = {"agent": "agente", "customer": "cliente", "unknown": "hablante sin identificar"}

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
    status: str  # met | not_met | na | undetermined (the recogniser was too unsure to tell: review)
    weight: float
    earned: float
    reason: str
    match: Match | None = None
    outside_window: Match | None = None
    other_speaker: Match | None = None
    confidence: float | None = None  # the recogniser's mean word probability over the decisive words
    critical: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "critical": self.critical,
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


# ---- who is a name ----------------------------------------------------------------------------------------
# words before a name that make it someone else's ("la doctora Ruiz", "mi compañera Laura", "San Andrés"). Not
# articles: a recogniser often hears "le habla Ríos" as "a la Ríos".
THIRD_PARTY_MARKERS = frozenset({
    "san", "santa", "don", "dona", "doctor", "doctora", "dr", "dra",
    "companero", "companera", "colega", "supervisor", "supervisora", "jefe", "jefa", "ingeniero", "ingeniera",
    "senor", "senora", "senorita", "licenciado", "licenciada", "profesor", "profesora",
})


class AgentNameCheck(NameCheck):
    """What may fill a ``{name}`` slot in an audit: the agent's own directory name (any part of it, a nickname
    made of its first letters or syllables, or a recogniser's near-miss of it), any first name of the scorecard's
    list, and — only when the agent's name is unknown — any other word that is not a stopword. A company or a
    common word after "le habla" is then not taken for the agent's name."""

    def __init__(self, stopwords: frozenset[str], known: frozenset[str], agent_name: str | None, threshold: float):
        super().__init__(stopwords)
        self.known = known
        self.threshold = threshold
        parts = [p for p in normalize((agent_name or "").replace(".", " ").replace("_", " ")).split()
                 if p.isalpha() and len(p) >= 2]
        self.parts = tuple(parts)
        # "María Fernanda" -> "mafe", "María José" -> "majo": the usual Colombian nickname of a double name
        self.nicknames = {parts[0][:2] + parts[1][:2]} if len(parts) >= 3 else set()

    def own(self, token: str) -> bool:
        if token in self.nicknames:
            return True
        for part in self.parts:
            if similarity(token, part, self.threshold):
                return True
            if len(token) >= 3 and len(part) >= 5 and part.startswith(token):  # "Caro" for Carolina
                return True
        return False

    def __call__(self, token: str, open_slot: bool = False) -> str | None:
        if not token.isalpha() or len(token) < 2 or token in self.stopwords:
            return None
        if self.own(token):
            return "agent"
        if token in self.known:
            return "known_name"
        if open_slot:  # "mi nombre es Bethania": the recogniser's rendering of a name is still a name
            return "word" if len(token) >= 3 else None
        return None if self.parts else "word"


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
    names = (AgentNameCheck(card.name_stopwords, card.known_names, agent_name, card.fuzzy_threshold)
             if card.mode == "forms" else None)
    # the bare own name heard in the opening: v1 listens for the first name; forms for any part of the name
    # ("a la Ríos" is what a recogniser kept of "le habla Leidy Johana Ríos")
    own_names = tuple(p for p in names.parts if len(p) >= 4) if names is not None else ()
    criteria: dict[str, CriterionResult] = {}
    for key, crit in card.criteria.items():
        verdict = _judge(
            crit, comp.criteria[key], views[crit.speaker], other.get(crit.speaker, []), duration,
            agent_name=first_name if crit.agent_name else None, threshold=max(85.0, card.fuzzy_threshold),
            names=names, own_names=own_names if crit.agent_name else (),
        )
        criteria[key] = _second_guess(verdict, crit, views[crit.speaker], duration, comp.near_misses.get(key), names,
                                      card.undetermined_below if mode == SPEAKERS_KNOWN else None)

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
    final_turns = customer_view[-card.sentiment.ends_upset_turns:] if mode == SPEAKERS_KNOWN else []
    cust_final = _final_sentiment(engine, final_turns)
    ends_upset = (None if cust_final is None or card.sentiment.ends_upset_below is None
                  else cust_final < card.sentiment.ends_upset_below)

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
        components.append({"name": key, "weight": res.weight, "earned": res.earned,
                           "applicable": res.status not in (NA, UNDETERMINED)})
    fw = card.forbidden
    forbidden_earned = fw.weight * max(0.0, 1.0 - len(forbidden_words) * fw.penalty_per_expression)
    components.append({"name": "forbidden_words", "weight": fw.weight, "earned": forbidden_earned, "applicable": True})
    sr = card.sentiment
    if cust_overall is None:
        components.append({"name": "customer_sentiment", "weight": sr.weight, "earned": 0.0, "applicable": False})
    else:
        earned = sr.weight * sr.earned_share(cust_overall)
        components.append({"name": "customer_sentiment", "weight": sr.weight, "earned": earned, "applicable": True})
    for c in components:
        c["section"] = card.section_of(c["name"])
    quality = _quality(card, components)
    critical = _critical_errors(card, criteria, forbidden_hits)
    category, category_reason = _category(card, quality, criteria, critical, ends_upset, bool(escalation_hits),
                                          card.sentiment_bucket(cust_overall))

    audit = Audit(
        call_sid=transcript.call_sid,
        recording_sid=transcript.recording_sid,
        scorecard_version=card.version,
        transcription_engine=transcript.engine,
        speaker_mode=mode,
        steps={key: _met(criteria, key) for key in card.criteria},
        na_criteria=[k for k, r in criteria.items() if r.status == NA],
        missed_criteria=[k for k, r in criteria.items() if r.status == NOT_MET],
        forbidden_words=forbidden_words,
        sentiment_score=cust_overall,
        agent_sentiment=agent_overall,
        customer_sentiment_by_quarter=quarters,
        quality_score=quality,
        quality_category=category,
        needs_manual_review=False,
        review_reasons=[],
        escalation_requested=bool(escalation_hits),
        transcription_confidence=confidence,
        metrics=metrics,
        criteria=criteria,
        possible_forbidden_words=possible_words,
        undetermined_criteria=[k for k, r in criteria.items() if r.status == UNDETERMINED],
        critical_errors=critical,
        category_reason=category_reason,
        customer_final_sentiment=cust_final,
        customer_ends_upset=ends_upset,
        scorecard_checksum=card.checksum,
    )
    audit.review_reasons = _review(card, audit, escalation_hits)
    audit.needs_manual_review = bool(audit.review_reasons)
    audit.evidence = {
        "speaker_mode": mode,
        "note": _mode_note(mode),
        "duration_seconds": round(duration, 2),
        "scorecard": {"version": card.version, "checksum": card.checksum},
        "category": {"name": category, "reason": category_reason},
        "critical_errors": critical,
        "customer_final_sentiment": cust_final,
        "criteria": {k: r.to_dict() for k, r in criteria.items()},
        "forbidden_words": [m.to_dict() for m in forbidden_hits],
        "possible_forbidden_words": [{**m.to_dict(), "mean_word_probability": round(p, 3)} for m, p in doubtful_hits],
        "escalation": [m.to_dict() for m in escalation_hits],
        "sentiment": {"engine": engine.name, "customer_words": sentiment_words},
        "score": {
            "components": [{**c, "earned": round(c["earned"], 3)} for c in components],
            "earned": round(sum(c["earned"] for c in components if c["applicable"]), 3),
            "possible": sum(c["weight"] for c in components if c["applicable"]),
            "sections": _section_scores(card, components),
        },
    }
    return audit


def _met(criteria: dict[str, CriterionResult], key: str) -> bool | None:
    res = criteria.get(key)
    if res is not None and res.status == UNDETERMINED:
        return None
    return bool(res and res.status == MET)


def _section_scores(card: Scorecard, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for sec in card.sections:
        parts = [c for c in components if c["section"] == sec.key and c["applicable"]]
        possible = sum(c["weight"] for c in parts)
        earned = sum(c["earned"] for c in parts)
        out.append({"section": sec.key, "label": sec.label, "earned": round(earned, 3), "possible": round(possible, 3),
                    "score": round(100.0 * earned / possible, 1) if possible else None})
    return out


def _critical_errors(card: Scorecard, criteria: dict[str, CriterionResult],
                     forbidden_hits: list[Match]) -> list[dict[str, Any]]:
    """The form's critical errors (errores críticos / auto-fail): what, and where in the call."""
    out: list[dict[str, Any]] = []
    if card.forbidden.critical:
        seen: set[str] = set()
        for m in forbidden_hits:
            if m.phrase in seen:
                continue
            seen.add(m.phrase)
            out.append({"code": "forbidden_word", "component": "forbidden_words", "start": round(m.start, 2),
                        "speaker": m.speaker, "heard": m.heard,
                        "message": f"palabra prohibida «{m.phrase}» ({SPEAKER_ES.get(m.speaker, m.speaker)}, "
                                   f"{m.start:.1f} s: «{m.heard}»)"})
    for key, res in criteria.items():
        if res.critical and res.status == NOT_MET:
            out.append({"code": "critical_step_missed", "component": key, "start": None, "speaker": None,
                        "heard": None, "message": f"paso crítico omitido: {res.label}"})
    return out


def _category(card: Scorecard, quality: float | None, criteria: dict[str, CriterionResult],
              critical: list[dict[str, Any]], ends_upset: bool | None, escalation: bool,
              bucket: str | None) -> tuple[str, str]:
    missed = sum(1 for r in criteria.values() if r.status == NOT_MET)
    return categorize(card, quality, missed=missed, critical=[e["message"] for e in critical],
                      ends_upset=ends_upset, escalation=escalation, bucket=bucket)


def categorize(card: Scorecard, quality: float | None, *, missed: int, critical: list[str],
               ends_upset: bool | None, escalation: bool, bucket: str | None) -> tuple[str, str]:
    """The category of a call: from its score, then capped by a critical error and by the form's category
    rules in order. Returns the category and why (Spanish, for the analyst). The evaluation applies the same
    function to an analyst's marks, so an expected category is computed exactly like an audited one."""
    category = card.category_for(quality)
    if quality is None:
        return category, "llamada sin evaluar"
    reasons = [f"puntaje {quality:.1f} → {category}"]
    if critical:
        capped = card.worst_of(category, card.critical_category)
        reasons.append(f"error crítico ({critical[0]}) → {capped}")
        category = capped
    for rule in card.category_rules:
        holds = {
            "missed_steps": rule.at_least is not None and missed >= rule.at_least,
            "customer_ends_upset": bool(ends_upset),
            "escalation_requested": escalation,
            "customer_negative": bucket == "negative",
        }[rule.when]
        if not holds:
            continue
        capped = card.worst_of(category, rule.at_most)
        if capped != category:
            why = rule.reason or {"missed_steps": f"{missed} pasos del protocolo omitidos",
                                  "customer_ends_upset": "el cliente termina la llamada molesto",
                                  "escalation_requested": "el cliente pidió escalar",
                                  "customer_negative": "cliente con sentimiento negativo"}[rule.when]
            reasons.append(f"{why} → máximo {rule.at_most}")
            category = capped
    return category, "; ".join(reasons)


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


def _second_guess(res: CriterionResult, crit: Criterion, segs: list[TokenizedSegment], duration: float,
                  near_miss: FormPhraseMatcher | None, names: NameCheck | None,
                  min_confidence: float | None) -> CriterionResult:
    """The recogniser's confidence on a verdict, and "not determinable" for a step that looks missed although
    something like it was heard with low confidence ("le habla catemile" for "le habla Katherine", "en qué le
    puedo seguir"): for an analyst to hear, instead of a confident "missed". A step heard as met is not
    second-guessed: measured on the dev split end to end, "met" verdicts were right whatever the confidence."""
    res.critical = crit.critical
    if res.match is not None:
        seg = next((s for s in segs if s.index == res.match.segment), None)
        res.confidence = seg.mean_probability(res.match.first_token, res.match.last_token) if seg else None
    if min_confidence is None or near_miss is None or res.status != NOT_MET:
        return res
    loose = NameCheck(names.stopwords) if names is not None else None
    for seg in _window(crit, segs, duration)[0]:
        m = near_miss.best_in_segment(seg, loose)
        if m is None:
            continue
        prob = seg.mean_probability(m.first_token, m.last_token)
        if prob is not None and prob < min_confidence:
            res.confidence = prob
            res.reason = (f"no determinable: se oyó «{m.heard}» a los {m.start:.1f} s, parecido a «{crit.label}» pero "
                          f"con confianza {prob:.2f} (< {min_confidence:g}); escuchar el audio")
            res.status, res.earned, res.match = UNDETERMINED, 0.0, m
            break
    return res


def _in_window(m: Match, w, in_turns: set[int], duration: float) -> bool:
    if w.anywhere or m.segment in in_turns:
        return True
    if w.first_seconds is not None and m.start <= w.first_seconds:
        return True
    return w.last_seconds is not None and m.end >= duration - w.last_seconds


def _window(crit: Criterion, segs: list[TokenizedSegment], duration: float):
    """(segments inside the criterion's window, ids of segments inside by turn count)."""
    w = crit.window
    in_turns: set[int] = set()
    if w.anywhere:
        return segs, in_turns
    half = duration / 2.0
    in_time: list[TokenizedSegment] = []
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
    return [s for s in segs if s.index in keep], in_turns


def _judge(
    crit: Criterion,
    matcher: PhraseMatcher | FormPhraseMatcher,
    segs: list[TokenizedSegment],
    other_segs: list[TokenizedSegment],
    duration: float,
    *,
    agent_name: str | None = None,
    threshold: float = 85.0,
    names: NameCheck | None = None,
    own_names: tuple[str, ...] = (),
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

    window_segs, in_turns = _window(crit, segs, duration)

    def in_window(m: Match) -> bool:
        return _in_window(m, w, in_turns, duration)

    accepted: list[Match] = []
    rejected: list[Match] = []
    for seg in window_segs:
        m = matcher.best_in_segment(seg, names)
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
        # a phrase form is a grammar, not something an analyst wants to read in the reason (it is in the evidence)
        which = "" if "(" in best.phrase or "…" in best.phrase else f" con «{best.phrase}»"
        return CriterionResult(
            crit.key, crit.label, MET, crit.weight, crit.weight,
            f"«{best.heard}» a los {best.start:.1f} s (coincidencia {how}{which})", match=best,
        )
    if agent_name:
        name_window = crit.agent_name_window or w
        name_segs, name_turns = _window(replace(crit, window=name_window), segs, duration)
        for seg in name_segs:
            for name in own_names or (agent_name,):
                m = find_name(seg, name, threshold)
                if m is not None and names is not None and m.first_token > 0 \
                        and seg.tokens[m.first_token - 1].text in THIRD_PARTY_MARKERS:
                    continue  # "San Andrés", "mi compañera Laura", "la doctora Ruiz": someone else
                if m is not None and _in_window(m, name_window, name_turns, duration):
                    m.phrase = f"nombre del agente: {name}"
                    return CriterionResult(
                        crit.key, crit.label, MET, crit.weight, crit.weight,
                        f"el agente dijo su nombre: «{m.heard}» a los {m.start:.1f} s (≈ {name}, {m.score:.0f}%)",
                        match=m,
                    )

    # negative evidence: heard outside the window? said by the other speaker?
    outside = rejected[0] if rejected else None
    if outside is None and not w.anywhere:
        window_ids = {s.index for s in window_segs}
        for seg in segs:
            if seg.index not in window_ids:
                outside = matcher.best_in_segment(seg, names)
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


def _final_sentiment(engine, segs: list[TokenizedSegment]) -> float | None:
    """The customer's sentiment over their last turns (did they end the call upset?)."""
    if not segs:
        return None
    if isinstance(engine, LexiconSentiment):
        return engine.score_token_groups(seg.tokens for seg in segs)
    return engine.score_texts([" ".join(" ".join(s.raw_words) for s in segs)])[0]


# ---- manual review ----------------------------------------------------------------------------------------
def _review(card: Scorecard, audit: Audit, escalation_hits: list[Match]) -> list[ReviewReason]:
    r = card.review
    out: list[ReviewReason] = []
    for err in audit.critical_errors:
        if err["code"] != "forbidden_word":  # forbidden words have their own reason below
            out.append(ReviewReason("critical_error", f"error crítico: {err['message']}"))
    for key in audit.undetermined_criteria:
        res = audit.criteria[key]
        out.append(ReviewReason("undetermined", f"no determinable: {res.label} (confianza del reconocedor "
                                f"{res.confidence:.2f}; escuchar el audio)"))
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
        category_reason="llamada sin evaluar",
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
