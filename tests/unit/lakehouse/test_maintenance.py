"""Table maintenance without Spark: what it refuses, what it counts, and the freshness record it keeps current.
(OPTIMIZE + VACUUM on the real pipeline's tables: tests/pipeline/test_pipeline_runs.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callaudit.config import Settings
from callaudit.errors import UserError
from callaudit.lakehouse import freshness
from callaudit.lakehouse.maintenance import MaintenanceReport, TableMaintenance, Usage, disk_usage, maintain
from callaudit.lakehouse.runner import pipeline_configuration


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(home=tmp_path / "home", cache=tmp_path / "cache")
    log = s.table_path("twilio_calls") / "_delta_log"
    log.mkdir(parents=True)
    (log / "00000000000000000000.json").write_text("{}")
    (s.table_path("twilio_calls") / "part-0001.snappy.parquet").write_bytes(b"x" * 100)
    (s.landing / "calls").mkdir(parents=True)
    return s


def test_disk_usage_counts_data_files_and_leaves_out_the_log(settings):
    table = settings.table_path("twilio_calls")
    (table / ".part-0001.snappy.parquet.crc").write_bytes(b"c" * 10)
    (table / "part-0002.snappy.parquet").write_bytes(b"y" * 50)
    assert disk_usage(table) == Usage(files=2, bytes=160)


def test_rebase_moves_a_current_record_to_the_maintained_lakehouse(settings):
    conf = pipeline_configuration(settings)
    freshness.record(settings, conf)
    before = freshness.lakehouse_digest(settings)
    (settings.table_path("twilio_calls") / "part-0001.snappy.parquet").unlink()  # what VACUUM does
    assert not freshness.check(settings, conf).current
    assert freshness.rebase_lakehouse(settings, before)
    assert freshness.check(settings, conf).current


def test_rebase_leaves_a_stale_record_stale(settings):
    conf = pipeline_configuration(settings)
    freshness.record(settings, conf)
    (settings.table_path("twilio_calls") / "_delta_log" / "00000000000000000001.json").write_text("{}")  # a DELETE
    stale = freshness.lakehouse_digest(settings)
    recorded = freshness.recorded_lakehouse(settings)
    assert recorded != stale
    assert not freshness.rebase_lakehouse(settings, stale)
    assert freshness.recorded_lakehouse(settings) == recorded
    assert not freshness.check(settings, conf).current


def test_current_only_is_refused_unless_the_last_update_completed_on_this_lakehouse(settings):
    with pytest.raises(UserError, match="caught up"):  # no completed update recorded
        maintain(settings, spark=object(), current_only=True, say=lambda _: None)
    freshness.record(settings, pipeline_configuration(settings))
    (settings.table_path("twilio_calls") / "_delta_log" / "00000000000000000001.json").write_text("{}")
    with pytest.raises(UserError, match="caught up") as err:  # a table was written after it
        maintain(settings, spark=object(), current_only=True, say=lambda _: None)
    assert "pipeline run" in err.value.hint


def test_unknown_table_and_empty_warehouse_are_clear_errors(settings, tmp_path):
    with pytest.raises(UserError, match="no such table: nope") as err:
        maintain(settings, spark=object(), tables=["nope"], say=lambda _: None)
    assert "twilio_calls" in err.value.hint
    empty = Settings(home=tmp_path / "empty", cache=tmp_path / "cache")
    with pytest.raises(UserError, match="no Delta tables"):
        maintain(empty, spark=object(), say=lambda _: None)


def test_report_says_what_was_deleted_and_kept():
    report = MaintenanceReport(0.0, dry_run=False, seconds=3.2, rebased=True, tables=[
        TableMaintenance("bronze_calls", Usage(10, 10_000_000), Usage(1, 2_000_000), live_files=1,
                         compacted_from=6, compacted_into=1),
        TableMaintenance("kpi_summary", Usage(3, 3_000), Usage(1, 1_000), live_files=1),
    ])
    assert [t.deleted for t in report.tables] == [10, 2]
    assert report.before == Usage(13, 10_003_000) and report.after == Usage(2, 2_001_000)
    lines = report.lines()
    assert lines[1].split()[:5] == ["bronze_calls", "10", "6->1", "10", "1"]
    assert lines[-1].split()[:6] == ["all", "2", "tables", "13", "12", "2"]
    assert "13 -> 2 data files" in report.summary() and "unchanged for" in report.summary()
    dry = MaintenanceReport(None, dry_run=True, tables=[TableMaintenance("t", Usage(4, 1), Usage(1, 1), 1)])
    assert "3 of 4 data files" in dry.summary() and "a week" in dry.summary() and "nothing was changed" in dry.summary()


def test_the_record_stays_valid_json_after_a_rebase(settings):
    freshness.record(settings, pipeline_configuration(settings))
    before = freshness.lakehouse_digest(settings)
    (settings.table_path("twilio_calls") / "part-0009.snappy.parquet").write_bytes(b"z")  # OPTIMIZE's new file
    freshness.rebase_lakehouse(settings, before)
    saved = json.loads((settings.state / freshness.STATE_NAME).read_text())
    assert set(saved) == {"finished_at", "fingerprint"}
    assert saved["fingerprint"]["lakehouse"] == freshness.lakehouse_digest(settings)


def test_the_command_teaches_and_says_what_to_do_on_an_empty_lakehouse(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from callaudit.cli import app

    runner = CliRunner()
    shown = runner.invoke(app, ["pipeline", "maintain", "--help"], terminal_width=200)
    assert shown.exit_code == 0 and "Example" in shown.output and "callaudit pipeline maintain --dry-run" in shown.output
    monkeypatch.setenv("CALLAUDIT_HOME", str(tmp_path / "fresh"))
    result = runner.invoke(app, ["pipeline", "maintain"])
    assert result.exit_code != 0
    assert "no Delta tables" in result.output and "callaudit pipeline run" in result.output


def test_a_watch_loop_maintains_once_per_period_and_never_when_told_not_to():
    from callaudit.lakehouse.runner import Every

    now = [1000.0]
    clock = Every(3600.0, now=lambda: now[0])
    assert not clock.due()  # not at the start: the first period runs from the loop's start
    now[0] += 3599
    assert not clock.due()
    now[0] += 1
    assert clock.due()
    clock.done()
    assert not clock.due()
    now[0] += 7200
    assert clock.due()
    for never in (None, 0):
        idle = Every(never, now=lambda: now[0])
        now[0] += 10**9
        assert not idle.due()
