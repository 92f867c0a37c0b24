"""Finding scorecard phrases and forbidden expressions in what ASR heard.

Protocol phrases are matched fuzzily: ASR substitutes letters ("buenos díaz"), splits and merges words
("Nucolombia", "en que le puedo colavorar"). Every phrase is first looked up exactly in the normalised segment
(cheap, and the common case); only when that fails are word windows of the phrase's length +-1 compared with
rapidfuzz's ``ratio`` (normalised Indel similarity, 0-100) against the scorecard's threshold — only the windows
around the stretch ``partial_ratio_alignment`` found most similar, so a segment costs one C call per phrase. Phrases shorter
than ``fuzzy_min_chars`` must be heard exactly: at 80% a four-letter word would match half the dictionary.

Forbidden expressions are matched exactly, on whole normalised words, against the canonical form and the
variants the scorecard lists. Never fuzzily: "no me importa" and "no le importa" are 92% similar and only one of
them is rude. Never inside another word: "cállese" is forbidden, "calle" is not; "bruto" is, "brutal" is not.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from callaudit.scoring.normalize import TokenizedSegment
from callaudit.scoring.scorecard import ForbiddenExpression, Phrase


@dataclass(slots=True)
class Match:
    phrase: str  # the scorecard phrase (as written) or the forbidden expression's canonical form
    heard: str  # the words as the transcript has them
    start: float
    end: float
    speaker: str
    score: float  # 100 = exact after normalisation
    segment: int  # index of the segment in the transcript
    first_token: int
    last_token: int
    name: str | None = None  # the word that filled a {name} slot
    name_kind: str | None = None  # why it was taken for a name: agent (their directory name), known_name, word

    def to_dict(self) -> dict[str, Any]:
        out = {
            "phrase": self.phrase,
            "heard": self.heard,
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "speaker": self.speaker,
            "score": round(self.score, 1),
            "segment": self.segment,
        }
        if self.name:
            out["name"] = self.name
            out["name_kind"] = self.name_kind
        return out


class PhraseMatcher:
    """All phrases of one criterion, compiled once per scorecard."""

    def __init__(self, phrases: tuple[Phrase, ...], threshold: float, name_stopwords: frozenset[str], patterns=()):
        self.phrases = phrases
        self.threshold = threshold
        self.stopwords = name_stopwords
        self.patterns = tuple(patterns)
        # exact search, tolerant of ASR gluing a multi-word phrase to its neighbours ("colombiale habla carlos",
        # "buenos diasbienvenido", "habla concarlos"): the letters must be exact, only a word boundary at the
        # phrase's edge moved -> score 92. (Forbidden words never get this: "no me importaba" is not rude.)
        self._exact = []
        for p in phrases:
            multi = len(p.tokens) >= 2
            glue_left = r"(?P<pre>[a-z0-9]*)" if multi else r"(?P<pre>)"
            if p.name_slot:
                tail = r"(?: (?P<name>[a-z]+)|(?P<glued>[a-z]{3,}))(?= )"
            else:
                tail = r"(?P<post>[a-z0-9]*)(?= )" if multi else r"(?P<post>)(?= )"
            self._exact.append((p, re.compile(r"(?<= )" + glue_left + re.escape(p.norm) + tail)))
        self._fuzzy = [p for p in phrases if p.fuzzy]
        groups: dict[int, list[Phrase]] = {}
        for p in self._fuzzy:
            groups.setdefault(len(p.tokens), []).append(p)
        self._fuzzy_groups = sorted(groups.items())

    # ---- one segment ----------------------------------------------------------------------------------
    def best_in_segment(self, seg: TokenizedSegment, names=None) -> Match | None:
        """The best hit of any phrase in the segment (exact hits first, earliest wins among equals).
        ``names`` is ignored: fixed phrases only check a {name} against the stopwords."""
        best: Match | None = None
        joined = seg.joined
        for phrase, rx in self._exact:
            if phrase.norm not in joined:
                continue
            for found in rx.finditer(joined):
                name = found.groupdict().get("name") or found.groupdict().get("glued")
                if phrase.name_slot and (name is None or name in self.stopwords or name in phrase.tokens):
                    continue
                first = seg.token_at_offset(found.start())
                last = first + len(phrase.tokens) - 1 + (1 if found.groupdict().get("name") else 0)
                glued = found.group("pre") or found.groupdict().get("glued") or found.groupdict().get("post")
                score = 92.0 if glued else 100.0
                m = self._make(phrase.text, seg, first, last, score)
                if best is None or (m.score, -m.start) > (best.score, -best.start):
                    best = m
                break
        for pattern in self.patterns:
            found = pattern.search(joined)
            if found:
                first = seg.token_at_offset(_word_start(joined, found.start()))
                last = max(first, seg.token_at_offset(_word_start(joined, max(found.end() - 1, found.start()))))
                m = self._make(pattern.pattern, seg, first, min(last, len(seg.tokens) - 1), 100.0)
                if best is None or m.start < best.start:
                    best = m
        if (best is not None and best.score >= 100) or not self._fuzzy or not seg.tokens:
            return best
        fuzzy = self._fuzzy_best(seg)
        if fuzzy is not None and (best is None or fuzzy.score > best.score):
            return fuzzy
        return best

    def _fuzzy_best(self, seg: TokenizedSegment) -> Match | None:
        """Best fuzzy hit: rapidfuzz first aligns each phrase with the most similar stretch of the segment
        (``partial_ratio_alignment``, one C call, loose cut-off as a pre-filter); only there are word windows of
        the phrase's length +-1 scored with ``ratio`` against the real threshold."""
        texts = [t.text for t in seg.tokens]
        n_tok = len(texts)
        joined = seg.joined
        prefilter = self.threshold - 12
        best: Match | None = None
        for phrase in self._fuzzy:
            al = fuzz.partial_ratio_alignment(phrase.norm, joined, score_cutoff=prefilter)
            if al is None:
                continue
            t0 = max(0, bisect.bisect_right(seg.offsets, al.dest_start) - 1)
            t1 = max(t0, bisect.bisect_right(seg.offsets, max(al.dest_end - 1, al.dest_start)) - 1)
            n = len(phrase.tokens)
            hit: tuple[float, int, int] | None = None
            for start in range(max(0, t0 - 1), min(n_tok, t1 + 1)):
                for size in (n, n - 1, n + 1):
                    end = start + size
                    if size < 1 or end > n_tok or end <= t0:
                        continue
                    score = fuzz.ratio(phrase.norm, " ".join(texts[start:end]), score_cutoff=self.threshold)
                    if not score or (hit is not None and score <= hit[0]):
                        continue
                    if phrase.name_slot and not (
                        self._ends_like(texts[end - 1], phrase.tokens[-1]) and self._name_follows(seg, end - 1, phrase)
                    ):
                        continue
                    hit = (score, start, size)
            if hit is None:
                continue
            score, i, size = hit
            if best is None or score > best.score:
                last = i + size - 1 + (1 if phrase.name_slot else 0)
                best = self._make(phrase.text, seg, i, last, float(score))
        return best

    @staticmethod
    def _ends_like(heard: str, last_word: str) -> bool:
        # "hablacon" ends like "con" (glued), "kon" looks like it; "el" and "nombre" do not
        return heard.endswith(last_word) or fuzz.ratio(heard, last_word) >= 75

    def _name_follows(self, seg: TokenizedSegment, last_fixed_token: int, phrase: Phrase) -> bool:
        nxt = last_fixed_token + 1
        if nxt >= len(seg.tokens):
            return False
        tok = seg.tokens[nxt]
        return (
            tok.text.isalpha() and tok.text not in self.stopwords and tok.text not in phrase.tokens and not tok.brk
        )

    @staticmethod
    def _make(phrase: str, seg: TokenizedSegment, first: int, last: int, score: float) -> Match:
        last = min(last, len(seg.tokens) - 1)
        return Match(
            phrase=phrase,
            heard=seg.heard(first, last),
            start=seg.tokens[first].start,
            end=seg.tokens[last].end,
            speaker=seg.speaker,
            score=score,
            segment=seg.index,
            first_token=first,
            last_token=last,
        )


