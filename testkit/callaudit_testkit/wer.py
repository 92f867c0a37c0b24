"""Word error rate for Spanish call transcripts.

Normalisation (applied to reference and hypothesis alike): lower case, accents removed, punctuation removed,
numbers as digits one per token — "Treinta y dos" and "32" both become ``3 2``, "uno cero" and "10" both
``1 0`` — because how a recogniser chooses to write a number is not a recognition error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callaudit.transcription.numbers_es import spoken_to_digits, strip_accents

_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)


def normalize_for_wer(text: str) -> list[str]:
    t = spoken_to_digits(text)
    t = strip_accents(t.lower())
    t = _NON_WORD.sub(" ", t)
    tokens: list[str] = []
    for w in t.split():
        tokens.extend(list(w) if w.isdigit() else [w])
    return tokens


@dataclass(frozen=True)
class WerResult:
    errors: int
    reference_words: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def wer(self) -> float:
        if self.reference_words == 0:
            return 0.0 if self.errors == 0 else 1.0
        return self.errors / self.reference_words

    def __add__(self, other: WerResult) -> WerResult:  # pooled WER over several utterances
        return WerResult(self.errors + other.errors, self.reference_words + other.reference_words,
                         self.substitutions + other.substitutions, self.deletions + other.deletions,
                         self.insertions + other.insertions)


def word_errors(reference: str | list[str], hypothesis: str | list[str]) -> WerResult:
    """Word-level Levenshtein alignment (substitution = deletion = insertion = 1)."""
    ref = normalize_for_wer(reference) if isinstance(reference, str) else list(reference)
    hyp = normalize_for_wer(hypothesis) if isinstance(hypothesis, str) else list(hypothesis)
    # dp rows of (cost, subs, dels, ins)
    prev = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i in range(1, len(ref) + 1):
        cur = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            if ref[i - 1] == hyp[j - 1]:
                cur.append(prev[j - 1])
                continue
            s, d, n = prev[j - 1], prev[j], cur[j - 1]
            best = min(
                (s[0] + 1, s[1] + 1, s[2], s[3]),
                (d[0] + 1, d[1], d[2] + 1, d[3]),
                (n[0] + 1, n[1], n[2], n[3] + 1),
            )
            cur.append(best)
        prev = cur
    cost, subs, dels, ins = prev[-1]
    return WerResult(cost, len(ref), subs, dels, ins)


def wer(reference: str, hypothesis: str) -> float:
    return word_errors(reference, hypothesis).wer
