"""The real ``spark-pipelines`` on local Spark + Delta, run several times over a growing landing zone.

Run 1 (batch 1) -> counts at every layer; run 2 (batch 2: new calls, a late update, a duplicated page) -> counts
at every layer again (catches stale reads between runs); run 3 with nothing new -> nothing changes and nothing is
re-transcribed. The quarantine holds every rejected row with the names of the rules it failed.
"""

from __future__ import annotations

import pytest
from pipeline_scenario import Landed, expected, land_batch1, land_batch2, snapshot

from callaudit.config import Settings
from callaudit.lakehouse.runner import run_pipeline

pytestmark = pytest.mark.pipeline

GOLD = ["twilio_calls", "twilio_recordings", "twilio_transcriptions", "twilio_call_audits", "agent_daily_quality",
        "daily_quality_trend", "forbidden_words_by_agent", "review_queue", "kpi_summary"]


def count(spark, settings, table):
    return spark.read.format("delta").load(str(settings.table_path(table))).count()


def layer_counts(spark, settings) -> dict[str, int]:
    t = lambda name: spark.read.format("delta").load(str(settings.table_path(name)))  # noqa: E731
    q = t("quarantine_silver_calls")
    st = t("silver_transcriptions")
    return {
        "bronze_calls": t("bronze_calls").count(),
        "silver_calls": t("silver_calls").count(),
        "quarantine_silver_calls_dropped": q.where("_action = 'drop'").count(),
        "twilio_calls": t("twilio_calls").count(),
        "bronze_recordings": t("bronze_recordings").count(),
        "silver_recordings": t("silver_recordings").count(),
        "twilio_recordings": t("twilio_recordings").count(),
        "bronze_media": t("bronze_media").count(),
        "silver_transcriptions": st.count(),
        "transcription_errors": st.where("error IS NOT NULL").count(),
        "twilio_transcriptions": t("twilio_transcriptions").count(),
        "silver_call_audits": t("silver_call_audits").count(),
        "twilio_call_audits": t("twilio_call_audits").count(),
        "agent_directory": t("agent_directory").count(),
    }


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, spark):
    base = tmp_path_factory.mktemp("pipeline")
    settings = Settings(home=base / "home", cache=_repo_cache())
    audio = base / "audio"
    landed = Landed()
    runs, counts, snaps = [], [], []

    land_batch1(settings.landing, audio, landed)
    runs.append(run_pipeline(settings, progress=False))
    counts.append((layer_counts(spark, settings), expected(landed)))

    land_batch2(settings.landing, audio, landed)
    runs.append(run_pipeline(settings, progress=False))
    counts.append((layer_counts(spark, settings), expected(landed)))
    snaps.append(snapshot(spark, settings, GOLD + ["silver_transcriptions"]))

    runs.append(run_pipeline(settings, progress=False))  # nothing new
    counts.append((layer_counts(spark, settings), expected(landed)))
    snaps.append(snapshot(spark, settings, GOLD + ["silver_transcriptions"]))
    return {"settings": settings, "runs": runs, "counts": counts, "snaps": snaps, "landed": landed}


def _repo_cache():
    from callaudit.config import PROJECT_ROOT

    return PROJECT_ROOT / ".cache"


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
    assert len(rows) == len(scenario["landed"].broken_media)
    assert all("truncated" in r["error"] or "WAV" in r["error"] for r in rows)
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
