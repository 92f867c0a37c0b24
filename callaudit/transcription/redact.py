"""PII redaction of transcripts: cédulas, card numbers, phone numbers and e-mail addresses.

Pure Python, rule based. Call transcripts carry identifiers *as spoken* ("uno cero tres dos…", "trescientos quince",
"juan punto pérez arroba gmail punto com") or as the recogniser chose to write them ("1032456789",
"10.324.567", "juan.perez@gmail.com"), often split over several ASR words or segments. The pipeline:

1. **tokens** — each speaker's words (and, separately, its segment texts) become one stream in time order, so a
   number read across two ASR segments is one number;
2. **e-mails** — written addresses by regex; spoken ones around "arroba"/"@": the local part is one word plus any
   ``punto``/``guion``/``guion bajo`` chain (and digits read right before "arroba"), the domain the ``punto`` chain
   after it;
3. **number runs** — consecutive number groups (:mod:`numbers_es`: digit by digit, "doble cero", "treinta y dos",
   "trescientos quince", written digits), fillers ("eh") allowed inside; amounts ("… mil pesos", "$…") and
   quantities ("… horas") are skipped; "mil" ends a run, so "cincuenta mil pesos" is never an identifier;
4. **classification** by length, pattern and the nearest context word said before the run — by the same speaker
   or by the other one in the previous 30 s (the agent asks "¿me regala su cédula?", the customer answers):

   =============  ========================================================================================
   ``[TARJETA]``  13–19 digits passing the Luhn check, or 8–19 digits after "tarjeta/crédito/débito" (a
                  misheard digit or a card read in two halves must not leak)
   ``[TELEFONO]`` Colombian mobile ``3xx xxx xxxx``, national landline ``60x xxx xxxx``, ``+57``/``57`` +
                  either; 7–12 digits after "teléfono/celular/whatsapp/fijo"
   ``[CEDULA]``   6–10 digits after "cédula/documento/identificación/c.c."
   =============  ========================================================================================

   ``[NUMERO]``   6+ digits that fit none of the above and came with no context word (an account or case
                  number, a one-time code, or an identifier whose context word the recogniser misheard):
                  privacy first — six or more digits read in a row never survive redaction
   A *mangled* digit string also counts: number groups separated by up to two short glue words ("uno de los
   tres más cuatro cinco seis y siete…", as telephone ASR writes "uno cero tres dos cuatro cinco seis siete…")
   is redacted with the context's type when a context word was said (6+ digits), or — when the context word
   itself was misheard — if it holds 6+ digits and numbers make up 60 % of its tokens.

Segment text and the word list are redacted independently (they differ for Azure: display text "1032456789" vs
lexical words "uno cero tres…"); the words of a redacted span collapse into one placeholder word that keeps the
span's start/end. ``redactions`` counts each detected item once (the larger of the text and word counts).
"""

from __future__ import annotations

import bisect
import copy
import re
from collections import Counter
from dataclasses import dataclass

from callaudit.transcript import Segment, Transcript, Word, render_text
from callaudit.transcription.numbers_es import (
    NUMBER_WORDS,
    TENS,
    norm_token,
    parse_number_words,
    written_digits,
)

PLACEHOLDERS = ("CEDULA", "TARJETA", "TELEFONO", "EMAIL", "NUMERO")
UNCLASSIFIED_MIN_DIGITS = 6  # six or more digits never survive: [NUMERO] when the type is unknown
DENSE_RATIO = 0.6  # a mangled run counts without context when this share of its tokens are numbers

CONTEXT_WORDS = {
    "CEDULA": {"cedula", "cedulas", "documento", "identificacion", "identidad", "cc", "c.c", "pasaporte", "extranjeria",
               "nit"},
    "TELEFONO": {"telefono", "telefonos", "celular", "movil", "whatsapp", "fijo", "telefonico", "contacto"},
    "TARJETA": {"tarjeta", "credito", "debito", "visa", "mastercard", "amex", "plastico"},
}
_KEYWORD_TYPE = {w: t for t, words in CONTEXT_WORDS.items() for w in words}
FILLERS = {"eh", "ehh", "em", "emm", "mm", "mmm", "hmm", "guion"}
AMOUNT_AFTER = {"pesos", "peso", "mil", "millones", "millon", "dolares", "dolar", "euros", "lucas", "por",
                "porciento", "%", "cop", "usd"}
