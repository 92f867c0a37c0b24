"""Great Expectations on real gold tables: passes on good data, fails (naming why) on corrupted data, offline."""

from __future__ import annotations

import json
import re
import shutil
import socket

import pytest
from report_gold import corrupt_audits, settings_for, shared_gold_home
from typer.testing import CliRunner

pytestmark = pytest.mark.spark

BUILT = ["agent_daily_quality", "daily_quality_trend", "kpi_summary", "review_queue", "twilio_call_audits",
         "twilio_calls", "twilio_transcriptions"]


@pytest.fixture
def own_copy(spark, tmp_path_factory, tmp_path):
    """A private copy of the shared gold lakehouse (these tests write Data Docs, state, or corrupt tables)."""
    home = tmp_path / "home"
    shutil.copytree(shared_gold_home(spark, tmp_path_factory) / "warehouse", home / "warehouse")
    return home


def test_gx_passes_on_good_gold_offline_and_renders_data_docs(spark, own_copy, monkeypatch):
    from callaudit.quality.validate import run_validation

    outbound = []
    real_connect = socket.socket.connect

    def connect(sock, address):  # GX must not phone home: record and refuse anything but loopback
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            outbound.append(address)
            raise OSError("network disabled in this test")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    settings = settings_for(own_copy)
    report = run_validation(settings, tables=BUILT, spark=spark)
    assert report.ok, [(f.table, f.expectation, f.column, f.observed) for f in report.failures]
    assert outbound == []
    assert set(report.rows) == set(BUILT) and report.rows["twilio_call_audits"] == 4
    assert len(report.results) > 40
    index = own_copy / "data_docs" / "index.html"
    assert report.docs_index == index and index.is_file()
    index_html = index.read_text(encoding="utf-8")
    assert "gold.twilio_call_audits" in index_html and "todas las expectativas se cumplen" in index_html
    links = re.findall(r'href="([^"]+)"', index_html)
    assert len(links) == 2 * len(BUILT) and all((index.parent / link).is_file() for link in links)
    pages = list((own_copy / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) == len(BUILT)
    for page in [index, *pages]:  # static and offline: no script, no remote stylesheet, script or image
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html and not re.search(r"""(src|href)=["']https?://[^"']*\.(js|css|png)""", html)
    saved = json.loads((own_copy / "state" / "validation_latest.json").read_text())
    assert saved["success"] is True and saved["failed"] == 0


def test_gx_fails_on_corrupted_audits_and_the_cli_names_each_failure(spark, own_copy, monkeypatch):
    from callaudit.cli import app
    from callaudit.quality.validate import run_validation

    corrupt_audits(spark, own_copy)
    report = run_validation(settings_for(own_copy), tables=["twilio_call_audits"], docs=False, spark=spark)
    failed = {(f.expectation, f.column): f for f in report.failures}
    assert set(failed) == {
        ("expect_column_values_to_be_unique", "call_sid"),
        ("expect_column_values_to_be_between", "quality_score"),
        ("expect_column_values_to_be_in_set", "quality_category"),
        ("expect_column_values_to_not_be_null", "needs_manual_review"),
    }  # the distribution checks (mean score, share of review) still pass: one bad row does not move them enough
    assert "150" in failed[("expect_column_values_to_be_between", "quality_score")].observed
    assert "Fantástica" in failed[("expect_column_values_to_be_in_set", "quality_category")].observed
    assert "Sin Evaluar" in failed[("expect_column_values_to_be_in_set", "quality_category")].expected

    monkeypatch.setenv("CALLAUDIT_HOME", str(own_copy))
    runner = CliRunner()
    result = runner.invoke(app, ["validate", "--no-docs", "--table", "twilio_call_audits"])
    assert result.exit_code == 1
    for name in ("expect_column_values_to_be_unique", "expect_column_values_to_be_in_set", "Fantástica",
                 "expect_column_values_to_not_be_null", "needs_manual_review", "0 ≤ value ≤ 100"):
        assert name in result.output
    as_json = runner.invoke(app, ["validate", "--no-docs", "--json", "-t", "twilio_call_audits", "-t", "twilio_calls"])
    assert as_json.exit_code == 1
    payload = json.loads(as_json.stdout)
    assert payload["success"] is False and payload["failed"] == 4 and payload["rows"]["twilio_calls"] == 9
    missing = runner.invoke(app, ["validate", "--no-docs", "-t", "twilio_recordings"])
    assert missing.exit_code == 1 and "table missing" in missing.output
    assert runner.invoke(app, ["validate", "-t", "no_such_table"]).exit_code == 2
