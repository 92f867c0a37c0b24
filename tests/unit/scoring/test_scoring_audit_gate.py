"""Forbidden words heard with low recogniser confidence are evidence for review, not proof."""

from __future__ import annotations

from callaudit.scoring import audit_to_row, cached_scorecard, score_transcript
from callaudit.transcript import Segment, Transcript, Word


def _call(farewell_words: list[tuple[str, float]]) -> Transcript:
    def seg(speaker, channel, start, text, prob=0.9):
        words, t = [], start
        for w in text.split():
            words.append(Word(w, t, t + 0.3, prob))
            t += 0.35
        return Segment(speaker, channel, start, t, text, prob, words)

    last_start = 30.0
    last_words, t = [], last_start
    for w, p in farewell_words:
        last_words.append(Word(w, t, t + 0.3, p))
        t += 0.35
    text = " ".join(w for w, _ in farewell_words)
    segments = [
        seg("agent", 2, 0.5, "Buenos días, gracias por comunicarse, habla con María, ¿en qué le puedo colaborar?"),
        seg("customer", 1, 6.0, "Quiero saber el saldo de mi cuenta, por favor."),
        seg("agent", 2, 12.0, "Con gusto, su saldo es de cien mil pesos. ¿Le puedo ayudar en algo más?"),
        seg("customer", 1, 20.0, "No, muchas gracias."),
        Segment("agent", 2, last_start, t, text, sum(p for _, p in farewell_words) / len(farewell_words), last_words),
    ]
    return Transcript("RE" + "1" * 32, "CA" + "1" * 32, segments, channels=2, agent_channel=2, duration_seconds=t + 1,
                      engine="whisper")


def test_confident_forbidden_word_counts_and_penalises():
    card = cached_scorecard()
    audit = score_transcript(_call([("Qué", 0.9), ("pereza,", 0.8), ("que", 0.9), ("tenga", 0.9), ("un", 0.9),
                                    ("feliz", 0.9), ("día.", 0.9)]), card)
    assert audit.forbidden_words == ["qué pereza"] and audit.possible_forbidden_words == []
    assert "forbidden_word" in audit.review_codes and audit.quality_score < 80


def test_barely_heard_forbidden_word_goes_to_review_without_penalty():
    card = cached_scorecard()
    assert card.forbidden.min_word_probability is not None
    clean = score_transcript(_call([("Que", 0.9), ("tenga", 0.9), ("un", 0.9), ("feliz", 0.9), ("día.", 0.9)]), card)
    doubtful = score_transcript(_call([("qué", 0.01), ("pereza,", 0.03), ("que", 0.9), ("tenga", 0.9), ("un", 0.9),
                                       ("feliz", 0.9), ("día.", 0.9)]), card)
    assert doubtful.forbidden_words == [] and doubtful.possible_forbidden_words == ["qué pereza"]
    assert doubtful.quality_score == clean.quality_score
    assert doubtful.needs_manual_review and "possible_forbidden_word" in doubtful.review_codes
    assert any("posible palabra prohibida" in r.message for r in doubtful.review_reasons)
    assert audit_to_row(doubtful)["possible_forbidden_words"] == ["qué pereza"]
    evidence = doubtful.evidence["possible_forbidden_words"][0]
    assert evidence["phrase"] == "qué pereza" and evidence["mean_word_probability"] < 0.05