UNIT_AFTER = {"horas", "hora", "minutos", "minuto", "segundos", "dias", "meses", "anos", "am", "pm", "kilos",
              "metros", "gigas", "megas", "veces", "personas", "unidades", "cuotas"}
EMAIL_CONNECTORS = {"punto", "guion", "raya", "underscore", "subrayado", "_", "-", "."}  # + "guion bajo"
GLUED = {"pegado", "pegados", "junto", "juntos"}  # "todo pegado": the words before are written together
NOT_LOCAL_PART = {"es", "mi", "correo", "email", "mail", "el", "la", "a", "de", "si", "claro", "electronico"}
# Words that announce *some* number ("¿me confirma el número nuevo?"): only used by the last, most tolerant pass
GENERIC_CONTEXT = {"numero", "numeros", "codigo", "radicado"}
ANSWER_MIN_DIGITS = 5  # the last pass: 5+ digits heard in an answer to a number request
ANSWER_RATIO = 0.4
ASKED_MIN_DIGITS = 3  # the last pass: what is left of a number given in answer to a question for one
ASKED_RATIO = 0.3
ASKED_SECONDS = 15.0
CONTEXT_SECONDS = 30.0
CONTEXT_TOKENS = 20
ANSWER_GAP_S = 4.0  # a longer pause between two segments of one speaker ends a number

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_WORDISH = re.compile(r"^[a-z0-9][a-z0-9._\-]*$")
_PUNCT = "¿?¡!.,;:\"'()[]{}«»“”‘’…"


@dataclass
class Tok:
    raw: str
    norm: str
    time: float
    ref: tuple[int, int]  # (segment index, token index within that segment)


@dataclass
class Span:
    kind: str
    i: int  # first token (stream index)
    j: int  # one past the last token


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)
        if k % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def phone_pattern(digits: str, plus: bool = False) -> bool:
    """Colombian numbers: mobile 3xx xxx xxxx, landline 60x xxx xxxx (2021 plan), optionally with 57 in front."""
    n = len(digits)
    if n == 10 and (digits[0] == "3" or digits.startswith("60")):
        return True
    return bool(n == 12 and digits.startswith("57") and (digits[2] == "3" or digits[2:4] == "60")) or (plus and 10 <= n <= 13)


# ---- detection on a token stream ------------------------------------------------------------------------
def _wordish(t: Tok) -> bool:
    return bool(t.norm) and t.norm not in ("arroba", "@") and bool(_WORDISH.match(t.norm))


def _number_at(toks: list[Tok], norms: list[str], i: int) -> tuple[str, int] | None:
    parsed = parse_number_words(norms, i) if norms[i] else None
    if parsed:
        return parsed
    d = written_digits(toks[i].raw)
    return (d, 1) if d else None


def _find_emails(toks: list[Tok], taken: list[bool]) -> list[Span]:
    spans: list[Span] = []
    norms = [t.norm for t in toks]
    for k, t in enumerate(toks):
        stripped = t.raw.strip(_PUNCT)
        if _EMAIL_RE.search(stripped):
            spans.append(Span("EMAIL", k, k + 1))
            continue
        if norms[k] not in ("arroba", "@"):
            continue
        # local part, backwards: digits read before "arroba" ("juan ochenta y dos arroba"), one word, then
        # connector chains ("juan punto perez", "ana guion bajo ruiz")
        i = k
        while i - 1 >= 0 and k - i < 8 and (
            norms[i - 1] in NUMBER_WORDS
            or written_digits(toks[i - 1].raw)
            or (norms[i - 1] == "y" and i - 2 >= 0 and norms[i - 2] in TENS)
        ):
            i -= 1
        if i - 2 >= 0 and norms[i - 2] == "todo" and norms[i - 1] in GLUED:
            # "juan perez todo pegado arroba …" = juanperez@…: the two words before "todo pegado" are the local part
            i -= 2
            for _ in range(2):
                if i - 1 >= 0 and _wordish(toks[i - 1]) and norms[i - 1] not in NOT_LOCAL_PART:
                    i -= 1
        elif i - 1 >= 0 and _wordish(toks[i - 1]):
            i -= 1
            while True:
                if i - 3 >= 0 and norms[i - 2] == "guion" and norms[i - 1] == "bajo" and _wordish(toks[i - 3]):
                    i -= 3
                elif i - 2 >= 0 and norms[i - 1] in EMAIL_CONNECTORS and _wordish(toks[i - 2]):
                    i -= 2
                else:
                    break
        # domain, forwards: word (punto word)*
        j = k + 1
        if j < len(toks) and _wordish(toks[j]):
            j += 1
            while j + 1 < len(toks) and norms[j] in ("punto", ".") and _wordish(toks[j + 1]):
                j += 2
        if i < k or j > k + 1:
            spans.append(Span("EMAIL", i, j))
    return spans


