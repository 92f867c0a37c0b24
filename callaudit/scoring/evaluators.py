"""The auditor's evaluators: small steps with one interface, run in order by :func:`score_transcript`.

Each evaluator reads the call (:class:`Call`: the scorecard, its compiled matchers, who said what) and what the
evaluators before it found (:class:`Findings`), and adds its own part::

    class Evaluator(Protocol):
        name: str
        def evaluate(self, call: Call, found: Findings) -> None: ...

The order is the form's: protocol criteria, forbidden words, escalation, sentiment, conversation metrics, then the
score (components, critical errors, category) and the manual-review reasons, which read what the others found.
Another check (say, a compliance phrase) is one more evaluator in :data:`EVALUATORS`, and every number it uses
comes from the scorecard. Messages for the analyst come from :mod:`callaudit.scoring.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from callaudit.scoring.forms import NameCheck, similarity
from callaudit.scoring.matching import FormPhraseMatcher, Match, PhraseMatcher, find_name
from callaudit.scoring.messages import say
from callaudit.scoring.metrics import ConversationMetrics, conversation_metrics
from callaudit.scoring.normalize import TokenizedSegment, normalize
from callaudit.scoring.results import (
    MET,
    NA,
    NOT_MET,
    SPEAKERS_KNOWN,
    UNDETERMINED,
    CriterionResult,
    ReviewReason,
)
from callaudit.scoring.scorecard import Criterion, Scorecard
from callaudit.scoring.sentiment import SentimentEngine, SentimentReading


# ---- what the evaluators share --------------------------------------------------------------------------------
@dataclass
class Call:
    """One call as the evaluators see it (read-only)."""

    card: Scorecard
    compiled: Any  # audit._Compiled: the scorecard's matchers, built once per scorecard
    mode: str  # speaker_channels | mono_fallback
    duration: float
    segments: list  # the transcript's segments, in time order
    views: dict[str, list[TokenizedSegment]]  # "agent", "customer", "any" -> the segments that count for them
    other: dict[str, list[TokenizedSegment]]  # the other speaker's segments (negative evidence)
    agent_name: str | None
    confidence: float | None  # the recogniser's, over the call
    sentiment: SentimentEngine


@dataclass
class Findings:
    """What the evaluators found, filled in order."""

    criteria: dict[str, CriterionResult] = field(default_factory=dict)
    forbidden_hits: list[Match] = field(default_factory=list)
    doubtful_hits: list[tuple[Match, float]] = field(default_factory=list)  # heard with low confidence
    escalation_hits: list[Match] = field(default_factory=list)
    sentiment: SentimentReading | None = None
    customer_final: float | None = None
    customer_ends_upset: bool | None = None
    metrics: ConversationMetrics | None = None
    components: list[dict[str, Any]] = field(default_factory=list)
    quality: float | None = None
    critical: list[dict[str, Any]] = field(default_factory=list)
    category: str = ""
    category_reason: str = ""
    review: list[ReviewReason] = field(default_factory=list)

    @property
    def forbidden_words(self) -> list[str]:
        return list(dict.fromkeys(m.phrase for m in self.forbidden_hits))

    @property
    def possible_forbidden_words(self) -> list[str]:
        sure = set(self.forbidden_words)
        return [w for w in dict.fromkeys(m.phrase for m, _ in self.doubtful_hits) if w not in sure]

    def with_status(self, status: str) -> list[str]:
        return [k for k, r in self.criteria.items() if r.status == status]


class Evaluator(Protocol):
    name: str

    def evaluate(self, call: Call, found: Findings) -> None: ...


# ---- protocol criteria ------------------------------------------------------------------------------------------
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


def first_name(agent_name: str | None) -> str | None:
    """"María López" / "maria.lopez" -> "maria" (normalised), None when unknown."""
    if not agent_name:
        return None
    parts = normalize(agent_name.replace(".", " ").replace("_", " ")).split()
    return parts[0] if parts and parts[0].isalpha() else None


class CriteriaEvaluator:
    """Each protocol criterion: a phrase heard (exactly or fuzzily) inside its window -> met; otherwise not met
    with negative evidence; N/A rules; "not determinable" when the decisive words were heard too unsurely."""

    name = "criteria"

    def evaluate(self, call: Call, found: Findings) -> None:
        card = call.card
        agent_first = first_name(call.agent_name)
        names = (AgentNameCheck(card.name_stopwords, card.known_names, call.agent_name, card.fuzzy_threshold)
                 if card.mode == "forms" else None)
        # the bare own name heard in the opening: v1 listens for the first name; forms for any part of the name
        # ("a la Ríos" is what a recogniser kept of "le habla Leidy Johana Ríos")
        own_names = tuple(p for p in names.parts if len(p) >= 4) if names is not None else ()
        for key, crit in card.criteria.items():
            segs = call.views[crit.speaker]
            verdict = judge(
                crit, call.compiled.criteria[key], segs, call.other.get(crit.speaker, []), call.duration,
                agent_name=agent_first if crit.agent_name else None, threshold=card.name_threshold,
                names=names, own_names=own_names if crit.agent_name else (),
            )
            found.criteria[key] = second_guess(
                verdict, crit, segs, call.duration, call.compiled.near_misses.get(key), names,
                card.undetermined_below if call.mode == SPEAKERS_KNOWN else None)


def second_guess(res: CriterionResult, crit: Criterion, segs: list[TokenizedSegment], duration: float,
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
    for seg in window_of(crit, segs, duration)[0]:
        m = near_miss.best_in_segment(seg, loose)
        if m is None:
            continue
        prob = seg.mean_probability(m.first_token, m.last_token)
        if prob is not None and prob < min_confidence:
            res.confidence = prob
            res.reason = say("criterion.undetermined", heard=m.heard, start=m.start, label=crit.label,
                             probability=prob, limit=min_confidence)
            res.status, res.earned, res.match = UNDETERMINED, 0.0, m
            break
    return res


def _in_window(m: Match, w, in_turns: set[int], duration: float) -> bool:
    if w.anywhere or m.segment in in_turns:
        return True
    if w.first_seconds is not None and m.start <= w.first_seconds:
        return True
    return w.last_seconds is not None and m.end >= duration - w.last_seconds


def window_of(crit: Criterion, segs: list[TokenizedSegment], duration: float):
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


def judge(
    crit: Criterion,
    matcher: PhraseMatcher | FormPhraseMatcher,
    segs: list[TokenizedSegment],
    other_segs: list[TokenizedSegment],
    duration: float,
    *,
    agent_name: str | None = None,
    threshold: float,
    names: NameCheck | None = None,
    own_names: tuple[str, ...] = (),
) -> CriterionResult:
    """One criterion's verdict with its evidence (``threshold``: how close a heard word must be to the agent's
    own name, from the scorecard's ``matching.name_threshold``)."""
    w = crit.window
    if crit.na_call_shorter_than is not None and duration < crit.na_call_shorter_than:
        return CriterionResult(crit.key, crit.label, NA, crit.weight, 0.0,
                               say("criterion.na_short_call", duration=duration, limit=crit.na_call_shorter_than))
    if not segs:
        if crit.na_no_agent_speech:
            return CriterionResult(crit.key, crit.label, NA, crit.weight, 0.0, say("criterion.na_no_speech"))
        return CriterionResult(crit.key, crit.label, NOT_MET, crit.weight, 0.0, say("criterion.no_speech"))

    window_segs, in_turns = window_of(crit, segs, duration)

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
        how = say("criterion.match_exact") if best.score >= 100 else say("criterion.match_fuzzy", score=best.score)
        # a phrase form is a grammar, not something an analyst wants to read in the reason (it is in the evidence)
        which = "" if "(" in best.phrase or "…" in best.phrase else say("criterion.match_phrase", phrase=best.phrase)
        return CriterionResult(crit.key, crit.label, MET, crit.weight, crit.weight,
                               say("criterion.met", heard=best.heard, start=best.start, how=how, which=which),
                               match=best)
    if agent_name:
        name_window = crit.agent_name_window or w
        name_segs, name_turns = window_of(replace(crit, window=name_window), segs, duration)
        for seg in name_segs:
            for name in own_names or (agent_name,):
                m = find_name(seg, name, threshold)
                if m is not None and names is not None and m.first_token > 0 \
                        and seg.tokens[m.first_token - 1].text in THIRD_PARTY_MARKERS:
                    continue  # "San Andrés", "mi compañera Laura", "la doctora Ruiz": someone else
                if m is not None and _in_window(m, name_window, name_turns, duration):
                    m.phrase = say("criterion.own_name_phrase", name=name)
                    return CriterionResult(
                        crit.key, crit.label, MET, crit.weight, crit.weight,
                        say("criterion.own_name", heard=m.heard, start=m.start, name=name, score=m.score), match=m)

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
    who = say(f"criterion.not_met_who_{crit.speaker}") if crit.speaker in ("agent", "customer") else ""
    where = "" if w.anywhere else say("criterion.not_met_where", window=w.describe())
    reason = say("criterion.not_met", label=crit.label, who=who, where=where)
    if outside:
        reason += say("criterion.heard_outside", heard=outside.heard, start=outside.start)
    if other:
        reason += say("criterion.heard_other_speaker", heard=other.heard, speaker=other.speaker, start=other.start)
    return CriterionResult(crit.key, crit.label, NOT_MET, crit.weight, 0.0, reason, outside_window=outside,
                           other_speaker=other)


