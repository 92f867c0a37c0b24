"""Conversation metrics from timings; the audit's flat row, its columns and types; unscorable transcripts."""

from __future__ import annotations

import json

import pytest

from callaudit.scoring import audit_columns, audit_row_from_json, audit_to_row, score_transcript, spark_ddl
from callaudit.scoring.metrics import conversation_metrics
from callaudit.scoring.samples import synthetic_transcripts
from callaudit.scoring.scorecard import V1_SCORECARD, load_scorecard
from callaudit.transcript import Segment, Transcript, Word


def s(speaker, a, b, text="bla bla", words=None):
    return Segment(speaker, 2 if speaker == "agent" else 1, a, b, text, words=words or [])


def test_talk_time_ratio_and_words_per_minute():
    m = conversation_metrics([s("agent", 0, 30, "uno " * 60), s("customer", 31, 46), s("agent", 50, 60, "dos " * 20)],
                             60.0)
    assert m.agent_talk_seconds == 40.0
    assert m.customer_talk_seconds == 15.0
    assert m.talk_listen_ratio == pytest.approx(40 / 15, abs=1e-3)
    assert m.agent_words == 80
    assert m.agent_words_per_minute == pytest.approx(80 * 60 / 40)


def test_silence_uses_both_channels_and_ignores_ring_and_hangup_time():
    segs = [s("agent", 5, 10), s("customer", 9, 20), s("agent", 45, 50)]
    m = conversation_metrics(segs, 70.0, long_silence=20)
    assert m.silence_seconds == 25.0  # 20 -> 45; 0-5 and 50-70 are not conversation
    assert m.longest_silence_seconds == 25.0
    assert m.long_silences == 1


def test_interruptions_are_counted_for_who_started_and_need_real_overlap():
    segs = [
        s("agent", 0, 10),
        s("customer", 8, 12),   # customer starts while the agent talks, 2 s overlap -> customer interrupts
        s("agent", 11.8, 15),   # agent starts 0.2 s before the customer stops: below 0.5 s, not an interruption
        s("customer", 20, 30),
        s("agent", 25, 27),     # agent cuts in for 2 s -> agent interrupts
    ]
    m = conversation_metrics(segs, 30.0, min_overlap=0.5)
    assert (m.interruptions_by_agent, m.interruptions_by_customer) == (1, 1)
    assert m.overlap_seconds == pytest.approx(4.0)


def test_word_timings_win_over_segment_bounds():
    words = [Word("hola", 0.0, 1.0), Word("señor", 9.0, 10.0)]  # a long pause inside one Whisper segment
    m = conversation_metrics([s("agent", 0, 10, "hola señor", words)], 12.0, turn_gap=0.8)
    assert m.agent_talk_seconds == 2.0
    assert m.silence_seconds == 8.0


def test_mono_has_no_speaker_split():
    m = conversation_metrics([s("unknown", 0, 10), s("unknown", 15, 20)], 20.0)
    assert m.agent_talk_seconds is None and m.interruptions_by_agent is None
    assert m.silence_seconds == 5.0


# ---- the flat row ------------------------------------------------------------------------------------------
PY_TYPES = {"string": str, "boolean": bool, "double": float, "int": int}


def check_row_types(row, card=None):
    columns = audit_columns(card)
    assert list(row) == [name for name, _ in columns]
    for name, kind in columns:
        value = row[name]
        if value is None:
            continue
        if kind.startswith("array<"):
            inner = PY_TYPES[kind[6:-1]]
            assert isinstance(value, list) and all(v is None or type(v) is inner for v in value), name
        else:
            assert type(value) is PY_TYPES[kind], f"{name}: {type(value).__name__} is not {kind}"


@pytest.fixture(scope="module")
def card():
    return load_scorecard(V1_SCORECARD)


def test_rows_match_columns_and_types(card):
    for t in synthetic_transcripts(25, seed=4, garble=0.2):
        row = audit_to_row(score_transcript(t, card))
        check_row_types(row, card)
        assert row["scorecard_version"] == "callaudit-v1.0"
        assert row["transcription_engine"] == "synthetic"
        assert json.loads(row["evidence_json"])["criteria"].keys() == {"greeting", "identification",
                                                                       "help_offer", "farewell"}
        assert len(row["customer_sentiment_by_quarter"]) == 4