def _number_runs(toks: list[Tok], taken: list[bool], barrier: list[bool]) -> list[tuple[int, int, str, bool]]:
    """(start, end, digits, plus) for maximal runs of number groups (fillers allowed inside, no barrier)."""
    norms = [t.norm for t in toks]
    runs = []
    i = 0
    n = len(toks)
    while i < n:
        if taken[i]:
            i += 1
            continue
        plus = False
        start = i
        if norms[i] in ("mas", "+") and i + 1 < n and _number_at(toks, norms, i + 1):
            plus, i = True, i + 1
        got = _number_at(toks, norms, i) if not taken[i] else None
        if not got:
            i = start + 1
            continue
        plus = plus or toks[i].raw.strip().startswith("+")
        digits, end = "", i
        while end < n and not taken[end] and not (end > i and barrier[end]):
            got = _number_at(toks, norms, end)
            if got:
                digits += got[0]
                end += got[1]
                continue
            # a filler between two groups stays inside the run
            if (norms[end] in FILLERS and end + 1 < n and not taken[end + 1] and not barrier[end + 1]
                    and _number_at(toks, norms, end + 1)):
                end += 1
                continue
            break
        runs.append((start, end, digits, plus))
        i = end
    return runs


def _loose_runs(toks: list[Tok], taken: list[bool], barrier: list[bool], max_glue: int = 2,
                max_glue_len: int = 4) -> list[tuple[int, int, str, int]]:
    """Like :func:`_number_runs` but tolerating up to ``max_glue`` short glue tokens between number groups.

    Telephone ASR mangles digit strings: "uno cero tres dos cuatro…" comes back as "uno de los tres más cuatro
    cinco seis y siete…". These runs are only redacted when a context word was said (see :func:`detect`).
    """
    norms = [t.norm for t in toks]
    n = len(toks)
    runs = []
    i = 0
    while i < n:
        if taken[i] or not _number_at(toks, norms, i):
            i += 1
            continue
        start, end, last, digits, number_tokens = i, i, i, "", 0
        while end < n and not taken[end] and not (end > start and barrier[end]):
            got = _number_at(toks, norms, end)
            if got:
                digits += got[0]
                end += got[1]
                number_tokens += got[1]
                last = end
                continue
            g = end
            while (g < n and g - end < max_glue and not taken[g] and not barrier[g] and len(norms[g]) <= max_glue_len
                   and norms[g] not in AMOUNT_AFTER and norms[g] not in UNIT_AFTER
                   and not _number_at(toks, norms, g)):
                g += 1
            if g > end and g < n and not taken[g] and not barrier[g] and _number_at(toks, norms, g):
                end = g
                continue
            break
        runs.append((start, last, digits, number_tokens))
        i = last
    return runs


def _context(stream: list[Tok], run_start: int, others: list[Tok], generic: bool = False) -> str | None:
    """Type of the nearest context keyword said before the run (own speaker: 20 tokens; anyone: 30 s).

    With ``generic``, "número"/"código"/"radicado" count too (as ``NUMERO``): the agent asked for *a* number.
    """
    t0 = stream[run_start].time
    best: tuple[float, int, str] | None = None
    for k in range(max(0, run_start - CONTEXT_TOKENS), run_start):
        kind = _keyword(stream, k, generic)
        if kind and (best is None or (stream[k].time, 1) >= best[:2]):
            best = (stream[k].time, 1, kind)
    for k, tok in enumerate(others):
        if t0 - CONTEXT_SECONDS <= tok.time <= t0 + 0.5:
            kind = _keyword(others, k, generic)
            if kind and (best is None or (tok.time, 0) > best[:2]):
                best = (tok.time, 0, kind)
    return best[2] if best else None


