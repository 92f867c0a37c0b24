"""Text normalisation shared by every matcher, so a scorecard phrase and what ASR heard meet on equal terms.

``normalize("¡Buenos DÍAS!, habla con Andrea")`` -> ``"buenos dias habla con andrea"``: lower case, accents and
tildes stripped (ASR drops them and people type without them), punctuation removed, spaces collapsed, and runs of
two or more spoken digits turned into a number (``"uno cero tres"`` -> ``"103"``) because customers read
document and card numbers digit by digit. A single ``"uno"`` stays a word: it is usually an article.

Transcripts are tokenised word by word with their times (:func:`tokenize_segment`), so every match can say when
it was heard and what exactly was heard. Punctuation is dropped from the tokens but remembered as a clause break:
sentiment negation (``"no, gracias"``) must not jump over a comma.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from callaudit.transcript import Segment

DIGIT_WORDS = {
    "cero": "0",
    "uno": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
}

_NON_WORD = re.compile(r"[^a-z0-9]+")
_CLAUSE_PUNCT = re.compile(r"[.,;:!?¿¡…()\[\]\"—–]")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower case and strip accents/tildes (``"Cállese ÑOÑO"`` -> ``"callese nono"``); keeps punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def normalize_word(raw: str) -> tuple[tuple[str, ...], bool, bool]:
    """One ASR word -> (its tokens, clause punctuation before it, clause punctuation after it).

    ``"días,"`` -> ``(("dias",), False, True)``; ``"¿Nu-Colombia"`` -> ``(("nu", "colombia"), True, False)``.
    """
    folded = fold(raw).strip()
    tokens = tuple(t for t in _NON_WORD.split(folded) if t)
    lead = bool(folded) and bool(_CLAUSE_PUNCT.match(folded[0]))
    trail = bool(folded) and bool(_CLAUSE_PUNCT.match(folded[-1]))
    return tokens, lead, trail


def join_spoken_digits(tokens: list[str]) -> list[str]:
    """Runs of two or more digit words become one number token; a lone digit word stays a word."""
    out: list[str] = []
    run: list[str] = []
    for tok in tokens:
        if tok in DIGIT_WORDS or (tok.isdigit() and run):
            run.append(DIGIT_WORDS.get(tok, tok))
            continue
        _flush_digits(run, out)
        run = []
        out.append(tok)
    _flush_digits(run, out)
    return out


def _flush_digits(run: list[str], out: list[str]) -> None:
    if not run:
        return
    if len(run) == 1:
        # a single digit word: keep the word ("uno", "dos") — it is an article or a count, not a number read aloud
        inverse = {v: k for k, v in DIGIT_WORDS.items()}
        out.append(inverse.get(run[0], run[0]))
    else:
        out.append("".join(run))


@lru_cache(maxsize=50_000)
def normalize(text: str) -> str:
    """Normalised form of free text (a scorecard phrase, a label word, a transcript line)."""
    tokens: list[str] = []
    for raw in text.split():
        tokens.extend(normalize_word(raw)[0])
    return " ".join(join_spoken_digits(tokens))


@dataclass(slots=True)
class Token:
    """One normalised token of a transcript with where it came from."""

    text: str
    start: float
    end: float
    raw_first: int  # index of the first raw word it came from (within its segment)
    raw_last: int
    brk: bool  # a clause break (punctuation) precedes this token


@dataclass(slots=True)
class TokenizedSegment:
    index: int  # position of the segment in the transcript
    speaker: str
    start: float
    end: float
    raw_words: list[str]  # the words as heard, for evidence
    tokens: list[Token]
    joined: str  # " ".join(token texts), padded with spaces at both ends for whole-word search
    offsets: list[int]  # char offset of each token inside ``joined``
    raw_probs: list[float | None] | None = None  # the recogniser's probability per raw word, when it gave one

    def mean_probability(self, first_token: int, last_token: int) -> float | None:
        """Mean word probability over the raw words behind tokens ``first..last`` (None when unknown)."""
        if not self.raw_probs:
            return None
        a, b = self.tokens[first_token].raw_first, self.tokens[last_token].raw_last
        probs = [p for p in self.raw_probs[a : b + 1] if p is not None]
        return sum(probs) / len(probs) if probs else None

    def heard(self, first_token: int, last_token: int) -> str:
        a = self.tokens[first_token].raw_first
        b = self.tokens[last_token].raw_last
        return " ".join(w.strip() for w in self.raw_words[a : b + 1]).strip(" ,.;:")

    def token_at_offset(self, offset: int) -> int:
        """Index of the token that starts at char ``offset`` of ``joined``."""
        import bisect

        return bisect.bisect_left(self.offsets, offset)


def _raw_words(seg: Segment) -> list[tuple[str, float, float]]:
    """The segment's words with times; interpolated by character position when the engine gave none."""
    if seg.words:
        return [(w.word, float(w.start), float(w.end)) for w in seg.words if w.word and w.word.strip()]
    words = seg.text.split()
    if not words:
        return []
    total = sum(len(w) + 1 for w in words)
    span = max(float(seg.end) - float(seg.start), 0.0)
    out = []
    pos = 0
    for w in words:
        a = seg.start + span * pos / total
        pos += len(w) + 1
        b = seg.start + span * (pos - 1) / total
        out.append((w, a, b))
    return out


def tokenize_segment(seg: Segment, index: int) -> TokenizedSegment:
    raws = _raw_words(seg)
    probs = ([w.probability for w in seg.words if w.word and w.word.strip()]
             if seg.words and len(seg.words) >= len(raws) else None)
    tokens: list[Token] = []
    pending_break = False
    for ri, (word, a, b) in enumerate(raws):
        toks, lead, trail = normalize_word(word)
        for k, t in enumerate(toks):
            tokens.append(Token(t, a, b, ri, ri, k == 0 and (pending_break or lead)))
            pending_break = False
        if trail or (lead and not toks):
            pending_break = True
    tokens = _join_digit_tokens(tokens)
    texts = [t.text for t in tokens]
    offsets = []
    pos = 1
    for t in texts:
        offsets.append(pos)
        pos += len(t) + 1
    return TokenizedSegment(
        index=index,
        speaker=seg.speaker,
        start=float(seg.start),
        end=float(seg.end),
        raw_words=[w for w, _, _ in raws],
        tokens=tokens,
        joined=" " + " ".join(texts) + " ",
        offsets=offsets,
        raw_probs=probs,
    )


def _join_digit_tokens(tokens: list[Token]) -> list[Token]:
    if not any(t.text in DIGIT_WORDS for t in tokens):
        return tokens
    out: list[Token] = []
    run: list[Token] = []

    def flush() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run:
            digits = "".join(DIGIT_WORDS.get(t.text, t.text) for t in run)
            out.append(Token(digits, run[0].start, run[-1].end, run[0].raw_first, run[-1].raw_last, run[0].brk))

    for t in tokens:
        if (t.text in DIGIT_WORDS or (t.text.isdigit() and run)) and not (run and t.brk):
            run.append(t)
            continue
        flush()
        run = []
        if t.text in DIGIT_WORDS:
            run.append(t)
        else:
            out.append(t)
    flush()
    return out
