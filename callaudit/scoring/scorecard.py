"""The scorecard: versioned, declarative audit rules loaded from YAML and validated with file:line errors.

Like a Contact Lens evaluation form or a CCAI Insights phrase matcher, a scorecard says *what* to look for
(phrases per criterion, the speaker whose channel counts, where in the call), *how much it weighs* (weights that
sum to 100, N/A answers that leave the denominator) and *what to do with the result* (categories, manual-review
rules). The code only interprets it: changing the protocol is a data change with a new ``version`` string, and
every audit row records that version.

>>> card = load_scorecard()                       # scorecards/callaudit_v1.yml
>>> card.version
'callaudit-v1.0'
>>> card.category_for(82.0)
'Buena'

The file format is documented in the shipped scorecard itself (``scorecards/callaudit_v1.yml``).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from callaudit.errors import UserError
from callaudit.scoring.messages import say
from callaudit.scoring.normalize import normalize
from callaudit.scoring.yamlmarks import Marked, load_marked

SCORECARDS_DIR = Path(__file__).resolve().parents[2] / "scorecards"
DEFAULT_SCORECARD = SCORECARDS_DIR / "callaudit_v2.yml"
V1_SCORECARD = SCORECARDS_DIR / "callaudit_v1.yml"  # the first form (fixed phrases); still loads and scores
NAMES_FILE = Path(__file__).resolve().parent / "names_es.txt"

# The four protocol criteria of the original system; each becomes a has_<name> boolean column.
REQUIRED_CRITERIA = ("greeting", "identification", "help_offer", "farewell")
NAME_SLOT = "{name}"
HOTWORDS_MAX_CHARS = 300  # ~100 Whisper tokens; see Scorecard.hotwords


# ---- the compiled scorecard -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Phrase:
    text: str  # as written in the scorecard (display, ASR hotword)
    norm: str  # normalised fixed part (without the {name} slot)
    tokens: tuple[str, ...]
    name_slot: bool  # a name must follow the fixed part ("habla con {name}")
    fuzzy: bool  # long enough to be matched fuzzily; short phrases must be heard exactly
    line: int
    hotword: str | None = None  # how to say it to a recogniser (a form's first reading); None = ``text``


@dataclass(frozen=True)
class Window:
    """Where in the call a criterion counts. ``first_*`` and ``last_*`` are alternatives (either satisfies)."""

    first_seconds: float | None = None
    first_turns: int | None = None
    last_seconds: float | None = None
    last_turns: int | None = None

    @property
    def anywhere(self) -> bool:
        return all(v is None for v in (self.first_seconds, self.first_turns, self.last_seconds, self.last_turns))

    def describe(self) -> str:
        if self.anywhere:
            return say("window.anywhere")
        parts = [say(f"window.{k}", n=v) for k, v in (("first_seconds", self.first_seconds),
                                                       ("first_turns", self.first_turns),
                                                       ("last_seconds", self.last_seconds),
                                                       ("last_turns", self.last_turns)) if v is not None]
        return say("window.join").join(parts)


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: float
    speaker: str
    window: Window
    phrases: tuple[Phrase, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    na_call_shorter_than: float | None = None
    na_no_agent_speech: bool = True
    description: str = ""
    agent_name: bool = False  # the agent's own first name heard in the window also satisfies the criterion
    section: str = ""
    critical: bool = False  # missing it is a critical error: the call gets the scorecard's critical category
    hotwords: tuple[str, ...] = ()  # what to bias the recogniser with (default: the phrases' first readings)
    agent_name_window: Window | None = None  # where the bare own name counts (None: the criterion's window)


@dataclass(frozen=True)
class ForbiddenExpression:
    canonical: str  # as analysts see it in forbidden_words ("qué pereza")
    forms: tuple[tuple[str, ...], ...]  # normalised token sequences: the canonical form and every variant
    line: int


@dataclass(frozen=True)
class ForbiddenRules:
    label: str
    weight: float
    speaker: str
    penalty_per_expression: float
    expressions: tuple[ForbiddenExpression, ...]
    # A hit whose words the recogniser itself barely believed (mean word probability below this) is a *possible*
    # forbidden word: sent to manual review with its evidence, not counted in forbidden_words nor the score.
    # Biasing Whisper with the lexicon (hotwords) sometimes makes it "hear" a listed expression that was not said.
    min_word_probability: float | None = None
    critical: bool = False  # any forbidden expression is a critical error (auto-fail)
    section: str = ""


@dataclass(frozen=True)
class SentimentRules:
    label: str
    weight: float
    full_at: float  # customer sentiment at or above this earns the whole component
    zero_at: float  # at or below this earns nothing; linear in between
    negative_below: float  # buckets used by the evaluation and the KPI (negative / neutral / positive)
    positive_above: float
    lexicon: Path | None = None  # None = the lexicon shipped with callaudit
    # "linear": earned linearly between zero_at and full_at; "bucket": the share of the weight its bucket earns
    scoring: str = "linear"
    bucket_earn: tuple[tuple[str, float], ...] = (("negative", 0.0), ("neutral", 1.0), ("positive", 1.0))
    ends_upset_turns: int = 2  # the customer's last N turns decide whether they end the call upset
    ends_upset_below: float | None = None  # their sentiment below this = customer_ends_upset (None: not judged)
    section: str = ""

    def earned_share(self, score: float) -> float:
        if self.scoring == "bucket":
            bucket = ("negative" if score < self.negative_below
                      else "positive" if score > self.positive_above else "neutral")
            return dict(self.bucket_earn)[bucket]
        return min(1.0, max(0.0, (score - self.zero_at) / (self.full_at - self.zero_at)))


@dataclass(frozen=True)
class Category:
    name: str
    min_score: float


@dataclass(frozen=True)
class Section:
    """A part of the monitoring form (Apertura, Gestión, Cierre...): criteria grouped for the analyst."""

    key: str
    label: str
    weight: float | None  # None: the section weighs what its criteria weigh


@dataclass(frozen=True)
class CategoryRule:
    """A category rule of the form beyond score thresholds: when ``when`` holds, the category is at most
    ``at_most`` (categories are ordered best first)."""

    when: str
    at_most: str
    at_least: int | None = None  # for counts (missed_steps)
    reason: str = ""
    line: int = 0


@dataclass(frozen=True)
class ReviewRules:
    low_score_below: float | None
    forbidden_word: bool
    very_negative_customer_below: float | None
    low_confidence_below: float | None
    escalation: bool
    transcription_error: bool
    no_agent_speech: bool


@dataclass(frozen=True)
class EscalationRules:
    speaker: str
    phrases: tuple[Phrase, ...]
    hotwords: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricsRules:
    min_overlap_seconds: float
    turn_gap_seconds: float
    long_silence_seconds: float


@dataclass(frozen=True)
class Scorecard:
    version: str
    title: str
    language: str
    path: str
    fuzzy_threshold: float
    fuzzy_min_chars: int
    name_stopwords: frozenset[str]
    criteria: dict[str, Criterion]
    forbidden: ForbiddenRules
    sentiment: SentimentRules
    categories: tuple[Category, ...]
    unscored_category: str
    review: ReviewRules
    escalation: EscalationRules
    metrics: MetricsRules
    mode: str = "phrases"  # "phrases": fixed phrases, fuzzy as a whole (v1); "forms": phrase forms (forms.py)
    sections: tuple[Section, ...] = ()
    category_rules: tuple[CategoryRule, ...] = ()
    critical_category: str = ""
    checksum: str = ""  # sha256 of the scorecard file: two audits with the same checksum used the same rules
    known_names: frozenset[str] = frozenset()  # first names a {name} slot accepts besides the agent's own
    # "not determinable": a step that looks missed, but something like it was heard (a phrase form matched at
    # near_miss_threshold instead of fuzzy_threshold) with a mean word probability below undetermined_below
    undetermined_below: float | None = None
    near_miss_threshold: float = 60.0
    # how close (rapidfuzz ratio) a heard word must be to the agent's own directory name to count as saying it
    name_threshold: float = 85.0
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # ---- questions the rest of the product asks --------------------------------------------------------
    def category_for(self, score: float | None) -> str:
        if score is None:
            return self.unscored_category
        for cat in self.categories:
            if score >= cat.min_score:
                return cat.name
        return self.categories[-1].name

    def worst_of(self, a: str, b: str) -> str:
        """The worse of two categories (categories are listed best first)."""
        order = [c.name for c in self.categories]
        if a not in order:
            return a
        if b not in order:
            return b
        return a if order.index(a) >= order.index(b) else b

    def section_weight(self, section: str) -> float:
        """Points the form gives a section (its components' weights)."""
        parts = [(c.section, c.weight) for c in self.criteria.values()]
        parts += [(self.forbidden.section, self.forbidden.weight), (self.sentiment.section, self.sentiment.weight)]
        return sum(w for s, w in parts if s == section)

    def section_of(self, component: str) -> str:
        if component in self.criteria:
            return self.criteria[component].section
        if component == "forbidden_words":
            return self.forbidden.section
        if component == "customer_sentiment":
            return self.sentiment.section
        return ""

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria.values()) + self.forbidden.weight + self.sentiment.weight

    def sentiment_bucket(self, score: float | None) -> str | None:
        if score is None:
            return None
        if score < self.sentiment.negative_below:
            return "negative"
        if score > self.sentiment.positive_above:
            return "positive"
        return "neutral"

    def canonical_forbidden(self, word: str) -> str | None:
        """The canonical form of a forbidden expression or of one of its variants (accent-insensitive)."""
        toks = tuple(normalize(word).split())
        for expr in self.forbidden.expressions:
            if toks in expr.forms:
                return expr.canonical
        return None

    def hotwords(self, speaker: str | None = None, include_forbidden: bool = True,
                 max_chars: int | None = HOTWORDS_MAX_CHARS) -> list[str]:
        """Phrases worth biasing the recogniser with (faster-whisper ``hotwords=``, Azure phrase lists).

        Forbidden expressions and protocol phrases (agent channel), escalation phrases (customer channel);
        ``speaker`` picks one channel's list, ``None`` gives all. Phrases that introduce a name ("mi nombre es
        {name}") are left out: measured with Whisper, they make the model drop the name itself
        (reference/SPEECH_NOTES.md). The lists are interleaved — the first forbidden expression, the first
        phrase of each criterion, the first escalation phrase, then the second of each... — so that a length
        budget keeps some of everything: ``max_chars`` stops adding phrases once the ", "-joined list would pass
        that many characters (``None``: every phrase). The default budget matters: Whisper's prompt holds the
        hotwords *and* the previous window's text in 448 tokens (~3 characters per token in Spanish); with all
        80 phrases of v1 (1,531 characters, 442 tokens) faster-whisper fails with "The maximum decoding length
        must be > 0". 300 characters (~100 tokens) leaves room to decode.
        Duplicates (after normalisation) removed.
        """
        out: list[str] = []
        seen: set[str] = set()
        used = 0
        full = False

        def add(text: str, norm: str) -> None:
            nonlocal used, full
            if full or not norm or norm in seen:
                return
            cost = len(text) + (2 if out else 0)
            if max_chars is not None and used + cost > max_chars:
                full = True
                return
            seen.add(norm)
            out.append(text)
            used += cost

        def wanted(who: str) -> bool:
            return speaker is None or who in (speaker, "any")

        groups: list[list[tuple[str, str]]] = []
        if include_forbidden and wanted(self.forbidden.speaker):
            groups.append([(e.canonical, " ".join(e.forms[0])) for e in self.forbidden.expressions])
        for c in self.criteria.values():
            if wanted(c.speaker):
                groups.append([(h, normalize(h)) for h in c.hotwords]
                              or [(p.hotword or p.text, p.norm) for p in c.phrases if not p.name_slot])
        if wanted(self.escalation.speaker):
            groups.append([(h, normalize(h)) for h in self.escalation.hotwords]
                          or [(p.hotword or p.text, p.norm) for p in self.escalation.phrases])
        if speaker == "customer" and self.mode == "forms":
            groups.append([(w, normalize(w)) for w in self.sentiment_cues()])
        for i in range(max((len(g) for g in groups), default=0)):
            for g in groups:
                if i < len(g):
                    add(*g[i])
        return out

    def hotwords_by_speaker(self, max_chars: int | None = HOTWORDS_MAX_CHARS) -> dict[str, list[str]]:
        """Recogniser bias per channel: the agent's channel gets the agent-side phrases (protocol, forbidden
        expressions), the customer's the customer-side ones (escalation, sentiment cues). One shared list costs
        the customer channel about a third more WER (docs/BENCHMARKS.md)."""
        return {"agent": self.hotwords("agent", max_chars=max_chars),
                "customer": self.hotwords("customer", max_chars=max_chars)}

    def sentiment_cues(self) -> list[str]:
        """Strong customer-side phrases of the sentiment lexicon (|valence| >= 2, two words or more): what the
        customer channel's recogniser is biased toward besides escalation requests."""
        from callaudit.scoring.sentiment import LexiconSentiment

        lex = LexiconSentiment.load(self.sentiment.lexicon)
        return lex.strong_phrases()

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "checksum": self.checksum,
            "mode": self.mode,
            "sections": [{"key": s.key, "label": s.label, "weight": s.weight} for s in self.sections],
            "critical": [k for k, c in self.criteria.items() if c.critical]
            + (["forbidden_words"] if self.forbidden.critical else []),
            "category_rules": [{"when": r.when, "at_least": r.at_least, "at_most": r.at_most}
                               for r in self.category_rules],
            "title": self.title,
            "path": self.path,
            "criteria": {
                k: {"weight": c.weight, "speaker": c.speaker, "window": c.window.describe(), "phrases": len(c.phrases)}
                for k, c in self.criteria.items()
            },
            "forbidden_words": {"weight": self.forbidden.weight, "expressions": len(self.forbidden.expressions)},
            "customer_sentiment": {"weight": self.sentiment.weight},
            "total_weight": self.total_weight,
            "categories": [(c.name, c.min_score) for c in self.categories],
        }


