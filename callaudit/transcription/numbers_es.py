"""Spanish spoken numbers -> digit strings, token by token, for PII detection and WER normalisation.

Callers read identifiers in three ways, and ASR writes them in more:

* digit by digit: "uno cero tres dos" -> ``1032``; "doble cero" -> ``00``; "triple siete" -> ``777``;
* in groups, the Colombian way of reading phone numbers: "trescientos quince, cuatro cincuenta y seis, setenta y
  ocho noventa" -> ``315`` ``456`` ``78`` ``90``; "ciento cinco" -> ``105``; "treinta y dos" -> ``32``;
* written by the recogniser: "1032", "10.324.567", "315-456", "+57".

``mil``/``millón`` are deliberately *not* numbers here: nobody reads a cédula as "diez millones…", while amounts
("cincuenta mil pesos") must never look like an identifier. Tokens are normalised first (lower case, accents and
surrounding punctuation stripped).
"""

from __future__ import annotations

import re
import unicodedata

UNITS = {
    "cero": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9,
}
TEENS = {
    "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "dieciseis": 16,
    "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veintiuno": 21, "veintidos": 22, "veintitres": 23,
    "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28,
    "veintinueve": 29,
}
TENS = {
    "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80,
    "noventa": 90,
}
HUNDREDS = {
    "cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300, "trescientas": 300,
    "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500, "quinientas": 500, "seiscientos": 600,
    "seiscientas": 600, "setecientos": 700, "setecientas": 700, "ochocientos": 800, "ochocientas": 800,
    "novecientos": 900, "novecientas": 900,
}
REPEATERS = {"doble": 2, "triple": 3}
NUMBER_WORDS = set(UNITS) | set(TEENS) | set(TENS) | set(HUNDREDS)

_PUNCT = "¿?¡!.,;:\"'()[]{}«»“”‘’…-–—"
_WRITTEN_NUMBER = re.compile(r"^\+?\d[\d.\-]*\d$|^\+?\d$")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def norm_token(token: str) -> str:
    """Lower case, no accents, no surrounding punctuation ("¿Cédula?" -> "cedula", "+57" stays "+57")."""
    t = strip_accents(token.lower()).strip()
    t = t.strip(_PUNCT.replace("+", ""))
    return t


def written_digits(token: str) -> str | None:
    """Digits of a written number token ("10.324.567" -> "10324567", "+57" -> "57"); None if not one.

    Times ("3:30"), dates ("15/03"), decimals with a comma and money ("$50.000") are not identifiers: ``:``, ``/``,
    ``,`` and ``$`` make the token non-numeric here (the caller treats ``$`` as an amount marker).
    """
    t = norm_token(token)
    if not t or not _WRITTEN_NUMBER.match(t):
        return None
    return re.sub(r"\D", "", t)


def parse_number_words(tokens: list[str], i: int) -> tuple[str, int] | None:
    """Parse one spoken number group starting at ``tokens[i]`` (already normalised).

    Returns (digits, tokens consumed) or None. Digit-by-digit words give one digit each; "treinta y dos" is one
    group of three tokens -> "32"; "trescientos quince" -> "315"; "doble cero" -> "00".
    """
    n = len(tokens)
    t = tokens[i]
    if t in REPEATERS and i + 1 < n and tokens[i + 1] in UNITS:
        return str(UNITS[tokens[i + 1]]) * REPEATERS[t], 2
    if t in UNITS:
        return str(UNITS[t]), 1
    if t in TEENS:
        return str(TEENS[t]), 1
    if t in TENS:
        if i + 2 < n and tokens[i + 1] == "y" and tokens[i + 2] in UNITS and UNITS[tokens[i + 2]] > 0:
            return str(TENS[t] + UNITS[tokens[i + 2]]), 3
        return str(TENS[t]), 1
    if t in HUNDREDS:
        value, used = HUNDREDS[t], 1
        if t == "cien":
            return "100", 1
        if i + 1 < n:
            nxt = parse_number_words(tokens, i + 1)
            # only a 1-2 digit group continues a hundred ("ciento cinco", "trescientos quince", "… veinte y …")
            if nxt is not None and tokens[i + 1] not in HUNDREDS and tokens[i + 1] not in REPEATERS:
                digits, k = nxt
                if len(digits) <= 2 and not (len(digits) == 1 and tokens[i + 1] == "cero"):
                    return str(value + int(digits)), used + k
        return str(value), used
    return None


def spoken_to_digits(text: str) -> str:
    """Rewrite number words and written numbers in ``text`` as digit strings, keeping the other words.

    "uno cero tres, treinta y dos" -> "1 0 3 32"; used for WER normalisation (both reference and hypothesis go
    through it, so "treinta y dos" and "32" compare equal).
    """
    raw = text.split()
    norm = [norm_token(t) for t in raw]
    out: list[str] = []
    i = 0
    while i < len(raw):
        parsed = parse_number_words(norm, i) if norm[i] else None
        if parsed:
            out.append(parsed[0])
            i += parsed[1]
            continue
        w = written_digits(raw[i])
        out.append(w if w is not None else raw[i])
        i += 1
    return " ".join(out)
