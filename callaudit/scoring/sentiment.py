"""Sentiment in [-1, 1] for Spanish call transcripts.

Two engines behind one interface (:class:`SentimentEngine`): ``read_call(customer, agent, duration)`` gives the
customer's and the agent's sentiment over a call and the customer's per quarter; ``read_turns(segments)`` the
sentiment of a few turns (did the customer end upset?); ``score_texts(texts)`` scores free texts. The auditor
only calls the interface — an engine that scores whole texts inherits :class:`TextSentimentEngine` and writes
``score_texts`` alone:

* :class:`LexiconSentiment` (default, offline): the project's own es-CO call-centre lexicon
  (``lexicon_es.yml``), VADER-style — word valences, negation ("no", "nunca", "tampoco", "sin") flipping the
  next few words within a clause, intensifiers and diminishers ("muy", "súper", "un poco"), contrast ("pero"),
  multi-word expressions ("me colgaron", "pésimo servicio"), and the sum squashed by ``s / sqrt(s² + alpha)``.
  It works on normalised tokens, so ASR's missing accents and odd capitals don't matter. No model download.
* :class:`AzureSentiment` (production option): Azure AI Language sentiment (``azure-ai-textanalytics``,
  language ``es``); the score is ``positive - negative`` confidence. Needs an endpoint and key.

``None`` means "nothing to judge" (no speech); ``0.0`` means speech without sentiment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from callaudit.errors import UserError
from callaudit.scoring.normalize import Token, TokenizedSegment, normalize

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicon_es.yml"


@dataclass
class SentimentReading:
    """One call's sentiment: the customer's overall and per quarter of the call, the agent's overall, and (for
    engines that can say) which customer words moved the score — the evidence an analyst reads."""

    customer: float | None
    agent: float | None
    customer_by_quarter: list[float | None]
    customer_words: list[dict[str, Any]]


class SentimentEngine(Protocol):
    name: str

    def read_call(self, customer: Sequence[TokenizedSegment], agent: Sequence[TokenizedSegment],
                  duration: float) -> SentimentReading:
        """The call's sentiment from each speaker's segments (``duration`` places the quarters)."""
        ...

    def read_turns(self, segments: Sequence[TokenizedSegment]) -> float | None:
        """The sentiment of these turns together; None when there are none."""
        ...

    def score_texts(self, texts: Sequence[str]) -> list[float | None]:
        """One score in [-1, 1] per text; None for an empty text."""
        ...


def quarter_of(t: float, duration: float) -> int:
    """Which quarter of a call of ``duration`` seconds the time ``t`` falls in (0-3)."""
    quarter_len = duration / 4.0 if duration > 0 else 0.0
    if quarter_len <= 0:
        return 0
    return min(3, max(0, int(t // quarter_len)))


class TextSentimentEngine:
    """Base of engines that score whole texts (Azure AI Language, a transformer model): the call is read as the
    customer's text, the agent's text and the customer's words per quarter, in one ``score_texts`` request."""

    name = "text"

    def score_texts(self, texts: Sequence[str]) -> list[float | None]:  # pragma: no cover - the subclass's job
        raise NotImplementedError

    def read_call(self, customer: Sequence[TokenizedSegment], agent: Sequence[TokenizedSegment],
                  duration: float) -> SentimentReading:
        groups: list[list[list[Token]]] = [[], [], [], []]
        for seg in customer:
            parts: dict[int, list[Token]] = {}
            for tok in seg.tokens:
                parts.setdefault(quarter_of(tok.start, duration), []).append(tok)
            for q, group in parts.items():
                groups[q].append(group)
        texts = [_raw_text(customer), _raw_text(agent)]
        texts += [" ".join(" ".join(t.text for t in g) for g in quarter) for quarter in groups]
        scores = self.score_texts(texts)
        return SentimentReading(scores[0], scores[1], scores[2:6], [])

    def read_turns(self, segments: Sequence[TokenizedSegment]) -> float | None:
        return self.score_texts([_raw_text(segments)])[0] if segments else None