# ---- loading ----------------------------------------------------------------------------------------------
def load_scorecard(path: str | Path | None = None) -> Scorecard:
    """Load and validate a scorecard; every problem is reported at once as ``file:line: ...`` in a UserError."""
    p = Path(path) if path is not None else DEFAULT_SCORECARD
    if not p.is_file():
        raise UserError(
            f"scorecard not found: {p}",
            hint="pass --scorecard FILE, or use the shipped scorecards/callaudit_v1.yml",
        )
    return parse_scorecard(p.read_text(encoding="utf-8"), str(p))


@lru_cache(maxsize=8)
def cached_scorecard(path: str | None = None) -> Scorecard:
    """One compiled scorecard per path and process (Spark workers call this once per executor)."""
    return load_scorecard(path)


HOTWORD_MODES = ("scorecard", "shared", "none")


def recogniser_hotwords(mode: str = "scorecard",
                        scorecard_path: str | None = None) -> list[str] | dict[str, list[str]] | None:
    """The recogniser bias for a hotwords mode — the same in the pipeline (``callaudit.transcription.hotwords``)
    and in ``callaudit transcribe --hotwords``: ``scorecard`` = each channel its own speaker's phrases (default),
    ``shared`` = every phrase on both channels (the earlier behaviour, kept to measure against), ``none``."""
    mode = (mode or "scorecard").strip().lower()
    if mode not in HOTWORD_MODES:
        raise UserError(f"unknown hotwords mode {mode!r}", hint=f"use one of: {', '.join(HOTWORD_MODES)}")
    if mode == "none":
        return None
    card = cached_scorecard(str(scorecard_path) if scorecard_path else None)
    return card.hotwords_by_speaker() if mode == "scorecard" else card.hotwords()


