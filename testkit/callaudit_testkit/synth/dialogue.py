"""Scenario -> dialogue script -> timeline -> ground truth.

A call's script is a list of :class:`Turn` (who says what, how long a pause or overlap precedes it, whether a hold
comes first, and which protocol slots / forbidden words / PII the line carries). :func:`layout` places the turns on
the recording's timeline from their spoken lengths (measured from the audio, or estimated with ``--no-audio``).
:func:`expected_labels` derives the ground truth from the turns that were actually placed, so a label is true to the
audio by construction (a dropped call that lost its last turns loses their slots too).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

from callaudit_testkit.synth import phrases as P
from callaudit_testkit.synth import pii as pii_mod
from callaudit_testkit.synth.agents import Agent

# scenario -> share of the calls that have audio (percent). Majority good-ish, every defect represented.
SCENARIO_WEIGHTS: dict[str, float] = {
    "good": 30,
    "happy_customer": 8,
    "missing_greeting": 6,
    "missing_identification": 6,
    "missing_help_offer": 6,
    "missing_farewell": 7,
    "forbidden_words": 8,
    "angry_customer": 8,
    "escalation": 4,
    "long_hold": 5,
    "interruptions": 4,
    "pii_readout": 4,
    "dropped_call": 3,
    "agent_silent": 1,
}
SCENARIOS = tuple(SCENARIO_WEIGHTS)
LONG_HOLD_SECONDS = 20.0

CUSTOMER_MALE_VOICES = ["es-419", "es-419+m1", "es-419+m3", "es-419+m5", "es-419+m6", "es-419+m7",
                        "es-419+antonio"]


@dataclass(frozen=True)
class Voice:
    voice: str
    rate_wpm: int
    pitch: int
    level_db: float  # RMS level of this speaker's speech before the line gain, dBFS


@dataclass
class Turn:
    speaker: str  # "agent" | "customer"
    text: str
    gap: float = 0.6  # silence after the latest turn ended; negative = starts before it ended (interruption)
    hold_before: float = 0.0  # a hold (near-silence) of this many seconds precedes the turn
    slots: frozenset = frozenset()  # greeting, identification, help_offer, farewell, escalation
    forbidden: tuple = ()  # canonical lexicon forms spoken in this turn
    pii: tuple = ()  # ((type, value, spoken), ...)
    sentiment: str | None = None  # "negative" / "positive" for customer lines that carry it


@dataclass
class Script:
    scenario: str
    tags: list[str]
    turns: list[Turn]
    agent_voice: Voice
    customer_voice: Voice
    lead_in: float
    tail: float
    max_duration: int | None = None  # dropped calls are cut at this many seconds
    customer_name: str = ""
    topic: str = ""


@dataclass
class TimedTurn:
    turn: Turn
    start: float
    end: float


@dataclass
class Timeline:
    turns: list[TimedTurn]
    duration: int  # whole seconds: the recording length
    holds: list[tuple[float, float]] = field(default_factory=list)


# ---- scenario allocation -------------------------------------------------------------------------------------
def allocate_scenarios(n: int, rng: random.Random) -> list[str]:
    """``n`` scenario names in realistic proportions (largest remainder), shuffled.

    With ``n >= len(SCENARIOS)`` every scenario appears at least once, so a 40-call run covers them all.
    """
    total = sum(SCENARIO_WEIGHTS.values())
    quotas = {s: n * w / total for s, w in SCENARIO_WEIGHTS.items()}
    counts = {s: int(math.floor(q)) for s, q in quotas.items()}
    if n >= len(SCENARIOS):
        for s in SCENARIOS:
            counts[s] = max(counts[s], 1)
    # fix the total: add by largest remainder, remove from the largest counts
    while sum(counts.values()) < n:
        s = max(SCENARIOS, key=lambda k: (quotas[k] - counts[k], -SCENARIOS.index(k)))
        counts[s] += 1
    while sum(counts.values()) > n:
        s = max(SCENARIOS, key=lambda k: (counts[k] - quotas[k] if counts[k] > 1 else -1e9, -SCENARIOS.index(k)))
        counts[s] -= 1
    out = [s for s in SCENARIOS for _ in range(counts[s])]
    rng.shuffle(out)
    return out


# ---- script building -------------------------------------------------------------------------------------------
def _cap(s: str) -> str:
    s = s.strip()
    return s[:1].upper() + s[1:] if s else s


def _customer_voice(rng: random.Random, gender: str, agent_voice: str) -> Voice:
    if gender == "f" and rng.random() < 0.5:
        voice, pitch = "es-419+f2", rng.randint(50, 62)
    else:
        voice = rng.choice([v for v in CUSTOMER_MALE_VOICES if v != agent_voice])
        pitch = rng.randint(64, 76) if gender == "f" else rng.randint(30, 55)
    return Voice(voice, rng.randint(148, 170), pitch, rng.uniform(-21.0, -17.0))


def build_script(
    rng: random.Random,
    scenario: str,
    direction: str,
    agent: Agent,
    local_hour: int,
) -> Script:
    """The dialogue of one answered call for ``scenario`` (inbound: agent speaks first; outbound: customer)."""
    if scenario not in SCENARIO_WEIGHTS:
        raise ValueError(f"unknown scenario {scenario!r}")
    f = dict(greeting=True, identification=True, help_offer=True, farewell=True, closing_offer=rng.random() < 0.8,
             cedula=rng.random() < 0.6, extra_pii=rng.random() < 0.3, forbidden=0, angry=False, happy=False,
             escalation=False, hold=0.0, interruptions=0, dropped=False, silent_agent=False, offended=False)
    tags = [scenario]
    if scenario == "good":
        if rng.random() < 0.1:
            f["hold"] = rng.uniform(6.0, 12.0)  # a short hold: not a long_hold
    elif scenario == "happy_customer":
        f["happy"] = True
    elif scenario == "missing_greeting":
        f["greeting"] = False
    elif scenario == "missing_identification":
        f["identification"] = False
    elif scenario == "missing_help_offer":
        f["help_offer"] = False
        f["closing_offer"] = False
    elif scenario == "missing_farewell":
        f["farewell"] = False
    elif scenario == "forbidden_words":
        f["forbidden"] = 2 if rng.random() < 0.3 else 1
        f["offended"] = rng.random() < 0.5
    elif scenario == "angry_customer":
        f["angry"] = True
        f["escalation"] = rng.random() < 0.3
        f["interruptions"] = 1 if rng.random() < 0.4 else 0
    elif scenario == "escalation":
        f["escalation"] = True
        f["angry"] = rng.random() < 0.5
    elif scenario == "long_hold":
        f["hold"] = rng.uniform(LONG_HOLD_SECONDS + 1.0, 40.0)
    elif scenario == "interruptions":
        f["interruptions"] = 2 if rng.random() < 0.35 else 1
    elif scenario == "pii_readout":
        f["cedula"] = True
        f["extra_pii"] = True
    elif scenario == "dropped_call":
        f["dropped"] = True
    elif scenario == "agent_silent":
        f["silent_agent"] = True
    # combinations: a share of the defective calls carry a second, independent defect
    if scenario not in ("good", "happy_customer", "dropped_call", "agent_silent") and rng.random() < 0.15:
        extra = rng.choice(["missing_farewell", "forbidden_words", "interruptions"])
        if extra == "missing_farewell" and f["farewell"]:
            f["farewell"] = False
            tags.append(extra)
        elif extra == "forbidden_words" and not f["forbidden"]:
            f["forbidden"] = 1
            tags.append(extra)
        elif extra == "interruptions" and not f["interruptions"]:
            f["interruptions"] = 1
            tags.append(extra)

    gender = "f" if rng.random() < 0.5 else "m"
    title = "señora" if gender == "f" else "señor"
    first = rng.choice(P.CUSTOMER_FIRST[gender])
    surname = rng.choice(P.SURNAMES)
    topic = rng.choice(sorted(P.TOPICS))
    tp = P.TOPICS[topic]
    tod = "Buenos días" if local_hour < 12 else ("Buenas tardes" if local_hour < 19 else "Buenas noches")
    customer_tod = tod.lower() if rng.random() < 0.5 else tod
    agent_voice = Voice(agent.voice, agent.rate_wpm + rng.randint(-4, 4), agent.pitch + rng.randint(-3, 3),
                        rng.uniform(-19.0, -17.0))
    customer_voice = _customer_voice(rng, gender, agent.voice)
    if f["angry"]:
        customer_voice = Voice(customer_voice.voice, customer_voice.rate_wpm + 12, customer_voice.pitch + 8,
                               customer_voice.level_db + 2.0)
    acks = P.CUSTOMER_ACK_F if agent.gender == "f" else P.CUSTOMER_ACK
    fill = {"company": P.COMPANY, "name": agent.short_name, "first": agent.first_name, "tod": tod}
    turns: list[Turn] = []

    def agent_says(text: str, gap: float | None = None, **kw) -> None:
        turns.append(Turn("agent", _cap(text), rng.uniform(0.35, 1.1) if gap is None else gap, **kw))

    def customer_says(text: str, gap: float | None = None, **kw) -> None:
        if text:
            turns.append(Turn("customer", _cap(text), rng.uniform(0.3, 0.9) if gap is None else gap, **kw))

    lead_in = rng.uniform(0.4, 1.2)
    tail = rng.uniform(0.6, 1.6)

    if f["silent_agent"]:  # one-way audio: the agent's side carries nothing but line noise
        customer_says("¿Aló? ¿Aló?", gap=0.0)
        customer_says(f"{customer_tod}, ¿me escucha?", gap=rng.uniform(2.0, 3.5))
        customer_says("¿Hay alguien ahí? No se escucha nada.", gap=rng.uniform(2.5, 4.0))
        customer_says("Parece que no me escuchan, voy a llamar otra vez.", gap=rng.uniform(2.0, 3.5))
        return Script(scenario, tags, turns, agent_voice, customer_voice, lead_in, tail, None,
                      f"{first} {surname}", topic)

    # ---- opening ----------------------------------------------------------------------------------------------
    help_line = rng.choice(P.HELP_OFFERS) if f["help_offer"] else rng.choice(P.NO_HELP_OFFER_PROMPTS)
    if direction == "inbound":
        greet = rng.choice(P.GREETINGS) if f["greeting"] else rng.choice(P.NO_GREETING_OPENINGS)
        ident = rng.choice(P.IDENTIFICATIONS) if f["identification"] else ""
        first_sentence = ", ".join(x for x in (greet, ident) if x).format(**fill)
        opening = " ".join(x for x in ((first_sentence + ".") if first_sentence else "", help_line) if x)
        slots = {s for s, on in (("greeting", f["greeting"]), ("identification", f["identification"]),
                                 ("help_offer", f["help_offer"])) if on}
        agent_says(opening or "Sí, dígame.", gap=0.0, slots=frozenset(slots))
        problem = rng.choice(tp["problem"])
        intro = f"{customer_tod}. " if rng.random() < 0.7 else ""
    else:
        customer_says(rng.choice(P.OUTBOUND_ANSWER), gap=0.0)
        ask = f"{tod}, ¿hablo con {title} {surname}?" if f["greeting"] else f"¿Hablo con {title} {surname}?"
        agent_says(ask, slots=frozenset({"greeting"} if f["greeting"] else set()))
        customer_says(rng.choice(P.OUTBOUND_CONFIRM[gender]))
        who = (rng.choice(["le habla {name} de {company}.", "mi nombre es {name}, de {company}."])
               if f["identification"] else "le llamamos de {company}.").format(**fill)
        purpose = rng.choice(P.OUTBOUND_PURPOSE)
        slots = {s for s, on in (("identification", f["identification"]), ("help_offer", f["help_offer"])) if on}
        agent_says(" ".join(x for x in (f"{_cap(title)} {surname}, {who}", purpose, help_line) if x),
                   slots=frozenset(slots))
        problem = rng.choice(tp["problem"])
        intro = ""
    angry_lines = P.ANGRY_LINES_F if gender == "f" else P.ANGRY_LINES
    if f["angry"]:
        customer_says(f"{intro}{problem} {rng.choice(angry_lines)}", sentiment="negative")
    else:
        customer_says(f"{intro}{problem}")

    # ---- verification ----------------------------------------------------------------------------------------------
    if f["cedula"]:
        value, spoken = pii_mod.cedula(rng)
        agent_says(rng.choice(P.ASK_CEDULA))
        customer_says(rng.choice(P.GIVE_PII).format(spoken=spoken), pii=(("CEDULA", value, spoken),))
        agent_says(rng.choice(P.THANKS_VALIDATED).format(title=title, surname=surname), gap=rng.uniform(0.8, 1.8))
    else:
        agent_says("Con gusto, ya reviso el caso.")

    # ---- hold ----------------------------------------------------------------------------------------------------
    if f["hold"]:
        agent_says(rng.choice(P.HOLD_REQUESTS))
        customer_says(rng.choice(P.HOLD_ACKS))
        agent_says(rng.choice(P.HOLD_RETURNS), hold_before=f["hold"], gap=0.0)

    # ---- explanation, interruptions ----------------------------------------------------------------------------------
    interruptions = f["interruptions"]
    long_explanations = rng.sample(P.LONG_EXPLANATIONS, k=len(P.LONG_EXPLANATIONS))
    if interruptions:
        agent_says(long_explanations.pop())
        customer_says(rng.choice(P.INTERRUPTIONS), gap=-rng.uniform(0.9, 1.8),
                      sentiment="negative" if f["angry"] else None)
        agent_says(rng.choice(P.AGENT_AFTER_INTERRUPTION), gap=rng.uniform(0.3, 0.7))
        interruptions -= 1
    agent_says(rng.choice(tp["explain"]))

    pii_kinds: list[str] = []
    if f["extra_pii"]:
        if tp["pii"]:
            pii_kinds.append(tp["pii"])
        if scenario == "pii_readout":
            others = [k for k in ("TARJETA", "TELEFONO", "EMAIL") if k not in pii_kinds]
            pii_kinds.extend(rng.sample(others, k=rng.randint(1, 2)))
    for kind in pii_kinds:
        value, spoken = pii_mod.make(kind, rng, first, surname)
        if kind != "TELEFONO" or tp["pii"] != "TELEFONO":
            ask_lines = P.ASK_EXTRA_PII[kind] or ["¿Me confirma su número de celular, por favor?"]
            agent_says(rng.choice(ask_lines))
        customer_says(rng.choice(P.GIVE_EXTRA_PII[kind]).format(spoken=spoken), pii=((kind, value, spoken),))
        agent_says("Gracias, ya quedó anotado.", gap=rng.uniform(0.6, 1.4))

    # ---- reactions, forbidden words, escalation -------------------------------------------------------------------
    if f["angry"]:
        customer_says(rng.choice(angry_lines), sentiment="negative")
    else:
        customer_says(rng.choice(acks))
    forbidden_lines = rng.sample(P.FORBIDDEN_LINES, k=len(P.FORBIDDEN_LINES))
    used: set[str] = set()
    for _ in range(f["forbidden"]):
        canon, _spoken, line = next(x for x in forbidden_lines if x[0] not in used)
        used.add(canon)
        agent_says(line, forbidden=(canon,))
        if f["offended"]:
            customer_says(rng.choice(P.OFFENDED_LINES), sentiment="negative")
            f["offended"] = False
        else:
            customer_says(rng.choice(acks))
    if interruptions:  # a second interruption, on the other long explanation
        agent_says(long_explanations.pop())
        customer_says(rng.choice(P.INTERRUPTIONS), gap=-rng.uniform(0.9, 1.8))
        agent_says(rng.choice(P.AGENT_AFTER_INTERRUPTION), gap=rng.uniform(0.3, 0.7))
    if f["escalation"]:
        customer_says(rng.choice(P.ESCALATION_REQUESTS), slots=frozenset({"escalation"}),
                      sentiment="negative" if f["angry"] else None)
        agent_says(rng.choice(P.ESCALATION_RESPONSES))
        customer_says(rng.choice(acks))

    # ---- resolution and closing ---------------------------------------------------------------------------------------
    agent_says(rng.choice(tp["resolve"]))
    if f["happy"]:
        customer_says(rng.choice(P.HAPPY_LINES_F if gender == "f" else P.HAPPY_LINES), sentiment="positive")
    elif f["angry"]:
        customer_says(rng.choice(P.ANGRY_CLOSING), sentiment="negative")
    else:
        customer_says(rng.choice(acks))
    if f["closing_offer"]:
        agent_says(rng.choice(P.CLOSING_OFFERS), slots=frozenset({"help_offer"}))
        customer_says(rng.choice(P.CUSTOMER_NOTHING_ELSE))
    elif rng.random() < 0.5:
        agent_says(rng.choice(P.CLOSING_WITHOUT_OFFER))
        customer_says(rng.choice(P.CUSTOMER_NOTHING_ELSE))
    if f["farewell"]:
        agent_says(rng.choice(P.FAREWELLS), slots=frozenset({"farewell"}))
        customer_says(rng.choice(P.CUSTOMER_BYE))
    else:
        agent_says(rng.choice(P.NO_FAREWELL_ENDINGS))

    max_duration = rng.randint(15, 20) if f["dropped"] else None
    if f["hold"] >= LONG_HOLD_SECONDS and "long_hold" not in tags:
        tags.append("long_hold")
    return Script(scenario, tags, turns, agent_voice, customer_voice, lead_in, tail, max_duration,
                  f"{first} {surname}", topic)


# ---- timeline ------------------------------------------------------------------------------------------------
def estimate_seconds(text: str, rate_wpm: int) -> float:
    """Spoken length of ``text`` by espeak-ng at ``rate_wpm`` (for --no-audio; calibrated on es-419)."""
    words = len(text.split())
    pauses = len(re.findall(r"[,.;:?!]", text))
    return 0.15 + words * 60.0 / rate_wpm * 0.98 + 0.16 * pauses


def layout(script: Script, lengths: list[float]) -> Timeline:
    """Place the turns (spoken ``lengths`` seconds each) on the recording timeline.

    Normal turns start ``gap`` after the latest speech ended; an interruption starts before the previous turn ended
    (never in its first second); a hold inserts near-silence. Dropped calls keep only the turns that end before the
    cut; the recording lasts a whole number of seconds (Twilio reports integer durations), so the WAV is padded.
    """
    timed: list[TimedTurn] = []
    holds: list[tuple[float, float]] = []
    latest_end = script.lead_in
    for i, (turn, length) in enumerate(zip(script.turns, lengths, strict=True)):
        if i == 0:
            start = script.lead_in + max(0.0, turn.gap)
        elif turn.hold_before > 0:
            hold_start = latest_end + 0.3
            holds.append((round(hold_start, 3), round(hold_start + turn.hold_before, 3)))
            start = hold_start + turn.hold_before
        elif turn.gap < 0:
            prev = timed[-1]
            start = max(prev.start + 1.0, prev.end + turn.gap)
        else:
            start = latest_end + turn.gap
        end = start + length
        if script.max_duration is not None and end > script.max_duration - 0.3 and timed:
            break
        timed.append(TimedTurn(turn, round(start, 3), round(end, 3)))
        latest_end = max(latest_end, end)
    if script.max_duration is not None:
        duration = max(script.max_duration, math.ceil(latest_end + 0.2))
    else:
        duration = math.ceil(latest_end + script.tail)
    return Timeline(timed, int(duration), holds)


def count_interruptions(timeline: Timeline) -> int:
    """Turns that start while the other party is still speaking."""
    n = 0
    for i, tt in enumerate(timeline.turns):
        if any(o.turn.speaker != tt.turn.speaker and o.start < tt.start < o.end for o in timeline.turns[:i]):
            n += 1
    return n


def expected_labels(script: Script, timeline: Timeline) -> dict:
    """The ground truth of the call, from the turns that are in the recording."""
    agent_turns = [t.turn for t in timeline.turns if t.turn.speaker == "agent"]
    customer_turns = [t.turn for t in timeline.turns if t.turn.speaker == "customer"]
    forbidden: list[str] = []
    for t in agent_turns:
        for w in t.forbidden:
            if w not in forbidden:
                forbidden.append(w)
    sentiments = {t.sentiment for t in customer_turns}
    sentiment = "negative" if "negative" in sentiments else ("positive" if "positive" in sentiments else "neutral")
    return {
        "greeting": any("greeting" in t.slots for t in agent_turns),
        "identification": any("identification" in t.slots for t in agent_turns),
        "help_offer": any("help_offer" in t.slots for t in agent_turns),
        "farewell": any("farewell" in t.slots for t in agent_turns),
        "farewell_applicable": script.max_duration is None,
        "forbidden_words": forbidden,
        "customer_sentiment": sentiment,
        # the customer's last words still angry (evaluation/CONVENTIONS.md): a negative line among the last two
        "customer_ends_upset": any(t.sentiment == "negative" for t in customer_turns[-2:]),
        "escalation": any("escalation" in t.slots for t in customer_turns),
        "long_hold": any(b - a >= LONG_HOLD_SECONDS for a, b in timeline.holds),
        "interruptions": count_interruptions(timeline),
    }