# ---- forbidden words, escalation --------------------------------------------------------------------------------
class ForbiddenWordsEvaluator:
    """Forbidden expressions as whole words on the scorecard's channel (the agent's); a hit whose words the
    recogniser gave a mean probability below ``min_word_probability`` is only a *possible* forbidden word."""

    name = "forbidden_words"

    def evaluate(self, call: Call, found: Findings) -> None:
        gate = call.card.forbidden.min_word_probability
        for seg in call.views[call.card.forbidden.speaker]:
            for hit in call.compiled.forbidden.find(seg):
                prob = seg.mean_probability(hit.first_token, hit.last_token)
                if gate is not None and prob is not None and prob < gate:
                    found.doubtful_hits.append((hit, prob))
                else:
                    found.forbidden_hits.append(hit)


class EscalationEvaluator:
    """The customer asking for a supervisor, the Superintendencia, a complaint (the escalation phrases)."""

    name = "escalation"

    def evaluate(self, call: Call, found: Findings) -> None:
        matcher = call.compiled.escalation
        found.escalation_hits = [m for seg in call.views[call.card.escalation.speaker]
                                 if (m := matcher.best_in_segment(seg))]


# ---- sentiment, conversation metrics ----------------------------------------------------------------------------
class SentimentEvaluator:
    """The customer's and the agent's sentiment through the scorecard's engine, and whether the customer ends the
    call upset (their last ``ends_upset_turns`` turns below ``ends_upset_below``)."""

    name = "sentiment"

    def evaluate(self, call: Call, found: Findings) -> None:
        rules = call.card.sentiment
        known = call.mode == SPEAKERS_KNOWN
        found.sentiment = call.sentiment.read_call(call.views["customer"], call.views["agent"] if known else [],
                                                   call.duration)
        final_turns = call.views["customer"][-rules.ends_upset_turns:] if known else []
        found.customer_final = call.sentiment.read_turns(final_turns)
        found.customer_ends_upset = (None if found.customer_final is None or rules.ends_upset_below is None
                                     else found.customer_final < rules.ends_upset_below)


