"""A criterion added to the scorecard's YAML gets its own column — in the audit, the flat row and the UDF's
schema — with no code change (the Spark side: tests/spark/test_udfs.py)."""

from __future__ import annotations

from new_criterion import call, scorecard_with_summary

from callaudit.scoring import audit_columns, audit_to_row, load_scorecard, score_transcript, spark_ddl


def test_a_criterion_in_the_yaml_is_a_column_of_the_audit_row(tmp_path):
    card = load_scorecard(scorecard_with_summary(tmp_path))
    assert list(card.criteria) == ["greeting", "identification", "help_offer", "farewell", "summary"]
    names = [n for n, _ in audit_columns(card)]
    assert names[2:7] == ["has_greeting", "has_identification", "has_help_offer", "has_farewell", "has_summary"]
    assert "has_summary BOOLEAN" in spark_ddl(card)
    assert "has_summary" not in [n for n, _ in audit_columns()]  # the shipped scorecard is untouched

    done = score_transcript(call(summarised=True), card)
    assert done.has_summary is True and done.steps["summary"] is True
    row = audit_to_row(done)
    assert list(row) == names and row["has_summary"] is True
    assert "summary" in done.evidence["criteria"] and "le confirmo" in done.criteria["summary"].reason

    missed = score_transcript(call(summarised=False), card)
    row = audit_to_row(missed)
    assert row["has_summary"] is False and "summary" in row["missed_criteria"]
    assert row["quality_score"] < audit_to_row(done)["quality_score"]
    assert missed.to_dict()["has_summary"] is False


def test_a_criterion_in_the_yaml_is_checked_by_the_data_quality_rules(tmp_path):
    """The pipeline rule and the GX suite are written once per criterion: the new one is checked too."""
    from callaudit.lakehouse import expectations as ex
    from callaudit.quality.suites import load_specs

    path = str(scorecard_with_summary(tmp_path))
    rules = {r.name: r.constraint for r in ex.load_all(scorecard_path=path)["twilio_call_audits"].rules}
    assert "(has_summary IS NOT NULL OR array_contains(undetermined_criteria, 'summary'))" in \
        rules["step_null_only_when_undetermined"]
    assert rules["step_null_only_when_undetermined"].count(" AND ") == 4
    suite = next(s for s in load_specs(scorecard_path=path) if s.table == "twilio_call_audits")
    not_null = [e.kwargs["column"] for e in suite.expectations
                if e.type == "expect_column_values_to_not_be_null" and e.kwargs["column"].startswith("has_")]
    assert not_null == ["has_greeting", "has_identification", "has_help_offer", "has_farewell", "has_summary"]
