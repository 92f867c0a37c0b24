"""PII redaction: spoken and written forms, across ASR word/segment splits, false-positive guards, Luhn."""

from __future__ import annotations

import pytest

from callaudit.transcript import Segment, Transcript, Word, render_text
from callaudit.transcription.redact import luhn_ok, redact_segments, redact_text, redact_transcript


def _words(text: str, start: float, step: float = 0.4, prob: float = 0.9) -> list[Word]:
    """Whisper-like words (punctuation attached) at regular times."""
    return [Word(w, round(start + k * step, 3), round(start + k * step + step * 0.9, 3), prob)
            for k, w in enumerate(text.split())]


def _seg(speaker: str, channel: int | None, text: str, start: float) -> Segment:
    words = _words(text, start)
    return Segment(speaker, channel, start, words[-1].end, text, 0.9, words)


# ---- spoken and written forms ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mi cédula es uno cero tres dos cuatro cinco seis siete ocho nueve, gracias.",
         "Mi cédula es [CEDULA], gracias."),
        ("El documento es 1.032.456.789.", "El documento es [CEDULA]."),
        ("C.C. 79845123", "C.C. [CEDULA]"),
        ("la ce ce siete nueve ocho cuatro cinco uno dos tres", "la ce ce [CEDULA]"),
        ("número de identificación: doble cero siete dos cuatro cinco seis uno", "número de identificación: [CEDULA]"),
        ("Mi celular es tres uno cinco cuatro cinco seis siete ocho nueve cero.", "Mi celular es [TELEFONO]."),
        ("Llámeme al trescientos quince, cuatro cincuenta y seis, setenta y ocho, noventa.", "Llámeme al [TELEFONO]."),
        ("es más cincuenta y siete tres uno cinco cuatro cinco seis siete ocho nueve cero", "es [TELEFONO]"),
        ("+57 315 456 7890", "[TELEFONO]"),
        ("3154567890", "[TELEFONO]"),
        ("el fijo es seis cero uno dos tres cuatro cinco seis siete ocho", "el fijo es [TELEFONO]"),
        ("el teléfono de la casa es dos tres cuatro cinco seis siete ocho", "el teléfono de la casa es [TELEFONO]"),
        ("número 4111 1111 1111 1111 listo", "número [TARJETA] listo"),
        ("la tarjeta es cuatro cinco cuatro cinco y cinco cinco cinco cinco", "la tarjeta es [TARJETA]"),
        ("mi correo es juan punto perez arroba gmail punto com listo", "mi correo es [EMAIL] listo"),
        ("escríbame a Juan.Perez@Gmail.com.", "escríbame a [EMAIL]."),
        ("ana guion bajo ruiz arroba hotmail punto com punto co", "[EMAIL]"),
        ("es juan ochenta y dos arroba gmail punto com", "es [EMAIL]"),
        ("el correo juan.perez arroba gmail.com", "el correo [EMAIL]"),
    ],
)
def test_spoken_and_written_pii(text, expected):
    assert redact_text(text) == expected


