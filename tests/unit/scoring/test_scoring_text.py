"""Normalisation, phrase matching and forbidden-word matching on their own."""

from __future__ import annotations

import pytest

from callaudit.scoring.matching import ForbiddenMatcher, PhraseMatcher
from callaudit.scoring.normalize import normalize, tokenize_segment
from callaudit.scoring.scorecard import V1_SCORECARD, load_scorecard
from callaudit.transcript import Segment, Word


@pytest.mark.parametrize(
    "raw, norm",
    [
        ("¡Buenos DÍAS!, habla con Andrea.", "buenos dias habla con andrea"),
        ("Cállese   ÑOÑO", "callese nono"),
        ("mi cédula es uno cero tres dos", "mi cedula es 1032"),
        ("uno de nuestros asesores", "uno de nuestros asesores"),  # a lone digit word is an article
        ("Nu-Colombia", "nu colombia"),
        ("¿en qué le puedo colaborar?", "en que le puedo colaborar"),
        ("", ""),
    ],
)
def test_normalize(raw, norm):
    assert normalize(raw) == norm


def test_tokens_keep_word_times_and_clause_breaks():
    seg = Segment("customer", 1, 10.0, 14.0, "No, gracias. Uno cero tres",
                  words=[Word(" No,", 10.0, 10.3), Word(" gracias.", 10.4, 11.0), Word(" Uno", 11.5, 11.8),
                         Word(" cero", 11.9, 12.2), Word(" tres", 12.3, 12.6)])
    ts = tokenize_segment(seg, 3)
    assert [t.text for t in ts.tokens] == ["no", "gracias", "103"]
    assert [t.brk for t in ts.tokens] == [False, True, True]
    assert (ts.tokens[2].start, ts.tokens[2].end) == (11.5, 12.6)  # the number spans its three words
    assert ts.heard(0, 1) == "No, gracias"
    assert ts.index == 3


def test_segment_without_words_gets_interpolated_times():
    ts = tokenize_segment(Segment("agent", 2, 0.0, 10.0, "hola que tal"), 0)
    starts = [t.start for t in ts.tokens]
    assert starts[0] == 0.0 and starts == sorted(starts) and starts[-1] < 10.0


@pytest.fixture(scope="module")
def card():
    return load_scorecard(V1_SCORECARD)


def seg(text: str):
    return tokenize_segment(Segment("agent", 2, 0.0, 5.0, text), 0)


@pytest.mark.parametrize(
    "text, phrase, min_score",
    [
        ("buenos dias", "buenos días", 100),
        ("Buenos díaz señor", "buenos días", 85),
        ("bue nos días", "buenos días", 85),
        ("muy buenastardes", "buenas tardes", 85),
        ("Nucolombia, le habla Carlos", "le habla {name}", 100),
        ("bienvenido a Nu Colombiale habla Carlos", "le habla {name}", 90),
    ],
)
def test_phrase_matcher_tolerates_asr(card, text, phrase, min_score):
    crit = next(c for c in card.criteria.values() if any(p.text == phrase for p in c.phrases))
    m = PhraseMatcher(crit.phrases, card.fuzzy_threshold, card.name_stopwords).best_in_segment(seg(text))
    assert m is not None and m.phrase == phrase and m.score >= min_score


@pytest.mark.parametrize("text", ["buenas noticias del banco", "hola", "nombre del titular", "me da pena"])
def test_phrase_matcher_does_not_invent_protocol(card, text):
    ident = card.criteria["identification"]
    assert PhraseMatcher(ident.phrases, card.fuzzy_threshold, card.name_stopwords).best_in_segment(seg(text)) is None


def test_short_phrases_must_be_exact(card):
    greet = card.criteria["greeting"]
    matcher = PhraseMatcher(greet.phrases, card.fuzzy_threshold, card.name_stopwords)
    assert matcher.best_in_segment(seg("hola")) is not None
    assert matcher.best_in_segment(seg("ola")) is None  # "hola" is 4 letters: no fuzzy match


@pytest.mark.parametrize(
    "text, found",
    [
        ("cállese", ["cállese"]),
        ("la calle", []),
        ("no sea bruto", ["bruto"]),
        ("eso está brutal", []),  # es-CO slang for "great": not the insult
        ("qué brutalidad", []),
        ("ESTÚPIDAS", ["estúpido"]),
        ("no tengo ni idea", ["ni idea"]),
        ("ni ideas", []),
        ("eso no es mi problema", ["eso no es mi problema"]),  # the longest form, once
        ("que pe reza", ["qué pereza"]),  # split multi-word expression
        ("la calle se llama", []),  # a split single word is never rebuilt
        ("idiota idiota", ["idiota", "idiota"]),  # the matcher reports occurrences; the audit deduplicates
    ],
)
def test_forbidden_matcher_whole_words(card, text, found):
    hits = ForbiddenMatcher(card.forbidden.expressions).find(seg(text))
    assert [h.phrase for h in hits] == found