def test_original_column_names_are_kept():
    names = {n for n, _ in audit_columns()}
    for original in ("call_sid", "has_greeting", "has_identification", "has_help_offer", "has_farewell",
                     "forbidden_words", "sentiment_score", "quality_score", "quality_category", "needs_manual_review"):
        assert original in names
    assert dict(audit_columns())["forbidden_words"] == "array<string>"


def test_spark_ddl_is_derived_from_the_columns():
    ddl = spark_ddl()
    assert ddl.startswith("call_sid STRING, recording_sid STRING, has_greeting BOOLEAN")
    assert "forbidden_words ARRAY<STRING>" in ddl and "interruptions_by_agent INT" in ddl
    assert ddl.count(",") == len(audit_columns()) - 1


def test_transcript_with_error_is_an_unscored_audit_not_a_crash(card):
    t = Transcript(recording_sid="RE1", call_sid="CA1", error="recording is silent on both channels", engine="whisper")
    audit = score_transcript(t, card)
    assert audit.quality_score is None and audit.quality_category == "Sin Evaluar"
    assert audit.needs_manual_review and audit.review_codes == ["transcription_error"]
    assert audit.review_reasons[0].message == "error de transcripción: recording is silent on both channels"
    row = audit_to_row(audit)
    check_row_types(row)
    assert row["audit_error"] == "recording is silent on both channels"
    assert row["forbidden_words"] == [] and row["has_greeting"] is False


def test_row_from_json_never_raises(card):
    t = synthetic_transcripts(1, seed=2)[0]
    good = audit_row_from_json(t.to_json(), card)
    assert good["call_sid"] == t.call_sid and good["quality_score"] is not None
    bad = audit_row_from_json("{not json", card)
    check_row_types(bad)
    assert bad["needs_manual_review"] is True and "transcript unreadable" in bad["audit_error"]
    assert audit_row_from_json(None, card)["review_codes"] == ["transcription_error"]


def test_audit_is_json_serialisable_and_deterministic(card):
    t = synthetic_transcripts(1, seed=8, garble=0.3)[0]
    a, b = score_transcript(t, card).to_dict(), score_transcript(t, card).to_dict()
    assert json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)


def test_call_duration_argument_moves_the_farewell_window(card):
    t = Transcript("RE2", "CA2", segments=[
        s("agent", 0.5, 5, "Buenos días, habla con Ana, ¿en qué le puedo ayudar?"),
        s("customer", 6, 10, "Quiero mi saldo."),
        s("agent", 40, 45, "Que tenga un buen día."),
    ], duration_seconds=46)
    assert score_transcript(t, card).has_farewell
    # Twilio says the call lasted 200 s (a long hold after the goodbye was recorded): the goodbye is no
    # longer at the end, and the quarters are cut on 200 s
    late = score_transcript(t, card, call_duration=200)
    assert late.has_farewell is False
    assert late.customer_sentiment_by_quarter[1:] == [None, None, None]


def test_weights_and_penalty_are_read_from_the_scorecard(tmp_path):
    from callaudit.scoring.scorecard import DEFAULT_SCORECARD, parse_scorecard

    text = DEFAULT_SCORECARD.read_text(encoding="utf-8")
    text = text.replace("  weight: 25\n  speaker: agent\n  penalty_per_expression: 1.0",
                        "  weight: 25\n  speaker: agent\n  penalty_per_expression: 0.5")
    half = parse_scorecard(text, "half.yml")
    t = Transcript("RE3", "CA3", segments=[
        s("agent", 0.5, 5, "Buenos días, habla con Ana, ¿en qué le puedo ayudar?"),
        s("customer", 6, 10, "Quiero mi saldo."),
        s("agent", 20, 25, "Qué pereza."),
        s("agent", 40, 45, "Que tenga un buen día."),
    ], duration_seconds=46)
    assert score_transcript(t, half).quality_score == 87.5  # 100 - 25 * 0.5
    t.segments.insert(3, s("agent", 30, 33, "No sea bruto."))
    assert score_transcript(t, half).quality_score == 75.0  # two expressions: the whole 25
