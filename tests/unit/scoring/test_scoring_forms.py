"""Phrase forms (callaudit/scoring/forms.py): the grammar, and word-by-word matching tolerant of a recogniser."""

from __future__ import annotations

import re

import pytest

from callaudit.scoring.forms import (
    GAP,
    NAME,
    FormError,
    FormMatcher,
    NameCheck,
    expand,
    similarity,
    sounds_like,
)
from callaudit.scoring.normalize import normalize


def toks(text: str) -> list[str]:
    return normalize(text).split()


# ---- the grammar ------------------------------------------------------------------------------------------
def test_alternatives_and_optional_groups_expand_to_every_reading():
    readings = expand("en qué (le|lo)? puedo (ayudar|servir)")
    assert len(readings) == 3 * 2
    assert ("en", "que", "le", "puedo", "ayudar") in readings
    assert ("en", "que", "puedo", "servir") in readings  # the optional group left out


def test_multiword_alternatives_nest_and_markers_are_kept():
    readings = expand("(que tenga|tenga) … (día|buena tarde)")
    assert ("que", "tenga", GAP, "dia") in readings and ("tenga", GAP, "buena", "tarde") in readings
    assert expand("(le)? habla {name}") == [("le", "habla", NAME), ("habla", NAME)]


def test_question_marks_of_the_text_are_punctuation_not_grammar():
    assert expand("¿en qué le ayudo?") == [("en", "que", "le", "ayudo")]


def test_keep_spelling_keeps_accents_for_the_recogniser():
    assert expand("(qué|cómo) tal", keep_spelling=True)[0] == ("qué", "tal")


@pytest.mark.parametrize("bad, problem", [
    ("en qué (le|lo puedo", "missing ')'"),
    ("en qué (le||lo) puedo", "empty alternative"),
    ("… hola", "only goes between words"),
    ("(a|b) (c|d) (e|f) (g|h)", None),  # fine
])
def test_broken_forms_are_refused_with_the_reason(bad, problem):
    if problem is None:
        assert len(expand(bad)) == 16
        return
    with pytest.raises(FormError, match=re.escape(problem)):
        expand(bad)


def test_a_form_that_explodes_is_refused():
    with pytest.raises(FormError, match="more than"):
        expand(" ".join(["(a|b|c|d|e|f|g|h|i|j)"] * 6))


# ---- hearing --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("heard, word", [("colavorar", "colaborar"), ("abla", "habla"), ("felis", "feliz"),
                                         ("grasias", "gracias"), ("kiero", "quiero"), ("yamo", "llamo")])
def test_spellings_a_recogniser_confuses_sound_the_same(heard, word):
    assert sounds_like(heard) == sounds_like(word)
    assert similarity(heard, word, 80) >= 95


def test_short_words_must_be_exact_and_long_ones_allow_a_few_edits():
    assert similarity("le", "la", 80) == 0 and similarity("ola", "hola", 80) == 0
    assert similarity("ke", "que", 80) == 95
    assert similarity("colaboar", "colaborar", 80) > 80  # one letter dropped
    assert similarity("despedida", "desayuno", 80) == 0


def test_matcher_finds_a_form_through_recogniser_damage():
    m = FormMatcher(["en qué (le|lo)? (puedo|podemos) (ayudar|colaborar)"], 80)
    for text in ("en ke le puedo colavorar", "en qué le puedocolaborar", "en qué le pue do colaborar",
                 "en qué, eh, le puedo ayudar"):
        hits = m.find(toks(text))
        assert len(hits) == 1, text
    assert m.find(toks("usted me puede ayudar")) == []


def test_gap_spans_a_few_words_but_not_a_clause_break():
    m = FormMatcher(["que (tenga|pase) … (día|tarde)"], 80)
    assert m.find(toks("que tenga un excelente día"))
    assert m.find(toks("que pase una muy linda tarde"))  # three words in the gap
    assert not m.find(toks("que tenga en cuenta el recibo del día"))  # four words: too far
    words = toks("que tenga paciencia. El día quince")
    breaks = [False, False, False, True, False, False]
    assert not m.find(words, breaks=breaks)


def test_name_slot_asks_the_name_check():
    m = FormMatcher(["(le)? habla (con)? {name}"], 80)
    only_carolina = NameCheck(frozenset({"el", "la", "usted"}))
    hit = m.find(toks("buenos días le habla Carolina"), only_carolina)[0]
    assert hit.name == "carolina"
    assert not m.find(toks("le habla la doctora"), only_carolina)  # "la" can never be a name
    glued = m.find(toks("habla concarlos"), only_carolina)[0]  # "con" glued to the name
    assert glued.name in ("carlos", "concarlos")


def test_longest_reading_wins_at_one_start():
    m = FormMatcher(["buenas", "buenas tardes"], 80)
    hit = m.find(toks("buenas tardes señora"))[0]
    assert (hit.first, hit.last) == (0, 1)
