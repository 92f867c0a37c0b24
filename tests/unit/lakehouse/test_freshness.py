"""Skipping a pipeline update that cannot change gold: every input the update reads must invalidate the record."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from callaudit.config import Settings
from callaudit.lakehouse import freshness
from callaudit.lakehouse.runner import UP_TO_DATE, pipeline_configuration, run_pipeline


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(home=tmp_path / "home", cache=tmp_path / "cache")
    (s.landing / "calls").mkdir(parents=True)
    (s.landing / "calls" / "page-0001.json").write_text('{"calls": []}')
    (s.warehouse / "twilio_calls" / "_delta_log").mkdir(parents=True)
    (s.warehouse / "twilio_calls" / "_delta_log" / "00000000000000000000.json").write_text("{}")
    (s.pipeline_storage / "checkpoints").mkdir(parents=True)
    return s


def recorded(settings: Settings) -> dict[str, str]:
    conf = pipeline_configuration(settings)
    freshness.record(settings, conf)
    return conf


def test_nothing_recorded_means_run(settings):
    state = freshness.check(settings, pipeline_configuration(settings))
    assert not state.current and "no completed update" in state.reason


def test_same_inputs_are_current(settings):
    conf = recorded(settings)
    state = freshness.check(settings, conf)
    assert state.current and "nothing landed" in state.reason and state.last_update


@pytest.mark.parametrize("change, reason", [
    (lambda s: (s.landing / "calls" / "page-0002.json").write_text("{}"), "landing zone"),
    (lambda s: (s.landing / "calls" / "page-0001.json").unlink(), "landing zone"),
    (lambda s: os.utime(s.landing / "calls" / "page-0001.json", ns=(1, 1)), "landing zone"),
    (lambda s: (s.warehouse / "twilio_calls" / "_delta_log" / "00000000000000000001.json").write_text("{}"),
     "table or checkpoint"),
    (lambda s: (s.pipeline_storage / "checkpoints" / "offsets-1").write_text("x"), "table or checkpoint"),
])
def test_any_input_change_means_run(settings, change, reason):
    conf = recorded(settings)
    change(settings)
    state = freshness.check(settings, conf)
    assert not state.current and reason in state.reason


def test_hidden_files_spark_ignores_are_no_input(settings):
    conf = recorded(settings)
    (settings.landing / "reviews").mkdir(parents=True, exist_ok=True)
    (settings.landing / "reviews" / ".lock").write_text("")  # what landing a review touches
    (settings.landing / "calls" / "_partial.json").write_text("{")
    (settings.landing / "_state").mkdir()
    (settings.landing / "_state" / "ingest_state.json").write_text("{}")  # ingest's own marks
    assert freshness.check(settings, conf).current
    (settings.landing / "reviews" / "r.csv").write_text("call_sid\n")
    assert not freshness.check(settings, conf).current


def test_another_setting_means_run(settings):
    conf = recorded(settings)
    state = freshness.check(settings, {**conf, "callaudit.transcription.engine": "azure"})
    assert not state.current and "settings" in state.reason


def test_edited_scorecard_means_run(settings, tmp_path):
    card = tmp_path / "card.yml"
    card.write_text("version: a\n")
    s = Settings(home=settings.home, cache=settings.cache, scorecard_path=card)
    conf = recorded(s)
    card.write_text("version: b\n")
    state = freshness.check(s, conf)
    assert not state.current and "code or rules" in state.reason


def test_unreadable_record_means_run(settings):
    conf = recorded(settings)
    (settings.state / freshness.STATE_NAME).write_text("{not json")
    assert not freshness.check(settings, conf).current


def test_forget_drops_the_record(settings):
    conf = recorded(settings)
    freshness.forget(settings)
    assert not freshness.check(settings, conf).current


def test_run_pipeline_skips_without_starting_spark(settings, monkeypatch):
    recorded(settings)

    def no_spark(*a, **k):
        raise AssertionError("spark-pipelines must not start when gold is current")

    monkeypatch.setattr("callaudit.lakehouse.runner.PipelineProcess", no_spark)
    result = run_pipeline(settings, skip_if_current=True, progress=False)
    assert result.ok and result.skipped and result.state == UP_TO_DATE
    assert "nothing to do" in result.summary() and "--force" in result.summary()
    # without the flag, or for a refresh of chosen tables, the update is started (and here refused by the stub)
    for kwargs in ({}, {"skip_if_current": True, "refresh": ["kpi_summary"]},
                   {"skip_if_current": True, "full_refresh": True}):
        with pytest.raises(AssertionError, match="must not start"):
            run_pipeline(settings, progress=False, **kwargs)


def test_half_written_checkpoint_files_of_a_killed_run_are_removed(settings):
    from callaudit.lakehouse.runner import clear_interrupted_checkpoint_writes

    offsets = settings.pipeline_storage / "_checkpoints" / "callaudit" / "bronze_calls" / "0" / "offsets"
    offsets.mkdir(parents=True)
    tmp = offsets / ".0.6196ba69-c415-4d4b-b978-6e97f8ffdb2a.tmp"
    crc = offsets / "..0.6196ba69-c415-4d4b-b978-6e97f8ffdb2a.tmp.crc"
    kept = [offsets / "1", offsets / ".1.crc", offsets.parent / "metadata"]
    for p in (tmp, crc, *kept):
        p.write_text("x")
    assert sorted(clear_interrupted_checkpoint_writes(settings)) == sorted([tmp, crc])
    assert not tmp.exists() and not crc.exists() and all(p.exists() for p in kept)


def test_a_file_landed_while_an_update_ran_is_new_input_for_the_next(settings):
    """The update read what was there when it started; a webhook landing mid-run must not be marked as read."""
    conf = pipeline_configuration(settings)
    started = freshness.fingerprint(settings, conf)
    (settings.landing / "calls" / "page-0002.json").write_text('{"calls": []}')  # lands during the update
    (settings.warehouse / "twilio_calls" / "_delta_log" / "00000000000000000001.json").write_text("{}")  # its write
    freshness.record(settings, conf, started)
    state = freshness.check(settings, conf)
    assert not state.current and "landing zone" in state.reason
    freshness.record(settings, conf, freshness.fingerprint(settings, conf))  # the next update reads it
    assert freshness.check(settings, conf).current


# ---- only some landing folders changed: refresh what reads them -------------------------------------------------
def test_new_files_in_one_folder_refresh_only_what_reads_it(settings):
    from callaudit.lakehouse import catalog

    conf = recorded(settings)
    (settings.landing / "reviews").mkdir(parents=True, exist_ok=True)
    (settings.landing / "reviews" / "semana49.csv").write_text("call_sid,reviewer\n")
    state = freshness.check(settings, conf)
    assert not state.current and state.changed_folders == ["reviews"]
    assert state.refresh == sorted(catalog.downstream(catalog.datasets(), {"reviews"}))
    assert {"bronze_qa_reviews", "qa_reviews", "calibration_agreement"} <= set(state.refresh)
    assert "twilio_call_audits" not in state.refresh and "landing/reviews" in state.reason


@pytest.mark.parametrize("also", [
    lambda s: (s.warehouse / "twilio_calls" / "_delta_log" / "00000000000000000001.json").write_text("{}"),
    lambda s: s.scorecard_path.write_text(s.scorecard_path.read_text() + "\n# edited\n"),
])
def test_new_files_and_any_other_change_mean_a_whole_update(settings, also, tmp_path):
    card = tmp_path / "card.yml"
    card.write_text(Path(settings.scorecard_path).read_text())
    settings = Settings(home=settings.home, cache=settings.cache, scorecard_path=card)
    conf = recorded(settings)
    (settings.landing / "surveys").mkdir(parents=True, exist_ok=True)
    (settings.landing / "surveys" / "nps.csv").write_text("call_sid\n")
    assert freshness.check(settings, conf).refresh  # on its own: a partial refresh
    also(settings)
    state = freshness.check(settings, conf)
    assert not state.current and state.refresh is None


def test_a_record_without_folder_digests_means_a_whole_update(settings):
    import json

    conf = recorded(settings)
    path = settings.state / freshness.STATE_NAME
    saved = json.loads(path.read_text())
    del saved["fingerprint"]["landing_folders"]  # written by an older callaudit
    path.write_text(json.dumps(saved))
    (settings.landing / "reviews").mkdir(parents=True, exist_ok=True)
    (settings.landing / "reviews" / "r.csv").write_text("x\n")
    state = freshness.check(settings, conf)
    assert not state.current and state.refresh is None


def test_new_call_pages_refresh_calls_audits_and_marts_but_not_reviews_or_surveys(settings):
    conf = recorded(settings)
    (settings.landing / "calls" / "page-0002.json").write_text('{"calls": []}')
    refresh = set(freshness.check(settings, conf).refresh)
    assert {"bronze_calls", "silver_calls", "twilio_calls", "silver_call_audits", "twilio_call_audits",
            "kpi_summary", "qa_reviews", "calibration_agreement", "call_satisfaction"} <= refresh
    assert not refresh & {"bronze_qa_reviews", "bronze_surveys", "call_surveys", "bronze_media", "agent_directory"}


def test_a_partial_update_runs_the_chosen_tables_and_is_recorded(settings, monkeypatch):
    from callaudit.lakehouse import runner

    conf = recorded(settings)
    (settings.landing / "surveys").mkdir(parents=True, exist_ok=True)
    (settings.landing / "surveys" / "nps.csv").write_text("call_sid\n")
    seen = {}

    class FakeProcess:  # stands in for spark-pipelines: what matters here is what it is asked to refresh
        def __init__(self, settings, **kwargs):
            seen.update(kwargs)

    monkeypatch.setattr(runner, "PipelineProcess", FakeProcess)
    monkeypatch.setattr(runner, "_follow", lambda proc, progress: runner.PipelineRun(returncode=0, state="COMPLETED"))
    result = runner.run_pipeline(settings, skip_if_current=True, progress=False)
    assert seen["refresh"] == result.refreshed == ["bronze_surveys", "call_satisfaction", "call_surveys",
                                                   "quarantine_call_surveys"]
    assert "refreshed 4 tables only" in result.summary() and "landing/surveys" in result.summary()
    assert freshness.check(settings, conf).current  # the partial update brought gold up to date


def test_pipeline_status_says_what_the_next_run_would_do(home):
    from typer.testing import CliRunner

    from callaudit.cli import app
    from callaudit.config import load_settings

    runner = CliRunner()
    first = runner.invoke(app, ["pipeline", "status"])
    assert first.exit_code == 0 and "whole update" in first.output and "no completed update" in first.output
    settings = load_settings()
    recorded(settings)
    assert "gold is current" in runner.invoke(app, ["pipeline", "status"]).output
    (settings.landing / "reviews").mkdir(parents=True, exist_ok=True)
    (settings.landing / "reviews" / "semana49.csv").write_text("call_sid\n")
    out = runner.invoke(app, ["pipeline", "status", "--graph"]).output
    from callaudit.lakehouse import catalog

    assert f"refreshes 5 of {len(catalog.datasets())} tables" in out and "  calibration_agreement\n" in out
    assert "gold/qa_reviews (materialized view) <- bronze_qa_reviews, twilio_call_audits" in out
    assert "bronze/bronze_calls (streaming table) <- landing/calls" in out
