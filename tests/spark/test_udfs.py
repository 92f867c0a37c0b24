"""The Spark wrappers give exactly what the pure-Python cores give."""

from __future__ import annotations

import dataclasses

import pytest
from pyspark.sql import functions as F

from callaudit.scoring import audit_columns, audit_row_from_json, cached_scorecard
from callaudit.scoring.samples import synthetic_transcripts
from callaudit.transcript import Segment, Transcript, Word
from udfs.score import audit_type, make_score_call, make_score_call_rowwise
from udfs.transcribe import SEGMENT_TYPE, TRANSCRIPT_TYPE, WORD_TYPE


def test_transcript_struct_is_the_dataclass():
    assert [f.name for f in TRANSCRIPT_TYPE.fields] == [f.name for f in dataclasses.fields(Transcript)]
    assert [f.name for f in SEGMENT_TYPE.fields] == [f.name for f in dataclasses.fields(Segment)]
    assert [f.name for f in WORD_TYPE.fields] == [f.name for f in dataclasses.fields(Word)]
    assert [f.name for f in audit_type().fields] == [name for name, _ in audit_columns()]


@pytest.mark.spark
def test_score_call_pandas_and_rowwise_udfs_equal_the_core(spark):
    transcripts = synthetic_transcripts(12, seed=3, garble=0.1)
    broken = "{not json"
    rows = [(t.to_json(), 60.0, "María López") for t in transcripts] + [(broken, None, None)]
    df = spark.createDataFrame(rows, "t string, d double, name string").repartition(2)
    card = cached_scorecard()
    want = {r["recording_sid"]: r for r in
            (audit_row_from_json(t, card, d, agent_name=n) for t, d, n in rows)}
    for make in (make_score_call, make_score_call_rowwise):
        got = df.select(make()(F.col("t"), F.col("d"), F.col("name")).alias("a")).select("a.*").collect()
        assert len(got) == len(rows)
        by_sid = {r["recording_sid"]: r.asDict() for r in got}
        for sid, expected in want.items():
            actual = by_sid[sid]
            for name, _ in audit_columns():
                if isinstance(expected[name], float):
                    assert actual[name] == pytest.approx(expected[name]), (make.__name__, sid, name)
                else:
                    assert actual[name] == expected[name], (make.__name__, sid, name)
    unreadable = [r for r in want.values() if r["recording_sid"] is None][0]
    assert unreadable["needs_manual_review"] and unreadable["quality_score"] is None


@pytest.mark.spark
def test_a_mono_transcript_survives_the_struct_to_json_hop_into_score_call(spark):
    """The pipeline feeds ``score_call`` with ``to_json(transcript_redacted)``, which drops null fields — a mono
    recording's segments have ``channel = null``. That must score like any transcript, not as unreadable."""
    t = synthetic_transcripts(1, seed=5)[0]
    for seg in t.segments:
        seg.channel, seg.speaker = None, "unknown"
    t.agent_channel, t.channels = None, 1
    df = spark.createDataFrame([(t.to_json(),)], "t string") \
        .select(F.from_json("t", TRANSCRIPT_TYPE).alias("s")) \
        .select(make_score_call()(F.to_json("s"), F.lit(60.0), F.lit(None).cast("string")).alias("a"))
    audit = df.select("a.*").collect()[0]
    assert "transcription_error" not in (audit["review_codes"] or [])
    assert audit["recording_sid"] == t.recording_sid and audit["quality_score"] is not None


@pytest.mark.spark
def test_a_criterion_added_to_the_yaml_is_a_column_of_silver_and_gold(spark, tmp_path):
    """Only the scorecard file changes: the UDF's schema, the silver audit and the gold table get has_summary."""
    from new_criterion import call, scorecard_with_summary

    from callaudit.scoring import load_scorecard
    from callaudit.transforms import marts

    path = str(scorecard_with_summary(tmp_path))
    rows = [(call(True, "CA1").to_json(), 45.0, "María López"), (call(False, "CA2").to_json(), 45.0, "María López")]
    df = spark.createDataFrame(rows, "t string, d double, name string")
    silver = (df.select(make_score_call(path)(F.col("t"), F.col("d"), F.col("name")).alias("a")).select("a.*")
              .withColumn("scored_at", F.current_timestamp()))
    calls = spark.createDataFrame(
        [(sid, "María López", "A1", "Konecta", "Hogar", "Sup", None, None, "inbound", 45, "completed")
         for sid in ("CA1", "CA2")],
        "call_sid string, agent string, agent_id string, vendor string, team string, supervisor string, "
        "start_time timestamp, call_date date, direction string, duration_seconds int, status string")
    gold = marts.twilio_call_audits(silver, calls, load_scorecard(path))
    steps = [c for c in gold.columns if c.startswith("has_")]
    assert steps == ["has_greeting", "has_identification", "has_help_offer", "has_farewell", "has_summary"]
    assert gold.columns[:2] == ["call_sid", "agent"] and gold.columns[2:7] == steps
    got = {r["call_sid"]: r["has_summary"] for r in gold.select("call_sid", "has_summary").collect()}
    assert got == {"CA1": True, "CA2": False}