# ---- what must NOT be redacted --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Lo llamamos mañana a las tres y media.",
        "El saldo es de cincuenta mil pesos.",
        "Son un millón quinientos mil pesos.",
        "Son $1.500.000 de deuda.",
        "La factura del quince de marzo de dos mil veinticuatro.",
        "El pago vence el 15/03/2024 a las 3:30.",
        "El radicado es ocho cuatro cinco seis.",  # a short case number, no context
        "Son ciento veinte mil trescientos pesos.",
        "Espere dos minutos, son tres cuotas de cuarenta y cinco mil.",
        "Mi cédula la tengo aquí; son doscientos cincuenta mil pesos y tres cuotas.",  # context + amount
        "Espere, le confirmo: tres, dos, uno y ya quedó.",
    ],
)
def test_false_positive_guards(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El radicado es ocho cuatro cinco seis siete ocho nueve.", "El radicado es [NUMERO]."),
        ("4111 1111 1111 1112", "[NUMERO]"),  # 16 digits failing Luhn, no card context: not a card, still long
        ("cuatro cinco cuatro cinco cinco cinco cinco cinco cinco cinco cinco cinco cinco cinco cinco cinco",
         "[NUMERO]"),
        ("el código es cuatro ocho dos nueve uno siete", "el código es [NUMERO]"),
        # what Whisper wrote for espeak "uno cero dos, cuatro dos uno, cuatro siete dos ocho" after the agent's
        # "cédula" was misheard as "veluras": dense enough to be a number read aloud
        ("Claro que sí, uno se nos, cuatro nos uno, cuatro siete nos ocho.", "Claro que sí, [NUMERO]."),
        # a mobile number with one digit lost to the recogniser: no longer a phone pattern, still redacted
        ("es tres uno cinco, nos cuatro cinco, seis siete, ocho nueve", "es [NUMERO]"),
    ],
)
def test_long_numbers_without_context(text, expected):
    assert redact_text(text) == expected


def test_luhn():
    assert luhn_ok("4111111111111111") and luhn_ok("5500005555555559") and luhn_ok("378282246310005")
    assert not luhn_ok("4111111111111112") and not luhn_ok("1234567812345678") and not luhn_ok("abc")


def test_mangled_asr_digits_are_typed_by_context():
    # what Whisper base actually wrote for espeak "Es uno cero tres dos cuatro cinco seis siete ocho nueve"
    asr = "Es uno de los tres más cuatro cinco seis y siete ocho nueve."
    assert redact_text("¿Me regala su cédula? " + asr) == "¿Me regala su cédula? Es [CEDULA]."
    assert redact_text(asr) == "Es [NUMERO]."  # dense enough to be a number read aloud
    sparse = "uno de los tres más cuatro de la casa, cinco y seis"  # numbers, but not a number read aloud
    assert redact_text(sparse) == sparse


def test_an_answer_to_a_number_request_is_redacted_even_when_asr_turned_digits_into_non_words():
    # Whisper base on a synthetic call (bench_transcription, seed 7): the agent asked "¿me regala el número del
    # titular?" ("número de duranetitular"), the customer read "uno cero dos, cuatro dos uno, cuatro siete dos ocho"
    segments = [
        _seg("agent", 2, "Perfecto, primero, me regala el número de duranetitular.", 10.2),
        _seg("customer", 1, "Claro que sí, uno se los mos, cuatro mos uno, cuatro siete mosos.", 14.4),
    ]
    red, counts = redact_segments(segments)
    assert red[1].text == "Claro que sí, [NUMERO] mosos." and counts == {"NUMERO": 1}
    # without anyone asking for a number, the same sparse words are not taken for one
    alone = "uno se los mos, cuatro mos uno, cuatro siete mosos"
    assert redact_text(alone) == alone
    # and a question about a number followed by a short answer keeps the answer (4 digits: not an identifier)
    assert redact_text("¿cuál es el número de la oficina? es la tres cero uno dos") == \
        "¿cuál es el número de la oficina? es la tres cero uno dos"


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        # what Whisper base wrote on synthetic calls (bench_transcription --calls 8, seed 7): what is left of a
        # cédula or phone number given in answer is still redacted
        ("¡Perfecto! ¡Primero, me regala el número de duranelticular!",
         "Claro, ¿qué sí? Uno se los mostro, cuatro moz unos, cuatro siete mozosos...",
         "Claro, ¿qué sí? [NUMERO] mozosos..."),
        ("¡Con gusto! Me confirma el número nuevo, por favor.",
         "...se preguno seis, dos moz siete, no uno nos mostro.", "...se preguno [NUMERO] nos mostro."),
        ("Contusto, para la valinar su identidad, me vea la su lume o necel, ula por favor.",
         "Me demora su noceo, no smo su no, cuatro tres nueve uno cinto.",
         "Me demora su noceo, no smo su no, [CEDULA] cinto."),
        # answers that merely contain small numbers stay as they are
        ("¿Me regala su número de cédula?", "Sí, claro, tengo tres cuentas, una de ahorros y dos corrientes.",
         "Sí, claro, tengo tres cuentas, una de ahorros y dos corrientes."),
        ("¿Cuál es el número de su pedido?", "Eh, son como dos o tres pedidos, el último llegó hace cuatro días.",
         "Eh, son como dos o tres pedidos, el último llegó hace cuatro días."),
    ],
)
def test_what_is_left_of_a_number_given_in_answer_is_redacted(question, answer, expected):
    red, _ = redact_segments([_seg("agent", 2, question, 0.0), _seg("customer", 1, answer, 6.0)])
    assert red[1].text == expected


