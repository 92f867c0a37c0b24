"""The GX suites as data: they load, follow the scorecard, reject typos, and describe results readably."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from callaudit.errors import UserError
from callaudit.quality.suites import load_spec, load_specs, scorecard_categories
from callaudit.quality.validate import validate_frames


def test_every_gold_suite_loads_and_categories_come_from_the_scorecard():
    specs = {s.table: s for s in load_specs()}
    assert {"twilio_calls", "twilio_recordings", "twilio_transcriptions", "twilio_call_audits", "review_queue",
            "kpi_summary"} <= set(specs)
    audits = specs["twilio_call_audits"]
    in_set = next(e for e in audits.expectations if e.type == "expect_column_values_to_be_in_set")
    assert in_set.kwargs["value_set"] == scorecard_categories()
    assert in_set.kwargs["value_set"][-1] == "Sin Evaluar" and "Requiere Atención" in in_set.kwargs["value_set"]
    keys = {(e.type, e.kwargs.get("column")) for e in audits.expectations}
    for key in ("call_sid", "recording_sid"):
        assert ("expect_column_values_to_be_unique", key) in keys
        assert ("expect_column_values_to_not_be_null", key) in keys
    for flag in ("has_greeting", "has_identification", "has_help_offer", "has_farewell", "needs_manual_review"):
        assert ("expect_column_values_to_not_be_null", flag) in keys


def test_a_typo_in_a_suite_is_a_readable_error(tmp_path):
    bad = tmp_path / "x.yml"
    bad.write_text("table: x\nexpectations:\n  - type: expect_column_values_to_be_betwen\n    column: a\n")
    with pytest.raises(UserError, match="unknown expectation type 'expect_column_values_to_be_betwen'"):
        load_spec(bad)
    bad.write_text("table: x\nexpectations:\n  - type: expect_column_values_to_be_between\n    colum: a\n")
    with pytest.raises(UserError, match="invalid arguments"):
        load_spec(bad)


def test_pandas_validation_pass_and_fail_with_readable_observations():
    spec = next(s for s in load_specs() if s.table == "review_queue")
    good = pd.DataFrame({"call_sid": ["CA1", "CA2"], "priority": ["critical", "normal"], "quality_score": [10.0, None],
                         "transcript_snippet": ["agent: hola\ncustomer: mi cédula es [CEDULA]", None]})
    assert validate_frames({"review_queue": good}, [spec]).ok
    leaky = good.assign(transcript_snippet=["customer: mi cédula es 1032456789", "correo ana@example.com"],
                        priority=["critical", "urgent"])
    report = validate_frames({"review_queue": leaky}, [spec])
    failed = {f.expectation: f for f in report.failures}
    assert set(failed) == {"expect_column_values_to_not_match_regex_list", "expect_column_values_to_be_in_set"}
    assert "urgent" in failed["expect_column_values_to_be_in_set"].observed
    pii = failed["expect_column_values_to_not_match_regex_list"].observed
    assert pii.startswith("2 unexpected of 2") and "1032456789" not in pii and "example.com" not in pii
    missing = validate_frames({}, [spec])
    assert [(f.expectation, f.observed) for f in missing.failures] == [("table exists", "table missing")]


def test_help_of_each_command_teaches_with_an_example():
    from callaudit.cli import app

    runner = CliRunner()
    for command, example in (("report", "callaudit report --out"), ("validate", "callaudit validate --no-docs"),
                             ("alerts", "callaudit alerts --email")):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output and example in result.output, command