def _raw_text(segments: Sequence[TokenizedSegment]) -> str:
    return " ".join(" ".join(s.raw_words) for s in segments)


@dataclass(frozen=True)
class _Lex:
    version: str
    alpha: float
    window: int
    neg_factor: float
    negators: frozenset[str]
    contrast: tuple[tuple[str, ...], ...]
    modifiers: dict[tuple[str, ...], float]
    phrases: dict[tuple[str, ...], float]
    words: dict[str, float]
    stems: tuple[tuple[str, float], ...]
    # contrast words, phrases and modifiers indexed by their first token, longest first
    multi: dict[str, list[tuple[tuple[str, ...], str, float]]]


class LexiconSentiment:
    """The offline engine. Build once (``LexiconSentiment.load()``) and reuse: lookups are memoised."""

    name = "lexicon"

    def __init__(self, lex: _Lex):
        self.lex = lex
        self.version = lex.version
        self._word_cache: dict[str, float] = {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> LexiconSentiment:
        return _load_cached(str(path or DEFAULT_LEXICON))

    # ---- scoring --------------------------------------------------------------------------------------
    def word_valence(self, tok: str) -> float:
        v = self._word_cache.get(tok)
        if v is None:
            v = self.lex.words.get(tok, 0.0)
            if not v:
                for stem, val in self.lex.stems:
                    if tok.startswith(stem):
                        v = val
                        break
            self._word_cache[tok] = v
        return v

    def raw_sum(self, texts: list[str], breaks: list[bool]) -> tuple[float, int]:
        """Sum of valences of one utterance (after negation, modifiers and contrast) and the number of hits."""
        values = self.valences(texts, breaks)
        return sum(v for _, _, v in values), len(values)

    def valences(self, texts: list[str], breaks: list[bool]) -> list[tuple[int, int, float]]:
        """(first token, token count, final valence) of every sentiment-bearing word or phrase of one utterance."""
        lex = self.lex
        multi = lex.multi
        n = len(texts)
        values: list[tuple[int, int, float]] = []
        neg_left = 0
        mod = 1.0
        mod_left = 0
        contrast_at = -1
        i = 0
        while i < n:
            if breaks[i]:
                neg_left = mod_left = 0
                mod = 1.0
            tok = texts[i]
            kind, value, step = None, 0.0, 1
            entries = multi.get(tok)
            if entries:  # multi-word entries starting here, longest first
                for form, k_kind, k_value in entries:
                    k = len(form)
                    if k == 1 or tuple(texts[i : i + k]) == form:
                        kind, value, step = k_kind, k_value, k
                        break
            if kind is None:
                if tok in lex.negators:
                    kind = "negator"
                else:
                    kind, value = "word", self.word_valence(tok)
            if kind == "contrast":
                contrast_at = len(values)
                neg_left = 0
                i += step
                continue
            if kind == "negator":
                neg_left = lex.window
                i += 1
                continue
            if kind == "modifier":
                mod, mod_left = mod * value, 2
                i += step
                continue
            if value:
                if neg_left > 0:
                    value *= lex.neg_factor
                if mod_left > 0:
                    value *= mod
                values.append((i, step, value))
            neg_left = max(0, neg_left - step)
            mod_left = max(0, mod_left - step)
            if mod_left == 0:
                mod = 1.0
            i += step
        if contrast_at >= 0:
            values = [(i, n, v * (0.5 if k < contrast_at else 1.5)) for k, (i, n, v) in enumerate(values)]
        return values

    def squash(self, total: float) -> float:
        return max(-1.0, min(1.0, total / math.sqrt(total * total + self.lex.alpha)))

    def score_token_groups(self, groups: Iterable[list[Token]]) -> float | None:
        """Score of several utterances together (e.g. one speaker's segments); None when there are no words."""
        total = 0.0
        any_words = False
        for toks in groups:
            if not toks:
                continue
            any_words = True
            s, _ = self.raw_sum([t.text for t in toks], [t.brk for t in toks])
            total += s
        if not any_words:
            return None
        return round(self.squash(total), 4)

    def score_texts(self, texts: Sequence[str]) -> list[float | None]:
        out: list[float | None] = []
        for text in texts:
            toks = _text_tokens(text)
            if not toks[0]:
                out.append(None)
                continue
            s, _ = self.raw_sum(*toks)
            out.append(round(self.squash(s), 4))
        return out

    def read_call(self, customer: Sequence[TokenizedSegment], agent: Sequence[TokenizedSegment],
                  duration: float) -> SentimentReading:
        """One pass over the customer's words: each valence counts in the quarter where its word was said."""
        total = 0.0
        q_total = [0.0, 0.0, 0.0, 0.0]
        q_words = [False, False, False, False]
        words: dict[str, float] = {}
        for seg in customer:
            toks = seg.tokens
            for tok in toks:
                q_words[quarter_of(tok.start, duration)] = True
            for i, n, v in self.valences([t.text for t in toks], [t.brk for t in toks]):
                total += v
                q_total[quarter_of(toks[i].start, duration)] += v
                key = " ".join(t.text for t in toks[i : i + n])
                words[key] = round(words.get(key, 0.0) + v, 3)
        overall = round(self.squash(total), 4) if customer else None
        quarters = [round(self.squash(q_total[q]), 4) if q_words[q] else None for q in range(4)]
        top = sorted(words.items(), key=lambda kv: -abs(kv[1]))[:10]
        return SentimentReading(overall, self.score_token_groups(seg.tokens for seg in agent), quarters,
                                [{"word": k, "valence": v} for k, v in top])

    def read_turns(self, segments: Sequence[TokenizedSegment]) -> float | None:
        return self.score_token_groups(seg.tokens for seg in segments) if segments else None

    def strong_phrases(self, min_abs: float = 2.0) -> list[str]:
        """Multi-word lexicon entries of strong valence, strongest first (recogniser cues for the customer)."""
        items = [(" ".join(k), v) for k, v in self.lex.phrases.items() if len(k) >= 2 and abs(v) >= min_abs]
        return [k for k, _ in sorted(items, key=lambda kv: (-abs(kv[1]), kv[0]))]

    def explain(self, text: str) -> list[tuple[str, float]]:
        """Which words carried sentiment in ``text`` and with what final valence (evidence, debugging)."""
        texts, breaks = _text_tokens(text)
        return [(" ".join(texts[i : i + n]), round(v, 3)) for i, n, v in self.valences(texts, breaks)]


def _text_tokens(text: str) -> tuple[list[str], list[bool]]:
    """Normalised tokens of free text with clause breaks (punctuation) remembered."""
    from callaudit.scoring.normalize import normalize_word

    texts: list[str] = []
    breaks: list[bool] = []
    pending = False
    for raw in text.split():
        toks, lead, trail = normalize_word(raw)
        for k, t in enumerate(toks):
            texts.append(t)
            breaks.append(k == 0 and (pending or lead))
            pending = False
        if trail or (lead and not toks):
            pending = True
    return texts, breaks


@lru_cache(maxsize=4)
def _load_cached(path: str) -> LexiconSentiment:
    return LexiconSentiment(_parse_lexicon(Path(path)))


def _parse_lexicon(path: Path) -> _Lex:
    import yaml

    from callaudit.scoring.yamlmarks import load_marked

    try:
        doc = load_marked(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read sentiment lexicon {path}: {exc}") from None
    data = doc.data or {}
    problems = [f"{path}:{line}: {msg}" for line, msg in doc.problems]
    allowed = {
        "version", "alpha", "negation_window", "negation_factor", "contrast_words", "negators", "modifiers",
        "phrases", "words",
    }
    for key in data:
        if key not in allowed:
            problems.append(f"{path}:{doc.line((key,))}: unknown key '{key}'")

    def table(name: str) -> dict[tuple[str, ...], float]:
        out: dict[tuple[str, ...], float] = {}
        for key, value in (data.get(name) or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not -5 <= value <= 5:
                problems.append(f"{path}:{doc.line((name, key))}: {name}.{key}: value must be a number in [-5, 5]")
                continue
            toks = tuple(normalize(str(key).rstrip("*")).split())
            if not toks:
                problems.append(f"{path}:{doc.line((name, key))}: {name}.{key}: no words after normalisation")
                continue
            if str(key).endswith("*"):
                toks = (toks[0] + "*",)
            out[toks] = float(value)
        return out

    words_t = table("words")
    words = {k[0]: v for k, v in words_t.items() if len(k) == 1 and not k[0].endswith("*")}
    stems = tuple(sorted(((k[0][:-1], v) for k, v in words_t.items() if k[0].endswith("*")), key=lambda s: -len(s[0])))
    phrases = table("phrases")
    modifiers = table("modifiers")
    if problems:
        raise UserError("invalid sentiment lexicon:\n  " + "\n  ".join(problems))
    multi: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
    contrast = tuple(tuple(normalize(w).split()) for w in data.get("contrast_words") or [])
    for form in contrast:
        multi.setdefault(form[0], []).append((form, "contrast", 0.0))
    for form, value in modifiers.items():
        multi.setdefault(form[0], []).append((form, "modifier", value))
    for form, value in phrases.items():
        multi.setdefault(form[0], []).append((form, "phrase", value))
    for entries in multi.values():
        entries.sort(key=lambda e: -len(e[0]))
    return _Lex(
        version=str(data.get("version", "unversioned")),
        alpha=float(data.get("alpha", 15)),
        window=int(data.get("negation_window", 3)),
        neg_factor=float(data.get("negation_factor", -0.75)),
        negators=frozenset(normalize(w) for w in data.get("negators") or []),
        contrast=contrast,
        modifiers=modifiers,
        phrases=phrases,
        words=words,
        stems=stems,
        multi=multi,
    )


# ---- Azure AI Language (production) -----------------------------------------------------------------------
class AzureSentiment(TextSentimentEngine):
    """Azure AI Language sentiment behind the same interface.

    ``AzureSentiment(endpoint, key)`` or ``AzureSentiment(client=TextAnalyticsClient(...))``. Documents are sent
    in batches of 10 (the service's limit per sentiment request), each cut to 5,120 characters; empty texts are
    not sent. A document the service rejects scores ``None`` (the audit then treats sentiment as unknown).
    """

    name = "azure"
    BATCH = 10
    MAX_CHARS = 5120

    def __init__(self, endpoint: str | None = None, key: str | None = None, *, language: str = "es",
                 client: Any = None, **client_kwargs: Any):
        if client is None:
            if not endpoint or not key:
                raise UserError(
                    "Azure sentiment needs an endpoint and a key",
                    hint="set AZURE_LANGUAGE_ENDPOINT and AZURE_LANGUAGE_KEY, or use the offline lexicon engine",
                )
            from azure.ai.textanalytics import TextAnalyticsClient
            from azure.core.credentials import AzureKeyCredential

            client = TextAnalyticsClient(endpoint, AzureKeyCredential(key), **client_kwargs)
        self.client = client
        self.language = language

    def score_texts(self, texts: Sequence[str]) -> list[float | None]:
        out: list[float | None] = [None] * len(texts)
        todo = [(i, t.strip()[: self.MAX_CHARS]) for i, t in enumerate(texts) if t and t.strip()]
        for b in range(0, len(todo), self.BATCH):
            batch = todo[b : b + self.BATCH]
            results = self.client.analyze_sentiment([t for _, t in batch], language=self.language)
            for (i, _), result in zip(batch, results, strict=True):
                out[i] = document_score(result)
        return out


def document_score(result: Any) -> float | None:
    """``positive - negative`` confidence of one SDK result (AnalyzeSentimentResult); None for a DocumentError."""
    if getattr(result, "is_error", False):
        return None
    scores = result.confidence_scores
    return round(float(scores.positive) - float(scores.negative), 4)