class ConversationMetricsEvaluator:
    """Talk time, silence, interruptions and speaking rate from the segment timings."""

    name = "conversation_metrics"

    def evaluate(self, call: Call, found: Findings) -> None:
        m = call.card.metrics
        found.metrics = conversation_metrics(call.segments, call.duration, min_overlap=m.min_overlap_seconds,
                                             turn_gap=m.turn_gap_seconds, long_silence=m.long_silence_seconds)


# ---- the score and the category ---------------------------------------------------------------------------------
class ScoreEvaluator:
    """``quality_score = 100 * earned / applicable weight`` over the criteria, forbidden words and customer
    sentiment; the form's critical errors; the category from the score, capped by critical errors and rules."""

    name = "score"

    def evaluate(self, call: Call, found: Findings) -> None:
        card = call.card
        components = [{"name": key, "weight": res.weight, "earned": res.earned,
                       "applicable": res.status not in (NA, UNDETERMINED)} for key, res in found.criteria.items()]
        fw = card.forbidden
        earned = fw.weight * max(0.0, 1.0 - len(found.forbidden_words) * fw.penalty_per_expression)
        components.append({"name": "forbidden_words", "weight": fw.weight, "earned": earned, "applicable": True})
        sr = card.sentiment
        customer = found.sentiment.customer if found.sentiment else None
        components.append({"name": "customer_sentiment", "weight": sr.weight,
                           "earned": 0.0 if customer is None else sr.weight * sr.earned_share(customer),
                           "applicable": customer is not None})
        for c in components:
            c["section"] = card.section_of(c["name"])
        found.components = components
        found.quality = quality_of(card, components)
        found.critical = critical_errors(card, found.criteria, found.forbidden_hits)
        found.category, found.category_reason = categorize(
            card, found.quality, missed=len(found.with_status(NOT_MET)),
            critical=[e["message"] for e in found.critical], ends_upset=found.customer_ends_upset,
            escalation=bool(found.escalation_hits), bucket=card.sentiment_bucket(customer))


def quality_of(card: Scorecard, components: list[dict[str, Any]]) -> float | None:
    protocol = [c for c in components if c["name"] in card.criteria and c["applicable"]]
    if not protocol:
        return None
    possible = sum(c["weight"] for c in components if c["applicable"])
    if possible <= 0:
        return None
    earned = sum(c["earned"] for c in components if c["applicable"])
    return round(100.0 * earned / possible, 1)


