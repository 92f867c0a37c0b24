"""Personal data that customers read aloud: Colombian cédulas, card numbers, mobile numbers, e-mail addresses.

Each generator returns ``(value, spoken)``: ``value`` is the normalised datum a redactor should find (digits, or
the e-mail address) and ``spoken`` is exactly the words espeak-ng says, digits one by one in small groups as
people read them ("uno cero tres dos, cuatro cinco seis, ...").
"""

from __future__ import annotations

import random
import unicodedata

from callaudit.transcription.redact import luhn_ok as luhn_valid  # one Luhn check for generator and detector
from callaudit_testkit.synth.phrases import DIGIT_WORDS, EMAIL_DOMAINS

PII_TYPES = ("CEDULA", "TARJETA", "TELEFONO", "EMAIL")


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` Luhn-valid."""
    for d in "0123456789":
        if luhn_valid(partial + d):
            return d
    raise AssertionError("unreachable")  # pragma: no cover


def spoken_digits(digits: str, groups: list[int]) -> str:
    """'1032456789', [4, 3, 3] -> 'uno cero tres dos, cuatro cinco seis, siete ocho nueve'."""
    out, pos = [], 0
    for g in groups:
        out.append(" ".join(DIGIT_WORDS[int(c)] for c in digits[pos:pos + g]))
        pos += g
    if pos < len(digits):
        out.append(" ".join(DIGIT_WORDS[int(c)] for c in digits[pos:]))
    return ", ".join(x for x in out if x)


def cedula(rng: random.Random) -> tuple[str, str]:
    """A Colombian cédula de ciudadanía: 10 digits starting 10xx (issued since 2004) or 8 digits (older series)."""
    if rng.random() < 0.6:
        value = "10" + "".join(str(rng.randrange(10)) for _ in range(8))
        groups = rng.choice([[4, 3, 3], [2, 3, 3, 2], [3, 3, 4]])
    else:
        value = rng.choice(["79", "80", "52", "51", "43", "71"]) + "".join(str(rng.randrange(10)) for _ in range(6))
        groups = rng.choice([[2, 3, 3], [4, 4]])
    return value, spoken_digits(value, groups)


def card_number(rng: random.Random) -> tuple[str, str]:
    """A 16-digit Visa (4…) or Mastercard (51–55…) number with a valid Luhn check digit, read in fours."""
    prefix = "4" if rng.random() < 0.6 else str(rng.randint(51, 55))
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(15 - len(prefix)))
    value = body + luhn_check_digit(body)
    return value, spoken_digits(value, [4, 4, 4, 4])


MOBILE_PREFIXES = ["300", "301", "302", "304", "305", "310", "311", "312", "313", "314", "315", "316", "317",
                   "318", "319", "320", "321", "322", "350", "351"]


def mobile_number(rng: random.Random) -> str:
    """A Colombian mobile number, 10 digits (3xx xxx xxxx), without the +57."""
    return rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(7))


def phone(rng: random.Random) -> tuple[str, str]:
    value = mobile_number(rng)
    return value, spoken_digits(value, [3, 3, 2, 2])


def _ascii(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))


def email(rng: random.Random, first: str, surname: str) -> tuple[str, str]:
    """'juan.perez@gmail.com' read as 'juan punto perez arroba gmail punto com'."""
    first_word = _ascii(first.split()[0])
    last = _ascii(surname)
    _, domain_spoken, domain = rng.choice(EMAIL_DOMAINS)
    style = rng.random()
    if style < 0.6:
        local, local_spoken = f"{first_word}.{last}", f"{first_word} punto {last}"
    elif style < 0.85:
        local, local_spoken = f"{first_word}{last}", f"{first_word} {last} todo pegado"
    else:
        local, local_spoken = f"{first_word}_{last}", f"{first_word} guion bajo {last}"
    return f"{local}@{domain}", f"{local_spoken} arroba {domain_spoken}"


def make(kind: str, rng: random.Random, first: str = "juan", surname: str = "perez") -> tuple[str, str]:
    if kind == "CEDULA":
        return cedula(rng)
    if kind == "TARJETA":
        return card_number(rng)
    if kind == "TELEFONO":
        return phone(rng)
    if kind == "EMAIL":
        return email(rng, first, surname)
    raise ValueError(f"unknown PII type {kind!r}; expected one of {PII_TYPES}")
