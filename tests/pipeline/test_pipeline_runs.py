"""The real ``spark-pipelines`` on local Spark + Delta, run several times over a growing landing zone.

Run 1 (batch 1) -> counts at every layer; run 2 (batch 2: new calls, a late update, a duplicated page) -> counts
at every layer again (catches stale reads between runs); run 3 with nothing new (on a shared Connect server, the
demo's way) -> nothing changes and nothing is re-transcribed. The quarantine holds every rejected row with the names of the rules it failed.
"""

from __future__ import annotations

import pytest
from pipeline_scenario import GOLD

pytestmark = pytest.mark.pipeline


@pytest.mark.parametrize("run", [0, 1, 2])
def test_every_run_completes(scenario, run):
    result = scenario["runs"][run]
    assert result.ok, result.summary() + f"\nlog: {result.log_path}"
    print(f"run {run + 1}: {result.seconds:.1f}s total, {result.startup_seconds:.1f}s start-up")


@pytest.mark.parametrize("run", [0, 1, 2])
def test_counts_at_every_layer(scenario, run):
    got, want = scenario["counts"][run]
    assert got == want


def test_rerun_with_nothing_new_changes_nothing(scenario):
    before, after = scenario["snaps"]
    assert before == after
    # streaming tables did not reprocess: still one transcript per recording
    assert scenario["counts"][2][0]["silver_transcriptions"] == len(scenario["landed"].media)


def test_run_on_a_shared_server_and_a_read_through_it_see_the_same_gold(scenario, spark):
    # run 3 went through a SharedSpark (the demo's way), then read gold through the same server
    settings = scenario["settings"]
    audits = spark.read.format("delta").load(str(settings.table_path("twilio_call_audits"))).count()
    assert audits > 0 and scenario["shared_read"] == audits


def test_quarantine_holds_every_rejected_row_with_reasons(scenario, spark):
    settings = scenario["settings"]
    rows = spark.read.format("delta").load(str(settings.table_path("quarantine_silver_calls"))).collect()
    dropped = [r for r in rows if r["_action"] == "drop"]
    reasons = sorted(rule for r in dropped for rule in r["_failed_rules"])
    assert {"status_known", "dates_parseable", "duration_valid", "call_sid_present", "page_parseable"} <= set(reasons)
    assert all(r["_failed_rules"] for r in rows)
    # the garbage page is kept verbatim for inspection
    assert any(r["_corrupt_record"] and "502 Bad Gateway" in r["_corrupt_record"] for r in dropped)


def test_late_update_replaces_the_old_version(scenario, spark):
    settings = scenario["settings"]
    calls = spark.read.format("delta").load(str(settings.table_path("twilio_calls")))
    from twilio_pages import sid

    row = calls.where(f"call_sid = '{sid('CA', 50)}'").collect()
    assert len(row) == 1 and row[0]["status"] == "completed" and row[0]["duration_seconds"] == 33


def test_broken_recording_is_an_error_row_not_a_failed_run(scenario, spark):
    settings = scenario["settings"]
    rows = spark.read.format("delta").load(str(settings.table_path("twilio_transcriptions"))) \
        .where("error IS NOT NULL").collect()
    assert {r["recording_sid"] for r in rows} == scenario["landed"].broken_media
    truncated = scenario["landed"].bad_inputs["truncated WAV"]
    assert any(r["recording_sid"] == truncated and "truncated" in r["error"] for r in rows)
    audits = spark.read.format("delta").load(str(settings.table_path("twilio_call_audits")))
    flagged = audits.where(f"recording_sid = '{rows[0]['recording_sid']}'").collect()[0]
    assert flagged["needs_manual_review"] and "transcription_error" in flagged["review_codes"]


def test_model_loaded_once_per_worker(scenario, spark):
    settings = scenario["settings"]
    rows = spark.read.format("delta").load(str(settings.table_path("silver_transcriptions"))) \
        .where("error IS NULL").groupBy("worker_pid").agg({"worker_model_loads": "max"}).collect()
    assert rows, "no successful transcription"
    loads = {r["worker_pid"]: r["max(worker_model_loads)"] for r in rows}
    print(f"model loads per worker: {loads}")
    assert all(v == 1 for v in loads.values())


def test_gold_has_no_raw_phone_numbers_or_cedulas(scenario, spark):
    settings = scenario["settings"]
    for table in GOLD:
        df = spark.read.format("delta").load(str(settings.table_path(table)))
        text = "\n".join(str(r.asDict(recursive=True)) for r in df.collect())
        assert "+573001234567" not in text, table
        assert "1032" + "4567" not in text.replace(" ", ""), table