def section_scores(card: Scorecard, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for sec in card.sections:
        parts = [c for c in components if c["section"] == sec.key and c["applicable"]]
        possible = sum(c["weight"] for c in parts)
        earned = sum(c["earned"] for c in parts)
        out.append({"section": sec.key, "label": sec.label, "earned": round(earned, 3), "possible": round(possible, 3),
                    "score": round(100.0 * earned / possible, 1) if possible else None})
    return out


def critical_errors(card: Scorecard, criteria: dict[str, CriterionResult],
                    forbidden_hits: list[Match]) -> list[dict[str, Any]]:
    """The form's critical errors (errores críticos / auto-fail): what, and where in the call."""
    out: list[dict[str, Any]] = []
    if card.forbidden.critical:
        seen: set[str] = set()
        for m in forbidden_hits:
            if m.phrase in seen:
                continue
            seen.add(m.phrase)
            speaker = say(f"speaker.{m.speaker}") if m.speaker in ("agent", "customer", "unknown") else m.speaker
            out.append({"code": "forbidden_word", "component": "forbidden_words", "start": round(m.start, 2),
                        "speaker": m.speaker, "heard": m.heard,
                        "message": say("critical.forbidden_word", phrase=m.phrase, speaker=speaker, start=m.start,
                                       heard=m.heard)})
    for key, res in criteria.items():
        if res.critical and res.status == NOT_MET:
            out.append({"code": "critical_step_missed", "component": key, "start": None, "speaker": None,
                        "heard": None, "message": say("critical.step_missed", label=res.label)})
    return out


def categorize(card: Scorecard, quality: float | None, *, missed: int, critical: list[str],
               ends_upset: bool | None, escalation: bool, bucket: str | None) -> tuple[str, str]:
    """The category of a call: from its score, then capped by a critical error and by the form's category
    rules in order. Returns the category and why (Spanish, for the analyst). The evaluation applies the same
    function to an analyst's marks, so an expected category is computed exactly like an audited one."""
    category = card.category_for(quality)
    if quality is None:
        return category, say("category.unscored")
    reasons = [say("category.from_score", score=quality, category=category)]
    if critical:
        capped = card.worst_of(category, card.critical_category)
        reasons.append(say("category.critical", error=critical[0], category=capped))
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
            why = rule.reason or say(f"category.rule.{rule.when}", missed=missed)
            reasons.append(say("category.capped", why=why, category=rule.at_most))
            category = capped
    return category, "; ".join(reasons)


# ---- manual review ----------------------------------------------------------------------------------------------
class ReviewEvaluator:
    """Why an analyst should listen to this call, one coded reason per rule of the scorecard's ``review``."""

    name = "review"

    def evaluate(self, call: Call, found: Findings) -> None:
        r = call.card.review
        out = found.review
        for err in found.critical:
            if err["code"] != "forbidden_word":  # forbidden words have their own reason below
                out.append(ReviewReason("critical_error", say("review.critical_error", message=err["message"])))
        for key in found.with_status(UNDETERMINED):
            res = found.criteria[key]
            out.append(ReviewReason("undetermined", say("review.undetermined", label=res.label,
                                                        confidence=res.confidence)))
        q = found.quality
        if r.low_score_below is not None and q is not None and q < r.low_score_below:
            out.append(ReviewReason("low_score", say("review.low_score", score=q, limit=r.low_score_below)))
        if r.forbidden_word:
            out.extend(ReviewReason("forbidden_word", say("review.forbidden_word", word=w))
                       for w in found.forbidden_words)
            out.extend(ReviewReason("possible_forbidden_word", say("review.possible_forbidden_word", word=w))
                       for w in found.possible_forbidden_words)
        s = found.sentiment.customer if found.sentiment else None
        if r.very_negative_customer_below is not None and s is not None and s < r.very_negative_customer_below:
            out.append(ReviewReason("very_negative_customer", say("review.very_negative_customer", sentiment=s)))
        c = call.confidence
        if r.low_confidence_below is not None and c is not None and c < r.low_confidence_below:
            out.append(ReviewReason("low_confidence", say("review.low_confidence", confidence=c)))
        if r.escalation and found.escalation_hits:
            m = found.escalation_hits[0]
            out.append(ReviewReason("escalation", say("review.escalation", heard=m.heard, start=m.start)))


EVALUATORS: tuple[Evaluator, ...] = (
    CriteriaEvaluator(),
    ForbiddenWordsEvaluator(),
    EscalationEvaluator(),
    SentimentEvaluator(),
    ConversationMetricsEvaluator(),
    ScoreEvaluator(),
    ReviewEvaluator(),
)