def _asked(t0: float, others: list[Tok]) -> str | None:
    """Type of the identifier the *other* speaker asked for in the ``ASKED_SECONDS`` before ``t0`` (or None)."""
    best: tuple[float, str] | None = None
    for k, tok in enumerate(others):
        if t0 - ASKED_SECONDS <= tok.time <= t0 + 0.5:
            kind = _keyword(others, k, generic=True)
            if kind and (best is None or tok.time > best[0]):
                best = (tok.time, kind)
    return best[1] if best else None


def _keyword(toks: list[Tok], k: int, generic: bool = False) -> str | None:
    w = toks[k].norm
    if w == "ce" and k + 1 < len(toks) and toks[k + 1].norm == "ce":  # "c.c." said aloud: "ce ce"
        return "CEDULA"
    return _KEYWORD_TYPE.get(w) or ("NUMERO" if generic and w in GENERIC_CONTEXT else None)


def classify(digits: str, plus: bool, context: str | None) -> str | None:
    n = len(digits)
    if n < 6:
        return None
    if 13 <= n <= 19 and luhn_ok(digits):
        return "TARJETA"
    if context == "TARJETA" and 8 <= n <= 19:  # a misheard digit or half a card read in one breath
        return "TARJETA"
    if phone_pattern(digits, plus):
        return "CEDULA" if context == "CEDULA" and n <= 10 else "TELEFONO"
    if context == "CEDULA" and n <= 10:
        return "CEDULA"
    if context == "TELEFONO" and 7 <= n <= 13:
        return "TELEFONO"
    if n > 19 and context:  # several numbers read without a pause: privacy first
        return context
    return None


def _barriers(stream: list[Tok], others: list[Tok]) -> list[bool]:
    """``True`` at a token that starts a new answer: a number never runs across it.

    A number read over two ASR segments of the same speaker is one number; but when the other speaker talked in
    between ("¿y su celular?") or the pause is long, the digits that follow belong to a new answer.
    """
    other_times = sorted(t.time for t in others)
    out = [False] * len(stream)
    for k in range(1, len(stream)):
        prev, cur = stream[k - 1], stream[k]
        if cur.ref[0] == prev.ref[0]:
            continue
        between = bisect.bisect_right(other_times, cur.time) - bisect.bisect_right(other_times, prev.time)
        out[k] = between > 0 or cur.time - prev.time > ANSWER_GAP_S
    return out


def _answer_pass(stream: list[Tok], taken: list[bool], barrier: list[bool], spans: list[Span], *,
                 max_glue_len: int, min_digits: int, ratio: float, context_of) -> None:
    """Redact loose number runs (up to 3 glue words of ``max_glue_len`` chars) with ``min_digits`` digits at
    ``ratio`` density for which ``context_of(start)`` names the identifier asked for; marks them ``taken``."""
    for start, end, digits, number_tokens in _loose_runs(stream, taken, barrier, max_glue=3, max_glue_len=max_glue_len):
        after = stream[end].norm if end < len(stream) else ""
        if (after in AMOUNT_AFTER or after in UNIT_AFTER or len(digits) < min_digits
                or number_tokens < ratio * (end - start)):
            continue
        context = context_of(start)
        if not context:
            continue
        spans.append(Span(context if context != "TARJETA" or len(digits) >= 8 else "NUMERO", start, end))
        for k in range(start, end):
            taken[k] = True


