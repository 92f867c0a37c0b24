"""What the driver classifier reads from a call: normalised words, the customer's marked apart.

A call is a list of ``(speaker, text)`` turns — from a transcript (redacted, as in gold) or from a labelled set.
The customer says why they call, so their words are features twice: as themselves and with a ``c:`` prefix; the
agent's explanation and resolution count once. Unigrams and bigrams within a turn, Spanish function words out.
Pure Python: the Spark UDF, the CLI and training all call :func:`call_terms`.
"""

from __future__ import annotations

from collections.abc import Iterable

from callaudit.scoring.normalize import normalize

# Function words and call-centre filler that say nothing about why someone calls. Placeholders of redaction
# (<cedula>, <telefono> …) normalise to words and stay: asking for a phone number is a signal.
STOPWORDS = frozenset("""
a al algo ante aqui asi aunque bueno cada como con cual cuando de del desde donde dos e el ella ellas ellos en entonces
era eres es esa ese eso esta estaba estamos estan estar este esto estos eh fue ha hay haber hasta la las le les lo
los mas me mi mis mm muy ni no nos o os otra otro para pero poco por porque pues que quien se sea ser si sin
sobre son su sus te ti tiene tu tus un una uno unos uy y ya yo usted ustedes senor senora senorita don dona aja
ok listo vale okey digame cuenteme ah oiga mire vea pues este o sea bien gracias favor perfecto claro
""".split())  # noqa: SIM905 (a word list reads better as text)

Turn = tuple[str, str]  # (speaker, text)


def words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in STOPWORDS and len(w) > 1 and not w.isdigit()]


def call_terms(turns: Iterable[Turn]) -> list[str]:
    """The bag of terms of one call (order irrelevant, repeats count)."""
    out: list[str] = []
    for speaker, text in turns:
        ws = words(text)
        grams = ws + [f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)]
        out.extend(grams)
        if speaker == "customer":
            out.extend(f"c:{g}" for g in grams)
    return out


def customer_text(turns: Iterable[Turn]) -> str:
    """The customer's words, normalised (what the rules read; what discovery clusters)."""
    return " ".join(normalize(t) for s, t in turns if s == "customer")


def all_text(turns: Iterable[Turn]) -> str:
    return " ".join(normalize(t) for _, t in turns)
