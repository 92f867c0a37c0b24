"""Phrase forms: one scorecard line that stands for every way of saying a protocol step, matched word by word.

A list of fixed phrases only finds the wording it was written from. A QA analyst describes a step by its
structure instead — "que + (tenga|pase|disfrute) + … + (día|tarde|noche)" — so a scorecard of ``matching.mode:
forms`` writes each phrase as a small grammar over words:

* ``(a|b c|d)``   alternatives (each may be several words, and may nest);
* ``(a|b)?``      an optional group (``(le)?`` = an optional word);
* ``{name}``      a person's name (what counts as a name is decided by the caller: see :class:`NameCheck`);
* ``{any_name}``  any word that may be a name, even one the caller does not know — for unambiguous
  self-introductions ("mi nombre es {any_name}"), where a recogniser's mangled name is still a name;
* ``…`` or ``...``  up to :data:`GAP_WORDS` words of anything.

``"en qué (le|lo|la)? (puedo|podemos) (ayudar|colaborar|servir)"`` covers 2 × 4 × 2 × 3 = 48 phrases.

Matching is per word, so it tolerates what a recogniser does to Spanish: a word matches when it is the same once
normalised, the same by ear (:func:`sounds_like`: b/v, s/z/c, ll/y, silent h, qu/k — "colavorar", "abla",
"felis", "grasias"), or within a small edit distance set by the scorecard's ``fuzzy_threshold``; two heard words
can make one phrase word ("bue nos") and one heard word can hold two ("puedocolaborar", "concarlos" = "con" +
a name). Fillers and stutters between phrase words are skipped ("mi nombre es, eh, Carolina"; "le le habla").
Words of three letters or fewer must be heard exactly: at any tolerance "la" is "le" and "lo", and "Ola" (a
company) would be "hola".

All alternatives of a matcher's forms are expanded once into a word trie, so a segment is walked once per
criterion however many phrases it has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from callaudit.scoring.normalize import normalize

NAME = "{name}"
ANY_NAME = "{any_name}"
SLOTS = (NAME, ANY_NAME)
GAP = "…"
GAP_WORDS = 3
MAX_EXPANSIONS = 20_000  # per form: a typo such as a missing ")" must not blow up memory

# spoken fillers and hesitations skipped between the words of a form (never inside a forbidden expression)
FILLERS = frozenset({"eh", "ehh", "ehhh", "em", "emm", "mm", "mmm", "hmm", "este", "esto", "pues", "ah", "aja",
                     "bueno", "osea"})
MAX_SKIPS = 2


class FormError(ValueError):
    """A phrase form that cannot be read (unbalanced parentheses, empty alternative...)."""


# ---- parsing ------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\{name\}|\{any_name\}|\.\.\.|…|\)\?|[()|]|[^\s()|…]+")


def expand(text: str, limit: int = MAX_EXPANSIONS, keep_spelling: bool = False) -> list[tuple[str, ...]]:
    """Every word sequence a form stands for (normalised words, ``{name}`` and ``…`` kept as markers);
    ``keep_spelling``: words as written (accents kept, lower case) — what a recogniser is biased with."""
    raw = [t for t in _TOKEN.findall(text.replace("¿", " ").replace("?", " ?").replace(") ?", ")?"))
           if t not in ("?",)]
    pos = 0

    def seq() -> list[tuple[str, ...]]:
        nonlocal pos
        out: list[tuple[str, ...]] = [()]
        while pos < len(raw) and raw[pos] not in ("|", ")", ")?"):
            tok = raw[pos]
            if tok == "(":
                pos += 1
                options = alt()
                if pos >= len(raw) or raw[pos] not in (")", ")?"):
                    raise FormError(f"missing ')' in {text!r}")
                if raw[pos] == ")?":
                    options = [*options, ()]
                pos += 1
            elif tok in (NAME, ANY_NAME, GAP, "..."):
                options = [(tok,)] if tok in SLOTS else [(GAP,)]
                pos += 1
            else:
                words = tuple(normalize(tok).split())
                if keep_spelling and words:
                    words = tuple(w for w in re.split(r"[^\w]+", tok.lower()) if w)
                pos += 1
                if not words:  # punctuation on its own
                    continue
                options = [words]
            out = [a + b for a in out for b in options]
            if len(out) > limit:
                raise FormError(f"{text!r} stands for more than {limit:,} phrases: split it in several lines")
        return out

    def alt() -> list[tuple[str, ...]]:
        nonlocal pos
        options = seq()
        while pos < len(raw) and raw[pos] == "|":
            pos += 1
            options += seq()
        if any(not o for o in options) and len(options) > 1:
            raise FormError(f"empty alternative in {text!r}: write (a|b)? for an optional group")
        return options

    result = alt()
    if pos < len(raw):
        raise FormError(f"unexpected {raw[pos]!r} in {text!r}")
    result = [r for r in dict.fromkeys(result) if any(w not in (NAME, ANY_NAME, GAP) for w in r)]
    if not result:
        raise FormError(f"{text!r} has no words")
    for r in result:
        if r[0] == GAP or r[-1] == GAP:
            raise FormError(f"{text!r}: '…' only goes between words")
    return result


# ---- word similarity ----------------------------------------------------------------------------------------
_EAR = [
    (re.compile(r"h"), ""),  # silent h ("abla"); "ch" is kept below
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "u"),
    (re.compile(r"(.)\1"), r"\1"),
    (re.compile(r"y$"), "i"),
]


@lru_cache(maxsize=100_000)
def sounds_like(word: str, keep_h: bool = False) -> str:
    """A coarse Spanish phonetic key: two spellings a recogniser confuses get the same key."""
    w = word.replace("ch", "\x00")
    for rx, rep in _EAR[1:] if keep_h else _EAR:
        w = rx.sub(rep, w)
    return w.replace("\x00", "ch")


def max_edits(word: str, threshold: float) -> int:
    """Edits a heard word may differ from ``word`` by: none up to 3 letters, then ``len * (100 - threshold)``."""
    if len(word) <= 3:
        return 0
    return int(len(word) * (100.0 - threshold) / 100.0 + 1e-9)


@lru_cache(maxsize=200_000)
def similarity(heard: str, word: str, threshold: float) -> float:
    """100 = the same word, 95 = the same by ear, less = within the allowed edits; 0 = a different word."""
    if heard == word:
        return 100.0
    if len(heard) <= 3 or len(word) <= 3:
        # too short for edits ("la"/"le"/"lo"); by ear only without the silent h: "ke" is "que", but "Ola" (a
        # company) is not "hola"
        return 95.0 if sounds_like(heard, keep_h=True) == sounds_like(word, keep_h=True) else 0.0
    if sounds_like(heard) == sounds_like(word):
        return 95.0
    allowed = max_edits(word, threshold)
    if allowed == 0 or abs(len(heard) - len(word)) > allowed:
        return 0.0
    d = Levenshtein.distance(sounds_like(heard), sounds_like(word), score_cutoff=allowed)
    if d > allowed:
        return 0.0
    return round(100.0 * (1.0 - d / max(len(word), 1)), 1)


# ---- the trie ---------------------------------------------------------------------------------------------
_CACHE_LIMIT = 50_000


class _Node:
    __slots__ = ("words", "name", "any_name", "gap", "ends", "moves", "splits")

    def __init__(self, words=None, name=None, gap=None, ends=None):
        self.words: dict[str, _Node] = words if words is not None else {}
        self.name: _Node | None = name
        self.any_name: _Node | None = None
        self.gap: _Node | None = gap
        self.ends: int | None = ends  # index of the form that ends here (the first one written wins)
        self.moves: dict[str, tuple] = {}  # heard word -> ((child, score, phrase words consumed), ...)
        self.splits: dict[tuple[str, str], tuple] = {}  # two heard words -> ((child, score), ...)


def _add(root: _Node, seq: tuple[str, ...], form: int) -> None:
    node = root
    for w in seq:
        if w == NAME:
            node.name = node.name or _Node()
            node = node.name
        elif w == ANY_NAME:
            node.any_name = node.any_name or _Node()
            node = node.any_name
        elif w == GAP:
            node.gap = node.gap or _Node()
            node = node.gap
        else:
            node = node.words.setdefault(w, _Node())
    if node.ends is None:
        node.ends = form


@dataclass(slots=True)
class FormHit:
    form: int  # index into the matcher's forms
    first: int  # first and last token of the segment that the hit covers
    last: int
    score: float  # mean word similarity, 100 = every word exact
    name: str | None = None  # the token that filled {name}
    name_kind: str | None = None  # what made it a name (see NameCheck)


class NameCheck:
    """Decides whether a heard word is a person's name for a ``{name}`` slot: returns a kind, or None.

    This default accepts any alphabetic word that is not a stopword; the scorer passes a stricter one.
    """

    def __init__(self, stopwords: frozenset[str] = frozenset()):
        self.stopwords = stopwords

    def __call__(self, token: str, open_slot: bool = False) -> str | None:
        """``open_slot``: the form says any name-like word will do (``{any_name}``)."""
        return "word" if token.isalpha() and len(token) >= 2 and token not in self.stopwords else None


class FormMatcher:
    """Every form of one criterion, compiled into a word trie."""

    def __init__(self, forms: list[str] | tuple[str, ...], threshold: float):
        self.forms = tuple(forms)
        self.threshold = float(threshold)
        self.root = _Node()
        for i, text in enumerate(self.forms):
            for seq in expand(text):
                _add(self.root, seq, i)
        # first words of forms whose second slot is a name ("soy {name}"): heard glued to it, "soycarlos"
        self._before_name = tuple(word for word, child in self.root.words.items() if child.name is not None)
        self._start_cache: dict[str, int] = {}  # heard word -> _start_kind

    # ---- one segment --------------------------------------------------------------------------------------
    def find(self, tokens: list[str], names: NameCheck | None = None,
             breaks: list[bool] | None = None) -> list[FormHit]:
        """Every non-overlapping hit in a token list, left to right (the longest, then best, hit at each start)."""
        names = names or NameCheck()
        out: list[FormHit] = []
        root = self.root
        # a form that can start with any word (a name, a gap) is searched from every position; otherwise only
        # from the words that can begin one (most words of a call cannot: the search is skipped for them)
        every = root.name is not None or root.any_name is not None or root.gap is not None
        n = len(tokens)
        if every:
            starts = range(n)
        else:
            starts = [i for i, tok in enumerate(tokens) if self._may_start(tokens, i, tok)]
            if not starts:
                return out
        after = -1  # hits do not overlap: the next search starts after the last hit
        for i in starts:
            if i <= after:
                continue
            best = self._longest_from(tokens, i, names, breaks)
            if best is not None:
                out.append(best)
                after = best.last
        return out

    def _may_start(self, tokens: list[str], i: int, tok: str) -> bool:
        """Whether a form can begin at ``tokens[i]``: exactly the root moves :meth:`_longest_from` would try.

        Decided once per heard word (:meth:`_start_kind`); only a word that may be the first half of a split
        phrase word ("bue nos") looks at the next word."""
        kind = self._start_cache.get(tok)
        if kind is None:
            kind = self._start_kind(tok)
        if kind == 1:
            return True
        return kind == 2 and i + 1 < len(tokens) and bool(self._splits(self.root, tok, tokens[i + 1]))

    def _start_kind(self, tok: str) -> int:
        """0 = no form starts with this word, 1 = one may, 2 = only if the next word completes a split word."""
        root = self.root
        if self._moves(root, tok, True) or (len(tok) >= 5 and any(
                tok.startswith(word) and len(tok) - len(word) >= 3 for word in self._before_name)):
            kind = 1
        elif len(tok) < 8 and any(len(word) >= 5 and len(tok) < len(word) and word[0] == tok[0]
                                  for word in root.words):
            kind = 2  # the same pre-condition as _splits
        else:
            kind = 0
        if len(self._start_cache) > _CACHE_LIMIT:
            self._start_cache.clear()
        self._start_cache[tok] = kind
        return kind

    # ---- moves from a node, cached per heard word ----------------------------------------------------------
    def _moves(self, node: _Node, tok: str, at_start: bool) -> tuple:
        got = node.moves.get(tok)
        if got is not None:
            return got
        out = []
        th = self.threshold
        for word, child in node.words.items():
            s = similarity(tok, word, th)
            if s:
                out.append((child, s, 1))
                continue
            if len(tok) >= 5 and len(tok) > len(word) and tok[0] == word[0]:
                # one heard word holding two phrase words: "puedocolaborar"
                for w2, grandchild in child.words.items():
                    if similarity(tok, word + w2, th):
                        out.append((grandchild, 92.0, 2))
            if at_start and len(word) >= 5 and len(tok) > len(word) and tok.endswith(word):
                out.append((child, 92.0, 1))  # noise glued before the first word: "diasbienvenido"
        got = tuple(out)
        if len(node.moves) > _CACHE_LIMIT:
            node.moves.clear()
        node.moves[tok] = got
        return got

    def _splits(self, node: _Node, tok: str, nxt: str) -> tuple:
        key = (tok, nxt)
        got = node.splits.get(key)
        if got is not None:
            return got
        joined = tok + nxt
        got = tuple((child, min(similarity(joined, word, self.threshold), 92.0))
                    for word, child in node.words.items()
                    if len(word) >= 5 and len(tok) < len(word) and word[0] == tok[0]
                    and similarity(joined, word, self.threshold))
        if len(node.splits) > _CACHE_LIMIT:
            node.splits.clear()
        node.splits[key] = got
        return got

    def _longest_from(self, tokens, start, names, breaks) -> FormHit | None:
        best: FormHit | None = None
        n = len(tokens)
        # (node, next token, sum of similarities, phrase words matched, name, name kind, skips used)
        stack = [(self.root, start, 0.0, 0, None, None, 0)]
        while stack:
            node, j, total, count, name, kind, skips = stack.pop()
            if node.ends is not None and count:
                hit = FormHit(node.ends, start, j - 1, round(total / count, 1), name, kind)
                if best is None or (hit.last, hit.score) > (best.last, best.score):
                    best = hit
            if j >= n:
                continue
            tok = tokens[j]
            at_start = node is self.root
            if at_start and j != start:
                continue
            # fillers and stutters between phrase words (before the first word they are just not the start)
            if not at_start and skips < MAX_SKIPS and (tok in FILLERS or tok == tokens[j - 1]):
                stack.append((node, j + 1, total, count, name, kind, skips + 1))
            if node.words:
                for child, s, used in self._moves(node, tok, at_start):
                    stack.append((child, j + 1, total + s * used, count + used, name, kind, skips))
                if j + 1 < n and len(tok) < 8:
                    for child, s in self._splits(node, tok, tokens[j + 1]):
                        stack.append((child, j + 2, total + s, count + 1, name, kind, skips))
                # the last word before a name glued to the name: "concarlos"
                if len(tok) >= 5:
                    for word, child in node.words.items():
                        if child.name is not None and tok.startswith(word) and len(tok) - len(word) >= 3:
                            glued = tok[len(word):]
                            k = names(glued)
                            if k:
                                stack.append((child.name, j + 1, total + 2 * 92.0, count + 2, glued, k, skips))
            if node.name is not None:
                k = names(tok)
                if k:
                    stack.append((node.name, j + 1, total + 100.0, count + 1, tok, k, skips))
            if node.any_name is not None:
                k = names(tok, open_slot=True)
                if k:
                    stack.append((node.any_name, j + 1, total + 100.0, count + 1, tok, k, skips))
            if node.gap is not None:
                for g in range(0, GAP_WORDS + 1):  # a gap never spans a clause break
                    if j + g < n and not (breaks and any(breaks[j: j + g + 1])):
                        stack.append((node.gap, j + g, total, count, name, kind, skips))
        return best