def test_digits_long_after_the_question_are_not_taken_for_the_answer():
    segments = [_seg("agent", 2, "¿Me confirma el número nuevo?", 0.0),
                _seg("customer", 1, "Un momento.", 3.0),
                _seg("agent", 2, "Listo, le ayudo con otra cosa.", 20.0),
                _seg("customer", 1, "Sí, eran tres uno cinco cosas.", 40.0)]
    red, _ = redact_segments(segments)
    assert red[3].text == "Sí, eran tres uno cinco cosas."


# ---- across ASR splits and speakers --------------------------------------------------------------------------
def test_context_from_the_other_speaker_and_number_split_across_segments():
    segments = [
        _seg("agent", 2, "¿Me regala su número de cédula, por favor?", 0.0),
        _seg("customer", 1, "Sí, claro, es uno cero tres dos", 4.0),
        _seg("customer", 1, "cuatro cinco seis siete ocho nueve.", 6.5),
        _seg("agent", 2, "Gracias, un momento.", 10.0),
    ]
    red, counts = redact_segments(segments)
    assert counts == {"CEDULA": 1}  # one cédula, split over two ASR segments
    assert red[1].text == "Sí, claro, es [CEDULA]"
    assert red[2].text == "[CEDULA]."
    assert red[3].text == "Gracias, un momento."
    # the words of each part collapse into one placeholder word with the span's timing
    first_digit = segments[1].words[3]
    assert [w.word for w in red[1].words] == ["Sí,", "claro,", "es", "[CEDULA]"]
    assert red[1].words[-1].start == first_digit.start and red[1].words[-1].end == segments[1].words[-1].end
    assert [w.word for w in red[2].words] == ["[CEDULA]."]
    assert red[2].words[0].start == segments[2].words[0].start
    assert red[2].words[0].end == segments[2].words[-1].end


def test_context_too_old_does_not_apply():
    segments = [
        _seg("agent", 2, "¿Me confirma su cédula?", 0.0),
        _seg("customer", 1, "ocho cuatro cinco seis siete ocho nueve", 45.0),  # 45 s later, another topic
    ]
    red, counts = redact_segments(segments)
    assert counts == {"NUMERO": 1} and red[1].text == "[NUMERO]"  # still redacted, but not called a cédula


def test_written_digits_split_into_several_asr_words():
    seg = Segment("customer", 1, 1.0, 5.0, "Mi celular es 315 456 78 90.", 0.9, _words("Mi celular es 315 456 78 90.", 1.0))
    red, counts = redact_segments([seg])
    assert red[0].text == "Mi celular es [TELEFONO]."
    assert [w.word for w in red[0].words] == ["Mi", "celular", "es", "[TELEFONO]."]
    assert counts == {"TELEFONO": 1}


