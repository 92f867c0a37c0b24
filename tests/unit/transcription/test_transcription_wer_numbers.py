"""Spoken Spanish numbers and the WER function used by the benchmark."""

from __future__ import annotations

import pytest
from callaudit_testkit.wer import normalize_for_wer, wer, word_errors

from callaudit.transcription.numbers_es import norm_token, spoken_to_digits, written_digits


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("uno cero tres dos", "1 0 3 2"),
        ("doble cero siete", "00 7"),
        ("triple nueve", "999"),
        ("treinta y dos", "32"),
        ("veintitrés", "23"),
        ("dieciséis", "16"),
        ("ciento cinco", "105"),
        ("trescientos quince", "315"),
        ("cien", "100"),
        ("setenta y ocho noventa", "78 90"),
        ("cincuenta mil pesos", "50 mil pesos"),  # "mil" is never swallowed
        ("a las tres y media", "a las 3 y media"),  # "y" joins only tens and a unit
    ],
)
def test_spoken_numbers(spoken, digits):
    assert spoken_to_digits(spoken) == digits


def test_written_numbers_and_tokens():
    assert written_digits("10.324.567,") == "10324567"
    assert written_digits("+57") == "57"
    assert written_digits("315-456-7890") == "3154567890"
    assert written_digits("3:30") is None and written_digits("15/03/2024") is None and written_digits("$50.000") is None
    assert norm_token("¿Cédula?") == "cedula"


def test_wer_counts_substitutions_deletions_insertions():
    r = word_errors("buenos días habla con andrés", "buenas días habla andrés ahora")
    assert (r.substitutions, r.deletions, r.insertions, r.reference_words) == (1, 1, 1, 5)
    assert r.wer == pytest.approx(3 / 5)
    assert wer("hola", "hola") == 0.0
    assert wer("", "") == 0.0 and wer("", "algo") == 1.0


def test_wer_normalisation_ignores_case_accents_punctuation_and_number_spelling():
    assert normalize_for_wer("¿Treinta y dos, Señor?") == ["3", "2", "senor"]
    assert wer("Mi cédula es uno cero tres dos.", "mi cedula es 1032") == 0.0
    assert wer("son treinta y dos", "son 32") == 0.0
    pooled = word_errors("a b c d", "a b c d") + word_errors("a b", "a x")
    assert pooled.wer == pytest.approx(1 / 6)
