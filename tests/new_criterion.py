"""A criterion added to the scorecard YAML and nothing else: shared by the unit and Spark tests that show it gets
its column through the audit, the UDF and the gold table without a code change (issue 16)."""

from __future__ import annotations

from pathlib import Path

from callaudit.scoring.scorecard import DEFAULT_SCORECARD
from callaudit.transcript import Segment, Transcript

SUMMARY = """
  summary:
    label: Resumen de lo acordado
    description: Antes de cerrar, el agente confirma o resume lo acordado con el cliente.
    section: cierre
    weight: 10
    speaker: agent
    phrases:
      - (le|te|les) (confirmo|resumo|recapitulo)
      - en resumen
    not_applicable: {no_agent_speech: true}
"""


def scorecard_with_summary(folder: Path) -> Path:
    """The shipped scorecard plus a `summary` criterion (10 points, taken from forbidden words: 25 -> 15)."""
    text = DEFAULT_SCORECARD.read_text(encoding="utf-8")
    head, tail = text.split("\nforbidden_words:\n", 1)
    tail = tail.replace("  weight: 25\n", "  weight: 15\n", 1)
    text = head.rstrip("\n") + "\n" + SUMMARY + "\nforbidden_words:\n" + tail
    text = text.replace("version: callaudit-v2.0", "version: callaudit-v2.1-summary", 1)
    path = folder / "callaudit_v2_summary.yml"
    path.write_text(text, encoding="utf-8")
    return path


def call(summarised: bool, sid: str = "CA1") -> Transcript:
    agent = [
        (0.5, 4.0, "buenos días, gracias por llamar, le habla María"),
        (5.0, 8.0, "en qué le puedo colaborar"),
        (30.0, 36.0, ("listo, le confirmo que el cambio de plan queda activo desde mañana" if summarised
                      else "listo, el cambio queda activo")),
        (40.0, 44.0, "gracias por comunicarse, que tenga un buen día"),
    ]
    customer = [(9.0, 14.0, "quiero cambiar mi plan por favor"), (37.0, 39.0, "perfecto muchas gracias")]
    segments = [Segment("agent", 2, a, b, t) for a, b, t in agent] + \
               [Segment("customer", 1, a, b, t) for a, b, t in customer]
    return Transcript(recording_sid="RE" + sid[2:], call_sid=sid, segments=segments, engine="test",
                      duration_seconds=45.0, channels=2, agent_channel=2)