def test_text_and_words_redacted_independently_like_azure_display_vs_lexical():
    # Azure: display text has ITN digits, the word list has lexical number words
    words = _words("mi cédula es uno cero tres dos cuatro cinco seis siete", 0.0)
    seg = Segment("customer", 1, 0.0, 5.0, "Mi cédula es 10324567.", 0.95, words)
    red, counts = redact_segments([seg])
    assert red[0].text == "Mi cédula es [CEDULA]."
    assert [w.word for w in red[0].words] == ["mi", "cédula", "es", "[CEDULA]"]
    assert counts == {"CEDULA": 1}


def test_several_types_in_one_call_and_counts():
    segments = [
        _seg("agent", 2, "Para validar, ¿su cédula?", 0.0),
        _seg("customer", 1, "uno cero tres dos cuatro cinco seis siete", 2.0),
        _seg("agent", 2, "¿Y un celular de contacto?", 7.0),
        _seg("customer", 1, "tres uno cero cinco cinco cinco uno dos tres cuatro", 9.0),
        _seg("agent", 2, "¿Correo?", 15.0),
        _seg("customer", 1, "maria punto lopez arroba gmail punto com", 16.0),
    ]
    red, counts = redact_segments(segments)
    assert counts == {"CEDULA": 1, "TELEFONO": 1, "EMAIL": 1}
    assert [s.text for s in red if s.speaker == "customer"] == ["[CEDULA]", "[TELEFONO]", "[EMAIL]"]


def test_redact_transcript_returns_a_new_object_and_keeps_the_original():
    segments = [_seg("agent", 2, "¿Su cédula?", 0.0), _seg("customer", 1, "uno cero tres dos cuatro cinco seis", 2.0)]
    original = Transcript(recording_sid="RE1", call_sid="CA1", segments=segments, text=render_text(segments),
                          confidence=0.9, engine="whisper")
    before = original.to_json()
    red = redact_transcript(original)
    assert original.to_json() == before  # untouched: it goes to the restricted silver table
    assert red is not original and red.redacted and red.redactions == {"CEDULA": 1}
    assert "customer: [CEDULA]" in red.text and "uno cero" not in red.to_json()
    assert Transcript.from_json(red.to_json()) == red  # still a valid contract object
    # idempotent: redacting again finds nothing new
    again = redact_transcript(red)
    assert again.text == red.text and again.redactions == {"CEDULA": 1}


def test_clean_transcript_is_marked_redacted_with_no_counts():
    t = Transcript(recording_sid="RE2", call_sid="CA2", segments=[_seg("agent", 2, "Buenos días, ¿en qué le ayudo?", 0.0)])
    red = redact_transcript(t)
    assert red.redacted and red.redactions == {} and red.segments[0].text == t.segments[0].text


# ---- what the synthetic call centre speaks (callaudit_testkit.synth.pii), transcribed perfectly ------------------------
ASK = {
    "CEDULA": "Para validar su identidad, ¿me regala su número de cédula, por favor?",
    "TARJETA": "¿Me regala los dieciséis dígitos de la tarjeta?",
    "TELEFONO": "¿Me confirma su número de celular, por favor?",
    "EMAIL": "¿Me confirma su correo electrónico?",
}


@pytest.mark.parametrize("kind", ["CEDULA", "TARJETA", "TELEFONO", "EMAIL"])
def test_every_synth_pii_form_is_redacted(kind):
    import random

    from callaudit_testkit.synth import pii as synth_pii

    from callaudit.transcription.numbers_es import strip_accents

    for seed in range(40):
        value, spoken = synth_pii.make(kind, random.Random(seed), "Juan", "Pérez")
        segments = [_seg("agent", 2, ASK[kind], 0.0), _seg("customer", 1, f"Sí, es {spoken}.", 5.0)]
        red, counts = redact_segments(segments)
        customer = red[1]
        assert counts == {kind: 1}, (seed, spoken, customer.text)
        assert customer.text == f"Sí, es [{kind}].", (seed, spoken)
        leftover = strip_accents(" ".join(w.word for w in customer.words).lower())
        assert f"[{kind.lower()}]" in leftover and "arroba" not in leftover and "cero" not in leftover