def detect(stream: list[Tok], others: list[Tok] | None = None) -> list[Span]:
    """PII spans in one speaker's token stream; ``others`` = the other speakers' tokens (context only)."""
    others = others or []
    taken = [False] * len(stream)
    barrier = _barriers(stream, others)
    deferred: list[tuple[int, int]] = []
    spans = _find_emails(stream, taken)
    for s in spans:
        for k in range(s.i, s.j):
            taken[k] = True
    for start, end, digits, plus in _number_runs(stream, taken, barrier):
        after = stream[end].norm if end < len(stream) else ""
        before_raw = stream[start - 1].raw if start > 0 else ""
        if after in AMOUNT_AFTER or after in UNIT_AFTER or "$" in stream[start].raw or before_raw.endswith("$"):
            continue
        kind = classify(digits, plus, _context(stream, start, others))
        if kind:
            spans.append(Span(kind, start, end))
            for k in range(start, end):
                taken[k] = True
        elif len(digits) >= UNCLASSIFIED_MIN_DIGITS:
            # a long number of unknown type (account, case, a misheard identifier): redacted, but first let the
            # loose pass see whether it is the tail of a longer, mangled number
            deferred.append((start, end))
    # second pass: mangled digit strings — where a context word announced an identifier, or dense enough to be
    # a number read aloud even when the context word itself was misheard
    for start, end, digits, number_tokens in _loose_runs(stream, taken, barrier):
        after = stream[end].norm if end < len(stream) else ""
        if after in AMOUNT_AFTER or after in UNIT_AFTER or len(digits) < 6:
            continue
        context = _context(stream, start, others)
        if context and (context != "TARJETA" or len(digits) >= 8):
            spans.append(Span(context, start, end))
        elif len(digits) >= UNCLASSIFIED_MIN_DIGITS and number_tokens >= DENSE_RATIO * (end - start):
            spans.append(Span(classify(digits, False, None) or "NUMERO", start, end))
        else:
            continue
        for k in range(start, end):
            taken[k] = True
    # third pass: the answer to a number request, as telephone ASR really writes it — "uno se los mos, cuatro mos
    # uno, cuatro siete mosos" for "uno cero dos, cuatro dos uno, cuatro siete dos ocho": digits the recogniser
    # turned into short non-words. A context word is required (a generic "número" will do), 5+ digits must
    # survive and numbers must make up 40 % of the span; five or more digits of an answer never stay readable.
    _answer_pass(stream, taken, barrier, spans, max_glue_len=5, min_digits=ANSWER_MIN_DIGITS, ratio=ANSWER_RATIO,
                 context_of=lambda start: _context(stream, start, others, generic=True))
    # fourth pass: the direct answer to the other speaker's request for an identifier, when the recogniser kept
    # only a few digits of it ("Me demora su noceo, no smo su no, cuatro tres nueve uno cinto" for a cédula read
    # aloud): 3+ digits within 15 s of the question, longer garbled words allowed between them, 30 % density.
    _answer_pass(stream, taken, barrier, spans, max_glue_len=8, min_digits=ASKED_MIN_DIGITS, ratio=ASKED_RATIO,
                 context_of=lambda start: _asked(stream[start].time, others))
    spans.extend(Span("NUMERO", a, b) for a, b in deferred if not any(taken[a:b]))
    return sorted(spans, key=lambda s: s.i)


# ---- applying spans -------------------------------------------------------------------------------------------
def _affixes(first: str, last: str) -> tuple[str, str]:
    lead = first[: len(first) - len(first.lstrip(_PUNCT + "+"))].replace("+", "")
    trail = last[len(last.rstrip(_PUNCT)) :]
    return lead, trail


def _text_streams(segments: list[Segment]) -> dict[object, list[Tok]]:
    streams: dict[object, list[Tok]] = {}
    for si, seg in enumerate(segments):
        parts = seg.text.split()
        step = (seg.end - seg.start) / max(len(parts), 1)
        key = (seg.channel, seg.speaker)
        for ti, raw in enumerate(parts):
            streams.setdefault(key, []).append(Tok(raw, norm_token(raw), seg.start + ti * step, (si, ti)))
    return streams


def _word_streams(segments: list[Segment]) -> dict[object, list[Tok]]:
    streams: dict[object, list[Tok]] = {}
    for si, seg in enumerate(segments):
        key = (seg.channel, seg.speaker)
        for ti, w in enumerate(seg.words):
            streams.setdefault(key, []).append(Tok(w.word, norm_token(w.word), w.start, (si, ti)))
    return streams