def _word_start(joined: str, pos: int) -> int:
    while pos > 0 and joined[pos - 1] != " ":
        pos -= 1
    return pos


class ForbiddenMatcher:
    """Exact whole-word matching of forbidden expressions and their variants.

    Multi-word expressions also match when ASR merged or split their words ("nome importa", "que pe reza"):
    the letters must be exactly the same once spaces are ignored. Single words are never joined from pieces:
    "la calle se llama" is a street, not "cállese".
    """

    def __init__(self, expressions: tuple[ForbiddenExpression, ...]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._squashed: dict[str, str] = {}
        self._max_len = 1
        for expr in expressions:
            for form in expr.forms:
                self._by_first.setdefault(form[0], []).append((form, expr.canonical))
                self._max_len = max(self._max_len, len(form))
                if len(form) >= 2:
                    self._squashed.setdefault("".join(form), expr.canonical)
        for forms in self._by_first.values():
            forms.sort(key=lambda f: -len(f[0]))  # longest form first: "eso no es mi problema" before "no es ..."
        # a merged/split window starts with its first heard word, so that word is a prefix of a squashed form
        self._prefixes = frozenset(sq[:k] for sq in self._squashed for k in range(1, len(sq) + 1))

    def find(self, seg: TokenizedSegment) -> list[Match]:
        texts = [t.text for t in seg.tokens]
        out: list[Match] = []
        by_first, prefixes = self._by_first, self._prefixes
        if not any(t in by_first or t in prefixes for t in texts):
            return out  # most segments: no word can begin a forbidden expression
        i = 0
        n = len(texts)
        while i < n:
            if texts[i] not in by_first and texts[i] not in prefixes:
                i += 1
                continue
            hit: tuple[int, str] | None = None
            for form, canonical in self._by_first.get(texts[i], ()):
                if tuple(texts[i : i + len(form)]) == form:
                    hit = (len(form), canonical)
                    break
            if hit is None and self._squashed:
                # merged or split words: the longest window whose letters equal a multi-word form
                for k in range(min(self._max_len + 1, n - i), 0, -1):
                    canonical = self._squashed.get("".join(texts[i : i + k]))
                    if canonical is not None:
                        hit = (k, canonical)
                        break
            if hit is None:
                i += 1
                continue
            k, canonical = hit
            out.append(PhraseMatcher._make(canonical, seg, i, i + k - 1, 100.0))
            i += k
        return out


def find_name(seg: TokenizedSegment, name: str, threshold: float) -> Match | None:
    """The agent's first name heard in a segment: a word, or two words glued ("la urea" -> "laurea"), at
    least ``threshold`` similar (rapidfuzz ratio), or a word containing the whole name ("alandreas", names of 5+
    letters). Names shorter than 4 letters must be heard exactly."""
    texts = [t.text for t in seg.tokens]
    best: tuple[float, int, int] | None = None
    for i, tok in enumerate(texts):
        for k, cand in ((1, tok), (2, tok + texts[i + 1] if i + 1 < len(texts) else "")):
            if not cand:
                continue
            if len(name) < 4:
                score = 100.0 if cand == name else 0.0
            else:
                score = fuzz.ratio(name, cand, score_cutoff=threshold)
                if not score and k == 1 and len(name) >= 5 and name in cand:
                    score = 90.0  # glued to a neighbour: "de Alandreas"
            if score and (best is None or score > best[0]):
                best = (score, i, i + k - 1)
    if best is None:
        return None
    score, first, last = best
    return PhraseMatcher._make("{name}", seg, first, last, score)


class FormPhraseMatcher:
    """The phrase forms of one criterion (``matching.mode: forms``) behind the same interface as PhraseMatcher.

    ``names`` decides what may fill a ``{name}`` slot (:class:`~callaudit.scoring.forms.NameCheck`); the scorer
    passes one that knows the agent's own name and the scorecard's list of first names.
    """

    def __init__(self, phrases: tuple[Phrase, ...], threshold: float, name_stopwords: frozenset[str]):
        from callaudit.scoring.forms import FormMatcher, NameCheck

        self.phrases = phrases
        self.matcher = FormMatcher([p.text for p in phrases], threshold)
        self.default_names = NameCheck(name_stopwords)

    def best_in_segment(self, seg: TokenizedSegment, names=None) -> Match | None:
        if not seg.tokens:
            return None
        texts = [t.text for t in seg.tokens]
        breaks = [t.brk for t in seg.tokens]
        best: Match | None = None
        for hit in self.matcher.find(texts, names or self.default_names, breaks):
            m = PhraseMatcher._make(self.phrases[hit.form].text, seg, hit.first, hit.last, hit.score)
            if hit.name:
                m.name = hit.name
                m.name_kind = hit.name_kind
            if best is None or (m.score, -m.start) > (best.score, -best.start):
                best = m
        return best