def test_every_bad_input_lands_somewhere_with_its_reason(scenario, spark):
    """The bad-input catalogue: where each kind ended up (printed as a table with -s)."""
    settings = scenario["settings"]
    load = lambda name: spark.read.format("delta").load(str(settings.table_path(name)))  # noqa: E731
    transcripts = {r["recording_sid"]: r for r in load("twilio_transcriptions").collect()}
    audits = {r["recording_sid"]: r for r in load("twilio_call_audits").collect()}
    where = {}
    for kind, rec in scenario["landed"].bad_inputs.items():
        t, a = transcripts[rec], audits[rec]
        if kind == "a transcript with no agent speech":
            assert t["error"] is None and a["quality_category"] == "Sin Evaluar" and "no_agent_speech" in a["review_codes"]
            where[kind] = f"audit Sin Evaluar, review: {a['review_codes']}"
        else:
            assert t["error"], kind
            assert a["needs_manual_review"] and "transcription_error" in a["review_codes"], kind
            where[kind] = f"transcript error: {t['error'][:90]}"
    assert "not 'es'" in transcripts[scenario["landed"].bad_inputs["non-Spanish speech"]]["error"]
    assert "channel" in transcripts[scenario["landed"].bad_inputs["mono file where two channels were expected"]]["error"]

    quarantine = load("quarantine_silver_calls").collect()
    by_rule = {}
    for r in quarantine:
        for rule in r["_failed_rules"]:
            by_rule.setdefault(rule, []).append(r["_action"])
    for kind, rule, action in [("a call record missing sid", "call_sid_present", "drop"),
                               ("an unknown status", "status_known", "drop"),
                               ("unparseable dates", "dates_parseable", "drop"),
                               ("a negative duration", "duration_valid", "drop"),
                               ("an unparseable page", "page_parseable", "drop"),
                               ("a 0-second call", "completed_call_has_talk_time", "warn")]:
        assert action in by_rule.get(rule, []), (kind, rule)
        where[kind] = f"quarantine_silver_calls ({rule}, {action})"
    where["a duplicated page"] = "deduplicated in silver (one row per call_sid; see test_counts_at_every_layer)"
    print("\n" + "\n".join(f"  {k:<46} -> {v}" for k, v in where.items()))


def test_every_gold_and_mart_column_is_documented_with_its_type(scenario, spark):
    """docs/TABLES.md is generated from each dataset file's COLUMNS; here they meet the tables the pipeline wrote:
    a column added to a table without a line in its file (or a documented column that is gone, or a wrong type)
    fails."""
    from callaudit.lakehouse import catalog

    settings = scenario["settings"]
    documented = [d for d in catalog.datasets() if d.layer in ("gold", "marts") and d.kind != "quarantine"]
    assert {d.name for d in documented} >= set(GOLD) | {"qa_reviews", "calibration_agreement"}
    problems = []
    for ds in documented:
        schema = spark.read.format("delta").load(str(settings.table_path(ds.name))).schema
        problems += catalog.check_columns(ds, [(f.name, f.dataType.simpleString()) for f in schema.fields])
    assert problems == []


def test_maintenance_deletes_unread_files_and_changes_no_row(scenario):
    """`pipeline maintain --current-only` after run 3 (three updates had rewritten every materialized view and
    appended to the streaming tables): the files no current version reads are gone, tables with several files
    were compacted, every row is as it was, and gold is still current — the late-review run after it (run 4,
    test_pipeline_reviews) then refreshes only its five tables on the maintained lakehouse."""
    report = scenario["maintenance"]
    print("\n".join(report.lines()))
    assert report.before.files > report.after.files
    assert sum(t.deleted for t in report.tables) > 0
    assert any(t.compacted_from >= 2 and t.compacted_into == 1 for t in report.tables), report.lines()
    for t in report.tables:  # retention 0: what is on disk is exactly what the current version reads
        assert t.after.files == t.live_files, t
    assert scenario["after_maintenance"] == scenario["snaps"][-1]
    assert report.rebased and scenario["fresh_after_maintenance"].current, scenario["fresh_after_maintenance"].reason
    import json

    journal = [json.loads(line) for line in (scenario["settings"].logs / "maintenance.jsonl").read_text().splitlines()]
    assert [(j["files_before"], j["files_after"], j["retain_hours"]) for j in journal] == [
        (report.before.files, report.after.files, 0.0)]