def _run_streams(streams: dict[object, list[Tok]]) -> tuple[dict[int, list[tuple[int, int, str]]], Counter]:
    """Detect in every stream; returns per-segment replacement ranges [(first tok, last tok, kind)] and counts."""
    for toks in streams.values():
        toks.sort(key=lambda t: (t.time, t.ref))
    per_segment: dict[int, list[tuple[int, int, str]]] = {}
    counts: Counter = Counter()
    for key, toks in streams.items():
        others = [t for k, ts in streams.items() if k != key for t in ts]
        for span in detect(toks, others):
            counts[span.kind] += 1
            # a span may cross segments: one placeholder per segment part
            part: list[Tok] = []
            for tok in toks[span.i : span.j] + [None]:
                if part and (tok is None or tok.ref[0] != part[0].ref[0]):
                    per_segment.setdefault(part[0].ref[0], []).append((part[0].ref[1], part[-1].ref[1], span.kind))
                    part = []
                if tok is not None:
                    part.append(tok)
    return per_segment, counts


def _merge_ranges(ranges: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    ranges = sorted(ranges)
    out: list[tuple[int, int, str]] = []
    for a, b, kind in ranges:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]), out[-1][2])
        else:
            out.append((a, b, kind))
    return out


def _redact_tokens(parts: list[str], ranges: list[tuple[int, int, str]]) -> list[str]:
    out: list[str] = []
    k = 0
    for a, b, kind in _merge_ranges(ranges):
        out.extend(parts[k:a])
        lead, trail = _affixes(parts[a], parts[b])
        out.append(f"{lead}[{kind}]{trail}")
        k = b + 1
    out.extend(parts[k:])
    return out


def _redact_words(words: list[Word], ranges: list[tuple[int, int, str]]) -> list[Word]:
    out: list[Word] = []
    k = 0
    for a, b, kind in _merge_ranges(ranges):
        out.extend(words[k:a])
        span = words[a : b + 1]
        lead, trail = _affixes(span[0].word, span[-1].word)
        probs = [w.probability for w in span if w.probability is not None]
        out.append(Word(word=f"{lead}[{kind}]{trail}", start=span[0].start, end=span[-1].end,
                        probability=round(sum(probs) / len(probs), 3) if probs else None))
        k = b + 1
    out.extend(words[k:])
    return out


def redact_segments(segments: list[Segment]) -> tuple[list[Segment], dict[str, int]]:
    """Redacted copies of ``segments`` and the count of redacted items per placeholder type."""
    new = copy.deepcopy(segments)
    text_ranges, text_counts = _run_streams(_text_streams(new))
    word_ranges, word_counts = _run_streams(_word_streams(new))
    for si, seg in enumerate(new):
        if si in text_ranges:
            seg.text = " ".join(_redact_tokens(seg.text.split(), text_ranges[si]))
        if si in word_ranges:
            seg.words = _redact_words(seg.words, word_ranges[si])
    counts = {k: max(text_counts.get(k, 0), word_counts.get(k, 0)) for k in PLACEHOLDERS}
    return new, {k: v for k, v in counts.items() if v}


def redact_text(text: str) -> str:
    """Redact a plain string (one speaker, no timings)."""
    segs, _ = redact_segments([Segment(speaker="unknown", channel=None, start=0.0, end=1.0, text=text)])
    return segs[0].text


def redact_transcript(transcript: Transcript) -> Transcript:
    """A redacted copy (the original object is untouched; it feeds the restricted silver table).

    ``redacted`` is set True on every output — it means "went through redaction", so a consumer can tell a
    transcript with no PII from one never checked; ``redactions`` holds the counts of what was replaced.
    """
    out = copy.deepcopy(transcript)
    segments, counts = redact_segments(transcript.segments)
    out.segments = segments
    out.text = render_text(segments) if segments else transcript.text
    if not segments and transcript.text:
        out.text = redact_text(transcript.text)
    merged = Counter(transcript.redactions or {})
    merged.update(counts)
    out.redactions = dict(merged)
    out.redacted = True
    return out