# ---- the declared schema ----------------------------------------------------------------------------------------
SCHEMA_PATH = Path(__file__).resolve().parent / "scorecard.schema.json"


@lru_cache(maxsize=1)
def scorecard_schema() -> dict[str, Any]:
    """The scorecard's JSON Schema (``scorecard.schema.json``, shipped with the package): every key, its type, its
    range and what it means. Editors that speak YAML language server can validate a scorecard with it too."""
    import json

    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _schema_validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(scorecard_schema())


def _without_nulls(value: Any) -> Any:
    """``key:`` with nothing after it means "not set" in a scorecard, as if the key were absent."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


_TYPE_WORDS = {"number": "a number", "integer": "a whole number", "boolean": "true or false",
               "string": "a non-empty text", "array": "a list", "object": "a mapping of keys"}


def _did_you_mean(value: Any, choices: list[str]) -> str:
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else f" (one of: {', '.join(choices)})"


def schema_problems(data: Any) -> list[tuple[tuple, str]]:
    """The declared schema's verdict on a parsed scorecard: ``(path, message)`` per problem, in the words the
    hand-written checks use (unknown keys with a suggestion, missing keys, types, ranges, choices)."""
    out: list[tuple[tuple, str]] = []
    for error in _schema_validator().iter_errors(data):
        path = tuple(error.absolute_path)
        key = path[-1] if path and isinstance(path[-1], str) else None
        name = f"'{key}'" if key else "the value"
        schema, value, kind = error.schema, error.instance, error.validator
        custom = schema.get(f"x-message-{kind}") or (schema.get("x-message") if kind in ("enum", "anyOf") else None)
        if custom:
            choices = [str(c) for c in schema.get("enum", [])]
            where = path + (value,) if schema.get("x-key") else path  # a bad key: point at the key's own line
            out.append((where, custom.format(value=value, choices=", ".join(choices),
                                             hint=_did_you_mean(value, choices) if choices else "")))
        elif kind == "additionalProperties":
            allowed = sorted(schema.get("properties", {}))
            for extra in sorted(set(value) - set(allowed), key=str):
                close = difflib.get_close_matches(str(extra), allowed, n=1, cutoff=0.6)
                hint = f" — did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
                out.append((path + (extra,), f"unknown key '{extra}'{hint}"))
        elif kind == "required":
            out.extend((path, f"missing '{missing}'") for missing in schema["required"] if missing not in value)
        elif kind == "type":
            want = schema["type"]
            out.append((path, f"{name} must be {_TYPE_WORDS.get(want, want)}, got {value!r}"))
        elif kind in ("minimum", "maximum"):
            lo, hi = schema.get("minimum", "-inf"), schema.get("maximum", "inf")
            out.append((path, f"{name} = {value} is out of range [{lo}, {hi}]"))
        elif kind == "minLength":
            out.append((path, f"{name} must be a non-empty text, got {value!r}"))
        elif kind in ("minItems", "minProperties"):
            out.append((path, f"{name} must not be empty"))
        elif kind == "enum":
            out.append((path, f"{name} must be one of {', '.join(map(str, schema['enum']))}, got {value!r}"))
        else:
            out.append((path, error.message))
    return out


def parse_scorecard(text: str, source: str = "<scorecard>") -> Scorecard:
    try:
        doc = load_marked(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise UserError(f"{where}: not valid YAML: {problem}", hint="check indentation and quotes") from None
    v = _Validator(doc, source)
    v.checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not isinstance(doc.data, dict):
        v.err((), "a scorecard is a mapping of keys (version, criteria, ...)")
        v.raise_if_errors()
    # the shape first (scorecard.schema.json), then what a schema cannot say (weights, forms, order, references)
    for path, message in schema_problems(_without_nulls(doc.data)):
        v.err(path, message)
    v.raise_if_errors()
    card = v.build()
    v.raise_if_errors()
    assert card is not None
    return card


class _Validator:
    def __init__(self, doc: Marked, source: str):
        self.doc = doc
        self.source = source
        self.errors: list[tuple[int, str]] = list(doc.problems)
        self.checksum = ""
        self.mode = "phrases"
        self._sections: tuple[Section, ...] = ()

    # ---- helpers --------------------------------------------------------------------------------------
    def err(self, path: tuple, message: str) -> None:
        where = ""
        for part in path:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        self.errors.append((self.doc.line(path), f"{where}: {message}" if where else message))

    def raise_if_errors(self) -> None:
        if not self.errors:
            return
        lines = list(dict.fromkeys(f"{self.source}:{line}: {msg}"
                                   for line, msg in sorted(self.errors, key=lambda e: e[0])))
        n = len(lines)
        raise UserError(
            f"invalid scorecard ({n} problem{'s' if n > 1 else ''}):\n  " + "\n  ".join(lines),
            hint="fix the lines above; `callaudit scorecard check FILE` validates without scoring anything",
        )

    # ---- readers: the schema has checked every key, type and range before build() runs -----------------
    @staticmethod
    def number(mapping: dict, key: str, default: float | None = None) -> float | None:
        value = mapping.get(key)
        return default if value is None else float(value)

    @staticmethod
    def boolean(mapping: dict, key: str, default: bool) -> bool:
        return bool(mapping.get(key, default))

    @staticmethod
    def string(mapping: dict, key: str, default: str = "") -> str:
        value = mapping.get(key)
        return default if value is None else str(value).strip()

    @staticmethod
    def text_list(mapping: dict, key: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in mapping.get(key) or ())

    def phrase_list(self, value: Any, path: tuple, fuzzy_min_chars: int, allow_slot: bool) -> tuple[Phrase, ...]:
        value = value or []
        if self.mode == "forms":
            return self.form_list(value, path, allow_slot)
        out: list[Phrase] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            p = path + (i,)
            text = item.strip()
            slot = NAME_SLOT in text
            braces = re.findall(r"\{[^}]*\}", text)
            if any(b != NAME_SLOT for b in braces):
                self.err(p, f"unknown placeholder {braces[0]} in '{text}' (the only one is {NAME_SLOT})")
                continue
            if slot and not allow_slot:
                self.err(p, f"{NAME_SLOT} is only allowed in protocol criteria phrases: '{text}'")
                continue
            if slot and not text.endswith(NAME_SLOT):
                self.err(p, f"{NAME_SLOT} must be the last word of the phrase: '{text}'")
                continue
            norm = normalize(text.replace(NAME_SLOT, " "))
            if not norm:
                self.err(p, f"phrase '{text}' has no words left after normalisation")
                continue
            if norm in seen:
                continue  # "qué pereza" and "que pereza" are the same phrase once accents are ignored
            seen.add(norm)
            out.append(
                Phrase(
                    text=text, norm=norm, tokens=tuple(norm.split()), name_slot=slot,
                    fuzzy=len(norm) >= fuzzy_min_chars, line=self.doc.line(p),
                )
            )
        return tuple(out)

    def form_list(self, value: list, path: tuple, allow_slot: bool) -> tuple[Phrase, ...]:
        """Phrase forms (``matching.mode: forms``): each line a small grammar, see callaudit/scoring/forms.py."""
        from callaudit.scoring.forms import GAP, SLOTS, FormError, expand

        out: list[Phrase] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            p = path + (i,)
            text = item.strip()
            braces = [b for b in re.findall(r"\{[^}]*\}", text) if b not in (NAME_SLOT, "{any_name}")]
            if braces:
                self.err(p, f"unknown placeholder {braces[0]} in '{text}' (forms know {NAME_SLOT} and {{any_name}})")
                continue
            try:
                readings = expand(text)
                spoken = expand(text, keep_spelling=True)
            except FormError as exc:
                self.err(p, f"{exc} (forms: (a|b) alternatives, (a|b)? optional, {NAME_SLOT}, … a short gap)")
                continue
            slot = any(w in SLOTS for r in readings for w in r)
            if slot and not allow_slot:
                self.err(p, f"{NAME_SLOT} is only allowed in protocol criteria phrases: '{text}'")
                continue
            norm = " ".join(w for w in readings[0] if w not in (*SLOTS, GAP))
            if text in seen:
                continue
            seen.add(text)
            hotword = " ".join(w for w in spoken[0] if w not in (*SLOTS, GAP))
            out.append(Phrase(text=text, norm=norm, tokens=tuple(norm.split()), name_slot=slot, fuzzy=True,
                              line=self.doc.line(p), hotword=hotword))
        return tuple(out)

    def sections(self, value: Any) -> tuple[Section, ...]:
        out = []
        for key, body in (value or {}).items():
            body = {"label": body} if isinstance(body, str) else body
            out.append(Section(key, self.string(body, "label", default=key), self.number(body, "weight")))
        return tuple(out)

    def section_ref(self, body: dict, path: tuple, sections: tuple[Section, ...]) -> str:
        value = body.get("section")
        if value is None:
            if sections:
                self.err(path, f"missing 'section' (one of: {', '.join(s.key for s in sections)})")
            return ""
        keys = [s.key for s in sections]
        if value not in keys:
            close = difflib.get_close_matches(str(value), keys, n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else (
                f" (declared: {', '.join(keys)})" if keys else " (declare it under 'sections')")
            self.err(path + ("section",), f"unknown section '{value}'{hint}")
            return ""
        return value

    def category_rules(self, value: Any, categories: tuple[Category, ...]) -> tuple[CategoryRule, ...]:
        path = ("category_rules",)
        names = [c.name for c in categories]
        out = []
        for i, item in enumerate(value or []):
            ip = path + (i,)
            when = item["when"]
            at_most = self.string(item, "at_most")
            if at_most not in names:
                self.err(ip + ("at_most",), f"unknown category '{at_most}' (categories: {', '.join(names)})")
                continue
            at_least = self.number(item, "at_least")
            if when == "missed_steps" and at_least is None:
                self.err(ip, "missed_steps needs at_least: N")
                continue
            if when != "missed_steps" and at_least is not None:
                self.err(ip + ("at_least",), f"at_least only applies to missed_steps, not {when}")
            out.append(CategoryRule(when, at_most, int(at_least) if at_least is not None else None,
                                    self.string(item, "reason"), self.doc.line(ip)))
        return tuple(out)

    def known_names(self, value: Any, path: tuple) -> frozenset[str]:
        if value is None or value is False:
            return frozenset()
        p = NAMES_FILE if value in (True, "builtin") else Path(str(value))
        if not p.is_absolute() and value not in (True, "builtin"):
            p = (Path(self.source).parent / p).resolve()
        try:
            text = p.read_text(encoding="utf-8")
        except OSError:
            self.err(path, f"names file not found: {p}")
            return frozenset()
        words = []
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            words.extend(normalize(w) for w in line.split())
        return frozenset(w for w in words if w)

    # ---- sections -------------------------------------------------------------------------------------
    def build(self) -> Scorecard | None:
        data = _without_nulls(self.doc.data)  # its shape is the schema's (checked before build)
        version = self.string(data, "version")
        matching = data.get("matching", {})
        mp = ("matching",)
        mode = self.mode = matching.get("mode", "phrases")
        known = self.known_names(matching.get("names", "builtin" if mode == "forms" else None), mp + ("names",))
        undetermined = self.number(matching, "undetermined_below")
        near_miss = self.number(matching, "near_miss_threshold", default=60.0)
        threshold = self.number(matching, "fuzzy_threshold", default=85)
        name_threshold = self.number(matching, "name_threshold", default=85)
        min_chars = int(self.number(matching, "fuzzy_min_chars", default=8))
        stopwords = frozenset(normalize(s) for s in matching.get("name_stopwords", []))

        sections = self.sections(data.get("sections"))
        self._sections = sections
        criteria = self.criteria(data.get("criteria"), min_chars)
        forbidden = self.forbidden(data.get("forbidden_words"))
        sentiment = self.sentiment(data.get("customer_sentiment"))
        categories = self.categories(data.get("categories"))
        rules = self.category_rules(data.get("category_rules"), categories)
        critical_category = self.string(data, "critical_category", default=categories[-1].name)
        if critical_category not in [c.name for c in categories]:
            self.err(("critical_category",), f"unknown category '{critical_category}' "
                                             f"(categories: {', '.join(c.name for c in categories)})")
        unscored = self.string(data, "unscored_category", default="Sin Evaluar")
        review = self.review(data.get("review"))
        escalation = self.escalation(data.get("escalation"), min_chars)
        metrics = self.metrics(data.get("metrics"))

        criteria, forbidden, sentiment = self.section_weights(sections, criteria, forbidden, sentiment)
        total = sum(c.weight for c in criteria.values()) + forbidden.weight + sentiment.weight
        if abs(total - 100.0) > 1e-6:
            parts = [f"{k}={c.weight:g}" for k, c in criteria.items()]
            parts += [f"forbidden_words={forbidden.weight:g}", f"customer_sentiment={sentiment.weight:g}"]
            self.err(("criteria",), f"weights must sum to 100, they sum to {total:g} ({' + '.join(parts)})")

        return Scorecard(
            version=version,
            title=self.string(data, "title", default=version),
            language=self.string(data, "language", default="es-CO"),
            path=self.source,
            fuzzy_threshold=float(threshold or 85),
            fuzzy_min_chars=min_chars,
            name_stopwords=stopwords,
            criteria=criteria,
            forbidden=forbidden,
            sentiment=sentiment,
            categories=categories,
            unscored_category=unscored,
            review=review,
            escalation=escalation,
            metrics=metrics,
            mode=mode,
            sections=sections,
            category_rules=rules,
            critical_category=critical_category,
            checksum=self.checksum,
            known_names=known,
            undetermined_below=undetermined,
            near_miss_threshold=float(near_miss if near_miss is not None else 60.0),
            name_threshold=float(name_threshold if name_threshold is not None else 85.0),
        )

    def section_weights(self, sections, criteria, forbidden, sentiment):
        """A section with a weight shares it among its members in proportion to their own weights (a member
        without weight counts 1); members of sections without a weight keep their own."""
        from dataclasses import replace

        weighted = {s.key: s.weight for s in sections if s.weight is not None}
        if not weighted:
            return criteria, forbidden, sentiment
        members: dict[str, list[tuple[str, float]]] = {k: [] for k in weighted}
        parts = [(k, c.section, c.weight) for k, c in criteria.items()]
        parts += [("forbidden_words", forbidden.section, forbidden.weight),
                  ("customer_sentiment", sentiment.section, sentiment.weight)]
        for key, section, weight in parts:
            if section in members:
                members[section].append((key, weight or 1.0))
        share: dict[str, float] = {}
        for section, items in members.items():
            if not items:
                self.err(("sections", section), f"section '{section}' has a weight but no criteria")
                continue
            total = sum(w for _, w in items)
            for key, w in items:
                share[key] = weighted[section] * w / total
        criteria = {k: replace(c, weight=share.get(k, c.weight)) for k, c in criteria.items()}
        forbidden = replace(forbidden, weight=share.get("forbidden_words", forbidden.weight))
        sentiment = replace(sentiment, weight=share.get("customer_sentiment", sentiment.weight))
        return criteria, forbidden, sentiment

    def criteria(self, section: Any, min_chars: int) -> dict[str, Criterion]:
        path = ("criteria",)
        out: dict[str, Criterion] = {}
        for key, body in section.items():
            cp = path + (key,)
            weight = self.number(body, "weight", default=0.0)
            window = self.window(body.get("window"), cp + ("window",))
            phrases = self.phrase_list(body.get("phrases"), cp + ("phrases",), min_chars, allow_slot=True)
            patterns = []
            for i, pat in enumerate(body.get("patterns") or []):
                try:
                    patterns.append(re.compile(pat))
                except (re.error, TypeError) as exc:
                    self.err(cp + ("patterns", i), f"bad regular expression {pat!r}: {exc}")
            # agent_name: true, or the window where the agent's bare own name counts ({first_seconds, ...})
            agent_name, agent_name_window = False, None
            if isinstance(body.get("agent_name"), dict):
                agent_name, agent_name_window = True, self.window(body["agent_name"], cp + ("agent_name",))
            else:
                agent_name = self.boolean(body, "agent_name", False)
            na = body.get("not_applicable", {})
            out[key] = Criterion(
                key=key,
                label=self.string(body, "label", default=key),
                weight=float(weight or 0.0),
                speaker=body.get("speaker", "agent"),
                window=window,
                phrases=phrases,
                patterns=tuple(patterns),
                na_call_shorter_than=self.number(na, "call_shorter_than"),
                na_no_agent_speech=self.boolean(na, "no_agent_speech", True),
                description=self.string(body, "description"),
                agent_name=agent_name,
                agent_name_window=agent_name_window,
                section=self.section_ref(body, cp, self._sections),
                critical=self.boolean(body, "critical", False),
                hotwords=self.text_list(body, "hotwords"),
            )
        for req in REQUIRED_CRITERIA:
            if req not in out and req not in section:
                close = difflib.get_close_matches(req, [str(k) for k in section], n=1, cutoff=0.6)
                hint = f" (found '{close[0]}' — a typo?)" if close else ""
                self.err(path, f"missing criterion '{req}'{hint}")
        return out

    def window(self, value: Any, path: tuple) -> Window:
        value = value or {}
        fs, ft = self.number(value, "first_seconds"), self.number(value, "first_turns")
        ls, lt = self.number(value, "last_seconds"), self.number(value, "last_turns")
        if (fs is not None or ft is not None) and (ls is not None or lt is not None):
            self.err(path, "a window is either at the start (first_*) or at the end (last_*), not both")
        return Window(fs, int(ft) if ft else None, ls, int(lt) if lt else None)

    def forbidden(self, section: Any) -> ForbiddenRules:
        path = ("forbidden_words",)
        exprs: list[ForbiddenExpression] = []
        seen: dict[tuple[str, ...], str] = {}
        for i, item in enumerate(section["expressions"]):
            ip = path + ("expressions", i)
            item = {"canonical": item} if isinstance(item, str) else item
            canonical = self.string(item, "canonical")
            variants = item.get("variants", [])
            forms: list[tuple[str, ...]] = []
            for text in [canonical, *variants]:
                for toks in self.expression_forms(text, ip):
                    if toks in seen and seen[toks] != canonical:
                        self.err(ip, f"'{text}' is already a form of '{seen[toks]}'")
                        continue
                    if toks not in forms:
                        forms.append(toks)
                        seen[toks] = canonical
            if forms:
                exprs.append(ForbiddenExpression(canonical, tuple(forms), self.doc.line(ip)))
        return ForbiddenRules(
            label=self.string(section, "label", default="Lenguaje prohibido"),
            weight=float(self.number(section, "weight", default=0.0)),
            speaker=section.get("speaker", "agent"),
            penalty_per_expression=float(self.number(section, "penalty_per_expression", default=1.0)),
            expressions=tuple(exprs),
            min_word_probability=self.number(section, "min_word_probability"),
            critical=self.boolean(section, "critical", False),
            section=self.section_ref(section, path, self._sections),
        )

    def expression_forms(self, text: str, path: tuple) -> list[tuple[str, ...]]:
        """A forbidden expression's word sequences: itself, or every reading of its (a|b) alternatives in a
        scorecard of ``mode: forms`` (no {name} and no gaps: forbidden words are matched exactly)."""
        from callaudit.scoring.forms import GAP, SLOTS, FormError, expand

        if self.mode != "forms" or not re.search(r"[()|]", text):
            toks = tuple(normalize(text).split())
            if not toks:
                self.err(path, f"'{text}' has no words left after normalisation")
                return []
            return [toks]
        try:
            readings = expand(text)
        except FormError as exc:
            self.err(path, str(exc))
            return []
        if any(w in (*SLOTS, GAP) for r in readings for w in r):
            self.err(path, f"'{text}': forbidden expressions take no {NAME_SLOT} and no gaps")
            return []
        return readings
    def sentiment(self, section: dict) -> SentimentRules:
        path = ("customer_sentiment",)
        full_at = self.number(section, "full_at", default=0.0)
        zero_at = self.number(section, "zero_at", default=-0.6)
        if zero_at >= full_at:
            self.err(path + ("zero_at",), f"zero_at ({zero_at:g}) must be below full_at ({full_at:g})")
        neg = self.number(section, "negative_below", default=-0.2)
        pos = self.number(section, "positive_above", default=0.2)
        if neg > pos:
            self.err(path + ("negative_below",), f"negative_below ({neg:g}) must not exceed positive_above ({pos:g})")
        lexicon = None
        if section.get("lexicon"):
            lexicon = Path(str(section["lexicon"]))
            if not lexicon.is_absolute():
                lexicon = (Path(self.source).parent / lexicon).resolve()
            if not lexicon.is_file():
                self.err(path + ("lexicon",), f"lexicon file not found: {lexicon}")
                lexicon = None
        earn = {**dict(SentimentRules.bucket_earn), **{k: float(v) for k, v in section.get("earn", {}).items()}}
        ends = section.get("ends_upset", {})
        return SentimentRules(
            scoring=section.get("scoring", "linear"),
            bucket_earn=tuple(earn.items()),
            ends_upset_turns=int(self.number(ends, "last_turns", default=2)),
            ends_upset_below=self.number(ends, "below"),
            section=self.section_ref(section, path, self._sections),
            label=self.string(section, "label", default="Sentimiento del cliente"),
            weight=float(self.number(section, "weight", default=0.0)),
            full_at=full_at,
            zero_at=zero_at,
            negative_below=neg,
            positive_above=pos,
            lexicon=lexicon,
        )

    def categories(self, section: list) -> tuple[Category, ...]:
        path = ("categories",)
        out: list[Category] = []
        for i, item in enumerate(section):
            ip = path + (i,)
            name, score = self.string(item, "name"), float(item["min_score"])
            if out and score >= out[-1].min_score:
                self.err(
                    ip + ("min_score",),
                    f"categories go from the highest score down: '{name}' min_score {score:g} must be below "
                    f"'{out[-1].name}' ({out[-1].min_score:g})",
                )
            if any(c.name == name for c in out):
                self.err(ip + ("name",), f"category '{name}' appears twice")
            out.append(Category(name, score))
        if out[-1].min_score != 0:
            self.err(path, f"the last category must have min_score 0 so every score has one (got {out[-1].min_score:g})")
        return tuple(out)

    def review(self, section: dict | None) -> ReviewRules:
        section = section or {}
        return ReviewRules(
            low_score_below=self.number(section, "low_score_below"),
            forbidden_word=self.boolean(section, "forbidden_word", True),
            very_negative_customer_below=self.number(section, "very_negative_customer_below"),
            low_confidence_below=self.number(section, "low_confidence_below"),
            escalation=self.boolean(section, "escalation", True),
            transcription_error=self.boolean(section, "transcription_error", True),
            no_agent_speech=self.boolean(section, "no_agent_speech", True),
        )

    def escalation(self, section: dict | None, min_chars: int) -> EscalationRules:
        if section is None:
            return EscalationRules("customer", ())
        return EscalationRules(
            speaker=section.get("speaker", "customer"),
            phrases=self.phrase_list(section.get("phrases"), ("escalation", "phrases"), min_chars, allow_slot=False),
            hotwords=self.text_list(section, "hotwords"),
        )

    def metrics(self, section: dict | None) -> MetricsRules:
        section = section or {}
        return MetricsRules(
            min_overlap_seconds=float(self.number(section, "min_overlap_seconds", default=0.5)),
            turn_gap_seconds=float(self.number(section, "turn_gap_seconds", default=0.8)),
            long_silence_seconds=float(self.number(section, "long_silence_seconds", default=20.0)),
        )
