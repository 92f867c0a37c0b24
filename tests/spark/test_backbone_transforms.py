"""Given these landed pages, expect these bronze/silver/gold rows (the DataFrame functions the pipeline wraps)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from twilio_pages import BASE, call, dial_pair, land_page, recording, sid, write_agents, write_json

from callaudit.lakehouse import expectations as ex
from callaudit.transforms import bronze, gold, schemas, silver

pytestmark = pytest.mark.spark


def read_pages(spark, path, schema):
    return (spark.read.schema(schema).option("multiLine", "true").option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record").json(str(path)))


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing"


def test_bronze_explodes_pages_keeps_lineage_and_corrupt_files(spark, landing):
    calls = [call(i, start=BASE + timedelta(minutes=i)) for i in range(3)]
    land_page(landing, "calls", calls, "run1")
    land_page(landing, "calls", [], "run1", page_no=1)  # a legitimately empty last page: no row
    write_json(landing / "calls" / "calls-broken-p00001.json", '{"calls": [ {"sid": "CA1"')  # truncated file
    rows = bronze.bronze_calls(read_pages(spark, landing / "calls", schemas.CALLS_PAGE)).collect()

    good = [r for r in rows if r["_corrupt_record"] is None]
    bad = [r for r in rows if r["_corrupt_record"] is not None]
    assert sorted(r["sid"] for r in good) == sorted(c["sid"] for c in calls)
    assert len(bad) == 1 and bad[0]["_source_file"].endswith("calls-broken-p00001.json") and bad[0]["sid"] is None
    assert {r["_record_index"] for r in good} == {0, 1, 2}
    assert all(r["_ingested_at"] is not None and r["from"] == "+573001234567" for r in good)
    assert good[0]["subresource_uris"]["recordings"].endswith("/Recordings.json")


def test_silver_calls_types_and_keeps_the_latest_version(spark, landing):
    first = call(1, start=BASE, status="in-progress", duration=None, updated_delta=1)
    later = call(1, start=BASE, status="completed", duration=95, updated_delta=300)
    other = call(2, start=BASE + timedelta(hours=1), status="busy", duration=None)
    land_page(landing, "calls", [later, other], "run1")
    land_page(landing, "calls", [first], "run2")  # an older version landed afterwards must not win
    df = silver.silver_calls(bronze.bronze_calls(read_pages(spark, landing / "calls", schemas.CALLS_PAGE)))
    rows = {r["call_sid"]: r for r in df.collect()}
    assert set(rows) == {first["sid"], other["sid"]}
    one = rows[first["sid"]]
    assert one["status"] == "completed" and one["duration_seconds"] == 95
    assert one["start_time"].replace(tzinfo=None) == BASE.replace(tzinfo=None)  # session time zone is UTC
    assert rows[other["sid"]]["duration_seconds"] is None and rows[other["sid"]]["status"] == "busy"


def test_silver_calls_rules_quarantine_bad_records_with_reasons(spark, landing):
    good = call(1, start=BASE)
    no_sid = call(2, start=BASE)
    del no_sid["sid"]
    no_sid2 = call(3, start=BASE)
    no_sid2["sid"] = None
    weird_status = call(4, start=BASE, status="teleported")
    bad_date = call(5, start=BASE, start_time="yesterday-ish", date_updated="not a date")
    negative = call(6, start=BASE, duration=-30)
    absurd = call(7, start=BASE, duration=999999)
    zero = call(8, start=BASE, duration=0)
    land_page(landing, "calls", [good, no_sid, no_sid2, weird_status, bad_date, negative, absurd, zero], "r")
    write_json(landing / "calls" / "calls-garbage-p00001.json", "this is not json at all")
    df = silver.silver_calls(bronze.bronze_calls(read_pages(spark, landing / "calls", schemas.CALLS_PAGE)))
    rules = ex.load("silver_calls")

    kept = {r["call_sid"] for r in ex.apply_rules(df, rules).collect()}
    assert kept == {good["sid"], zero["sid"]}  # zero-length is a warning, not a drop

    quarantined = ex.quarantine_rows(df, rules).collect()
    reasons = {r["call_sid"]: (set(r["_failed_rules"]), r["_action"]) for r in quarantined if r["call_sid"]}
    assert reasons[weird_status["sid"]] == ({"status_known"}, "drop")
    assert "dates_parseable" in reasons[bad_date["sid"]][0]
    assert "duration_valid" in reasons[negative["sid"]][0] and reasons[negative["sid"]][1] == "drop"
    assert reasons[absurd["sid"]] == ({"duration_valid"}, "drop")
    assert reasons[zero["sid"]] == ({"completed_call_has_talk_time"}, "warn")
    nameless = [r for r in quarantined if r["call_sid"] is None]
    # both sid-less records stay separate (not collapsed by dedup) + the unparseable file
    assert len(nameless) == 3
    assert sum("page_parseable" in r["_failed_rules"] for r in nameless) == 1
    assert sum("call_sid_present" in r["_failed_rules"] for r in nameless) == 3
    # nothing disappears: every input row is either kept or quarantined as dropped
    dropped = sum(r["_action"] == "drop" for r in quarantined)
    assert len(kept) + dropped == df.count() == 9


def test_fail_rule_stops_the_query(spark):
    df = spark.createDataFrame([("+573001234567", "+576015550000", True, "completed", "x")],
                               "from_number string, to_number string, is_parent_leg boolean, status string, agent string")
    with pytest.raises(Exception, match="from_number_masked"):
        ex.apply_rules(df, ex.load("twilio_calls")).collect()


def test_gold_calls_masks_numbers_and_resolves_agents(spark, landing):
    pairs = dial_pair(1, start=BASE, agent="maria.lopez") + dial_pair(2, start=BASE, agent="ghost.agent")
    orphan = call(3, start=BASE, from_="+573109998877")  # inbound call never bridged to an agent
    land_page(landing, "calls", pairs + [orphan], "r")
    write_agents(landing, [("A001", "maria.lopez", "María López", "Konecta", "Tarjetas", "Ana Ruiz")])
    calls = silver.silver_calls(bronze.bronze_calls(read_pages(spark, landing / "calls", schemas.CALLS_PAGE)))
    agents = bronze.agent_directory(spark.read.schema(schemas.AGENT_DIRECTORY).option("header", "true")
                                    .csv(str(landing / "reference")))
    rows = {r["call_sid"]: r for r in gold.twilio_calls(calls, agents).collect()}
    parent1, child1 = pairs[0]["sid"], pairs[1]["sid"]
    assert rows[parent1]["agent"] == "María López" and rows[parent1]["vendor"] == "Konecta"
    assert rows[child1]["agent"] == "María López" and rows[child1]["is_parent_leg"] is False
    assert rows[pairs[2]["sid"]]["agent"] == "desconocido:ghost.agent"
    assert rows[orphan["sid"]]["agent"] == "sin agente"
    assert rows[parent1]["from_number"] == "+573*******67"
    assert rows[child1]["to_number"] == "client:maria.lopez"
    assert all("1234567" not in (r["from_number"] or "") for r in rows.values())
    assert rows[parent1]["call_date"].isoformat() == "2026-11-20"
    # gold passes its own fail rules
    assert ex.apply_rules(gold.twilio_calls(calls, agents), ex.load("twilio_calls")).count() == 5


def test_media_to_transcribe_carries_the_agents_directory_name(spark, landing):
    """The recogniser is biased toward the agent's own name: each recording reaches the transcription UDF with
    the directory name of the agent who took the call (null for an agent the directory does not know)."""
    from callaudit.transforms import transcripts

    pairs = dial_pair(1, start=BASE, agent="maria.lopez") + dial_pair(2, start=BASE, agent="ghost.agent")
    land_page(landing, "calls", pairs, "r")
    write_agents(landing, [("A001", "maria.lopez", "María López", "Konecta", "Tarjetas", "Ana Ruiz")])
    calls = silver.silver_calls(bronze.bronze_calls(read_pages(spark, landing / "calls", schemas.CALLS_PAGE)))
    agents = bronze.agent_directory(spark.read.schema(schemas.AGENT_DIRECTORY).option("header", "true")
                                    .csv(str(landing / "reference")))
    media = spark.createDataFrame(
        [(sid("RE", p["sid"]), p["sid"], f"media/{sid('RE', p['sid'])}.wav", "2", "abc") for p in pairs[::2]],
        "recording_sid string, call_sid string, path string, channels string, sha256 string")
    rows = {r["call_sid"]: r for r in transcripts.media_to_transcribe(media, calls, "/landing", agents).collect()}
    assert rows[pairs[0]["sid"]]["agent_name"] == "María López"
    assert rows[pairs[2]["sid"]]["agent_name"] is None  # not in the directory: no name to bias with
    assert rows[pairs[0]["sid"]]["media_path"].startswith("/landing/media/RE")
    assert rows[pairs[0]["sid"]]["call_direction"] == "inbound"
    without = transcripts.media_to_transcribe(media, calls, "/landing").collect()
    assert {r["agent_name"] for r in without} == {None}


def test_gold_recordings_join_media_manifest(spark, landing):
    parent = call(1, start=BASE)
    rec, rec2 = recording(parent), recording(call(2, start=BASE), status="processing")
    land_page(landing, "recordings", [rec, rec2], "r")
    write_json(landing / "media_manifest" / f"{rec['sid']}.json", json.dumps({
        "recording_sid": rec["sid"], "call_sid": parent["sid"], "path": f"media/{rec['sid']}.wav", "channels": "2",
        "bytes": "96044", "sha256": "ab" * 32, "content_type": "audio/x-wav", "downloaded_at": "2026-11-20T15:00:00Z"}))
    recs = silver.silver_recordings(bronze.bronze_recordings(read_pages(spark, landing / "recordings",
                                                                        schemas.RECORDINGS_PAGE)))
    media = silver.latest_media(bronze.bronze_media(read_pages(spark, landing / "media_manifest",
                                                               schemas.MEDIA_MANIFEST)))
    rows = {r["recording_sid"]: r for r in gold.twilio_recordings(recs, media).collect()}
    assert rows[rec["sid"]]["media_available"] is True and rows[rec["sid"]]["media_bytes"] == 96044
    assert rows[rec["sid"]]["duration"] == 60 and rows[rec["sid"]]["channels"] == 2
    assert rows[rec["sid"]]["recording_url"] == rec["media_url"]
    assert rows[rec2["sid"]]["media_available"] is False
    assert sid("RE", parent["sid"]) == rec["sid"]
