"""Synthetic transcripts and labels for tests, benchmarks and the evaluation harness.

* :func:`transcript_from_label` turns a ground-truth label (docs/CONTRACTS.md section 1) into the perfect
  transcript of its turns — optionally garbled like ASR (:func:`garble_text`) or mixed down to mono.
* :func:`synthetic_label` / :func:`synthetic_transcripts` make realistic 60-90 s es-CO service calls quickly
  (no audio): good calls, missing greeting/farewell, forbidden words, angry customers, escalations, short calls.

>>> ts = synthetic_transcripts(3, seed=1)
>>> len(ts), ts[0].segments[0].speaker
(3, 'agent')
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

from callaudit.transcript import Segment, Transcript, Word, render_text

AGENT_NAMES = ["Andrea", "Carlos", "María", "Julián", "Valentina", "Santiago", "Camila", "Felipe", "Laura", "Andrés"]
COMPANY = "Nu Colombia"

_GREETINGS = ["Buenos días", "Buenas tardes", "Muy buenas tardes", "Buenas noches"]
_INTROS = ["habla con {n}", "mi nombre es {n}", "le atiende {n}", "le habla {n}"]
_HELP = ["¿en qué le puedo colaborar?", "¿en qué le puedo ayudar?", "¿cómo le puedo ayudar hoy?"]
_FAREWELLS = [
    "Gracias por comunicarse con {c}, que tenga un feliz día.",
    "Con mucho gusto. Que tenga una buena tarde, hasta luego.",
    "Fue un gusto atenderle, que le vaya bien.",
]
_REQUESTS = [
    "Quiero saber por qué me cobraron una cuota de manejo en la tarjeta.",
    "Necesito bloquear mi tarjeta, creo que la perdí.",
    "Quiero consultar el saldo de mi cuenta y el último movimiento.",
    "Quiero activar las notificaciones de mis compras.",
    "Quiero cambiar la fecha de pago de mi crédito.",
]
_CEDULA_DIGITS = ["uno", "cero", "tres", "dos", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]


def _spoken_cedula(rng: random.Random) -> tuple[str, str]:
    digits = [rng.randrange(10) for _ in range(10)]
    digits[0] = rng.randrange(1, 10)
    names = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
    return "".join(map(str, digits)), " ".join(names[d] for d in digits)


SCENARIOS = (
    "good", "good", "good", "good", "no_greeting", "no_farewell", "no_identification", "forbidden",
    "angry", "escalation", "short",
)


def synthetic_label(index: int, scenario: str | None = None, seed: int = 0) -> dict[str, Any]:
    """One ground-truth label in the CONTRACTS.md shape, with its turns (text + times)."""
    rng = random.Random(seed * 1_000_003 + index)
    scenario = scenario or SCENARIOS[rng.randrange(len(SCENARIOS))]
    name = rng.choice(AGENT_NAMES)
    cedula, spoken = _spoken_cedula(rng)
    turns: list[tuple[str, str]] = []
    forbidden: list[str] = []
    greeting = scenario != "no_greeting"
    ident = scenario != "no_identification"
    farewell = scenario not in ("no_farewell", "short")
    sentiment = "neutral"
    escalation = scenario == "escalation"

    opening = []
    if greeting:
        opening.append(f"{rng.choice(_GREETINGS)}, bienvenido a {COMPANY},")
    if ident:
        opening.append(rng.choice(_INTROS).format(n=name) + ",")
    opening.append(rng.choice(_HELP))
    first = " ".join(opening).strip()
    turns.append(("agent", first[0].upper() + first[1:]))
    if scenario == "short":
        turns.append(("customer", "Hola, ¿me escucha? Se está cortando."))
        turns.append(("agent", "Sí señor, le escucho."))
        duration_target = 14.0
    else:
        turns.append(("customer", f"Hola, buenos días. {rng.choice(_REQUESTS)}"))
        turns.append(("agent", "Con gusto. Me regala su número de cédula, por favor."))
        turns.append(("customer", f"Sí, claro, es {spoken}."))
        if scenario == "forbidden":
            word = rng.choice(["qué pereza", "no me importa", "eso no es mi problema", "ni idea"])
            forbidden.append(word)
            turns.append(("agent", f"Ay, {word}, ese sistema siempre está lento. Deme un momento."))
        else:
            turns.append(("agent", "Gracias. Permítame un momento mientras reviso la información."))
        turns.append(("agent", "Señor, le cuento que en el sistema veo la solicitud registrada desde el martes, con "
                               "el número de radicado que le llegó al correo, y el área encargada ya la tiene."))
        turns.append(("customer", "Ah bueno, ¿y eso para cuándo estaría? Porque necesito la tarjeta para el "
                                  "viaje del fin de semana."))
        if scenario == "angry":
            sentiment = "negative"
            turns.append(("customer", "Esto es un pésimo servicio, llevo tres semanas con el mismo problema y nadie "
                                      "me ayuda. Estoy muy molesto."))
            turns.append(("agent", "Entiendo su molestia, señor. Ya dejé registrado el reclamo con prioridad."))
            turns.append(("customer", "Pues a ver si es verdad, qué rabia."))
        elif scenario == "escalation":
            sentiment = "negative"
            turns.append(("customer", "No, ya me cansé. Quiero hablar con un supervisor o pongo la queja en la "
                                      "Superintendencia Financiera."))
            turns.append(("agent", "Entiendo, señor. Lo comunico con mi supervisor, un momento."))
            turns.append(("customer", "Bueno, espero."))
        else:
            sentiment = "positive" if rng.random() < 0.6 else "neutral"
            turns.append(("agent", "Listo, ya quedó solucionado. El cambio se verá reflejado mañana."))
            turns.append(("customer", "Perfecto, muchas gracias, muy amable." if sentiment == "positive" else
                          "Bueno, listo."))
        turns.append(("agent", "¿Hay algo más en lo que le pueda colaborar?"))
        turns.append(("customer", "No, eso era todo."))
        if farewell:
            turns.append(("agent", rng.choice(_FAREWELLS).format(c=COMPANY)))
        else:
            turns.append(("agent", "Bueno."))
        duration_target = rng.uniform(60.0, 90.0)

    timed = _time_turns(turns, duration_target, rng)
    duration = round(timed[-1]["end"] + rng.uniform(0.5, 2.0), 2)
    sid = f"{index:032x}"
    return {
        "call_sid": "CA" + sid,
        "recording_sid": "RE" + sid,
        "scenario": scenario,
        "agent_id": f"A{index % 20:03d}",
        "agent_identity": name.lower(),
        "direction": "inbound",
        "agent_channel": 2,
        "duration_seconds": duration,
        "expected": {
            "greeting": greeting,
            "identification": ident,
            "help_offer": True,
            "farewell": farewell,
            "farewell_applicable": scenario != "short",
            "forbidden_words": forbidden,
            "customer_sentiment": sentiment,
            "customer_ends_upset": scenario == "angry",  # "…a ver si es verdad, qué rabia." is the last word
            "escalation": escalation,
            "long_hold": False,
            "interruptions": 0,
        },
        "pii": [] if scenario == "short" else [
            {"type": "CEDULA", "value": cedula, "spoken": spoken, "speaker": "customer"}
        ],
        "turns": timed,
    }


def _time_turns(turns: list[tuple[str, str]], target: float, rng: random.Random) -> list[dict[str, Any]]:
    chars = sum(len(t) for _, t in turns)
    gaps = 0.6 * (len(turns) - 1) + 0.4
    per_char = max((target - gaps) / max(chars, 1), 0.04)
    t = 0.4
    out = []
    for speaker, text in turns:
        dur = len(text) * per_char
        out.append({"speaker": speaker, "channel": 2 if speaker == "agent" else 1, "start": round(t, 2),
                    "end": round(t + dur, 2), "text": text})
        t += dur + rng.uniform(0.3, 0.9)
    return out


# ---- label -> transcript ----------------------------------------------------------------------------------
_SUBSTITUTIONS = [("v", "b"), ("b", "v"), ("z", "s"), ("s", "z"), ("ll", "y"), ("c", "s"), ("h", ""), ("qu", "k")]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def garble_text(text: str, rate: float, rng: random.Random) -> str:
    """ASR-like damage: missing accents and punctuation, letter substitutions, merged and split words."""
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if rng.random() < rate:
            w = strip_accents(w)
        if rng.random() < rate:
            w = w.strip(",.;:¿?¡!")
        if rng.random() < rate * 0.5 and len(w) > 3:
            a, b = rng.choice(_SUBSTITUTIONS)
            if a in w:
                w = w.replace(a, b, 1)
        if rng.random() < rate * 0.3 and i + 1 < len(words):
            w = w.strip(",.;:") + words[i + 1].lower()
            i += 1
        elif rng.random() < rate * 0.2 and len(w) >= 8:
            k = len(w) // 2
            w = w[:k] + " " + w[k:]
        out.append(w)
        i += 1
    return " ".join(out)


def _words(text: str, start: float, end: float, rng: random.Random, prob: float) -> list[Word]:
    parts = text.split()
    if not parts:
        return []
    total = sum(len(p) + 1 for p in parts)
    span = max(end - start, 0.01)
    out = []
    pos = 0
    for p in parts:
        a = start + span * pos / total
        pos += len(p) + 1
        b = start + span * (pos - 1) / total
        out.append(Word(word=" " + p, start=round(a, 3), end=round(b, 3),
                        probability=round(min(1.0, max(0.0, rng.gauss(prob, 0.05))), 3)))
    return out


def transcript_from_label(
    label: dict[str, Any],
    *,
    garble: float = 0.0,
    seed: int = 0,
    mono: bool = False,
    with_words: bool = True,
    confidence: float = 0.85,
) -> Transcript:
    """The transcript of a label's turns: perfect (``garble=0``) or ASR-like damaged (``garble`` ~0.1-0.4)."""
    rng = random.Random(seed)
    segments: list[Segment] = []
    agent_channel = label.get("agent_channel")
    for turn in label.get("turns", []):
        text = garble_text(turn["text"], garble, rng) if garble else turn["text"]
        speaker = "unknown" if mono else turn["speaker"]
        channel = None if mono else turn.get("channel")
        start, end = float(turn["start"]), float(turn["end"])
        conf = round(min(1.0, max(0.0, confidence - garble * 0.5 + rng.gauss(0, 0.03))), 3)
        segments.append(
            Segment(
                speaker=speaker, channel=channel, start=start, end=end, text=text, confidence=conf,
                words=_words(text, start, end, rng, conf) if with_words else [],
            )
        )
    segments.sort(key=lambda s: (s.start, s.end))
    confs = [(s.end - s.start, s.confidence or 0.0) for s in segments]
    total = sum(d for d, _ in confs)
    return Transcript(
        recording_sid=label.get("recording_sid"),
        call_sid=label.get("call_sid"),
        segments=segments,
        text=render_text(segments),
        confidence=round(sum(d * c for d, c in confs) / total, 4) if total else None,
        language="es",
        engine="synthetic",
        engine_version="callaudit.scoring.samples" + (f" garble={garble}" if garble else ""),
        channels=1 if mono else 2,
        agent_channel=None if mono else agent_channel,
        duration_seconds=label.get("duration_seconds"),
    )


def synthetic_transcripts(n: int, seed: int = 0, garble: float = 0.0) -> list[Transcript]:
    """``n`` realistic transcripts of 60-90 s service calls (a mix of scenarios), fast: ~10k in a few seconds."""
    return [transcript_from_label(synthetic_label(i, seed=seed), garble=garble, seed=seed + i) for i in range(n)]
