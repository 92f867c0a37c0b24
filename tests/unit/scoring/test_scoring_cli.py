"""`callaudit score` and `callaudit scorecard ...`, in-process through the real CLI app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from callaudit.cli import app
from callaudit.scoring.samples import synthetic_label, transcript_from_label
from callaudit.scoring.scorecard import DEFAULT_SCORECARD, V1_SCORECARD

runner = CliRunner()


@pytest.fixture()
def transcript_file(tmp_path):
    label = synthetic_label(1, "forbidden", seed=3)
    path = tmp_path / "RE1.json"
    path.write_text(transcript_from_label(label).to_json(), encoding="utf-8")
    return path, label


def test_score_prints_a_readable_audit(transcript_file):
    path, label = transcript_file
    result = runner.invoke(app, ["score", str(path), "--scorecard", str(V1_SCORECARD)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert label["call_sid"] in out
    assert "Saludo (greeting)" in out and "✓" in out
    assert label["expected"]["forbidden_words"][0] in out
    assert "Requiere revisión manual" in out and "palabra prohibida" in out
    assert "Puntaje 75.0" in out and "Buena" in out  # v1: a forbidden word costs its points, no more


def test_score_prints_the_critical_error_and_requiere_atencion(transcript_file):
    """With the QA-form scorecard (the default) a forbidden word is a critical error: which one, and where."""
    path, label = transcript_file
    result = runner.invoke(app, ["score", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    word = label["expected"]["forbidden_words"][0]
    assert f"ERROR CRÍTICO: palabra prohibida «{word}» (agente," in out
    assert "Puntaje 75.0 → Requiere Atención" in out and "error crítico" in out
    assert "callaudit-v2.0" in out and "sha256" in out


def test_score_json(transcript_file):
    path, label = transcript_file
    result = runner.invoke(app, ["score", str(path), "--json"])
    assert result.exit_code == 0, result.output
    audit = json.loads(result.output)
    assert audit["forbidden_words"] == label["expected"]["forbidden_words"]
    assert audit["quality_score"] == 75.0 and audit["review_codes"] == ["forbidden_word"]
    assert audit["quality_category"] == "Requiere Atención"
    assert audit["critical_errors"][0]["code"] == "forbidden_word" and audit["critical_errors"][0]["start"] > 0
    assert audit["evidence"]["criteria"]["greeting"]["match"]["speaker"] == "agent"
    assert len(audit["scorecard_checksum"]) == 64


def test_score_reads_stdin(transcript_file):
    path, _ = transcript_file
    result = runner.invoke(app, ["score", "-", "--json"], input=path.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and json.loads(result.output)["scorecard_version"] == "callaudit-v2.0"


def test_score_errors_are_readable(tmp_path):
    result = runner.invoke(app, ["score", str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "transcript not found" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    result = runner.invoke(app, ["score", str(bad)])
    assert result.exit_code == 1 and "is not a transcript JSON" in result.output
    assert "Traceback" not in result.output


def test_score_with_a_broken_scorecard_names_file_and_line(transcript_file, tmp_path):
    path, _ = transcript_file
    card = tmp_path / "card.yml"
    card.write_text(DEFAULT_SCORECARD.read_text(encoding="utf-8").replace("version: callaudit-v2.0",
                                                                          "versoin: callaudit-v2.0"))
    result = runner.invoke(app, ["score", str(path), "--scorecard", str(card)])
    assert result.exit_code == 1
    assert f"{card}:" in result.output and "unknown key 'versoin' — did you mean 'version'?" in result.output


def test_score_help_teaches_with_an_example():
    result = runner.invoke(app, ["score", "--help"])
    assert result.exit_code == 0 and "callaudit score RE0123.json" in result.output


def test_scorecard_check(tmp_path):
    result = runner.invoke(app, ["scorecard", "check", str(DEFAULT_SCORECARD)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "callaudit-v2.0 is valid" in result.output and "forbidden_words" in result.output
    assert "Errores críticos" in result.output and "missed_steps ≥ 3" in result.output
    bad = tmp_path / "bad.yml"
    bad.write_text(DEFAULT_SCORECARD.read_text(encoding="utf-8").replace("weight: 25", "weight: 35"))
    result = runner.invoke(app, ["scorecard", "check", str(bad)])
    assert result.exit_code == 1 and "weights must sum to 100, they sum to 110" in result.output


def test_scorecard_hotwords():
    result = runner.invoke(app, ["scorecard", "hotwords", "--speaker", "agent", "--json"])
    words = json.loads(result.output)
    assert "buenos días" in words and "qué pereza" in words and "mi nombre es {name}" not in words
    assert len(", ".join(words)) <= 300
    every = json.loads(runner.invoke(app, ["scorecard", "hotwords", "--max-chars", "0", "--json"]).output)
    assert len(every) > len(words) and "superintendencia" in every
    assert runner.invoke(app, ["scorecard", "hotwords", "--speaker", "robot"]).exit_code == 1


def test_samples_then_evaluate(tmp_path):
    result = runner.invoke(app, ["scorecard", "samples", "--out", str(tmp_path), "--calls", "12", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "labels").glob("CA*.json"))) == 12
    report_file = tmp_path / "report.json"
    result = runner.invoke(app, ["scorecard", "evaluate", "--labels", str(tmp_path / "labels"),
                                 "--transcripts", str(tmp_path / "transcripts"), "--out", str(report_file)],
                           env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Evaluación" in result.output and "greeting" in result.output and "Categoría" in result.output
    report = json.loads(report_file.read_text())
    assert report["calls"] == 12 and report["criteria"]["help_offer"]["met"]["recall"] == 1.0
    result = runner.invoke(app, ["scorecard", "evaluate", "--labels", str(tmp_path / "labels"),
                                 "--transcripts", str(tmp_path / "transcripts"), "--json"])
    assert json.loads(result.output)["calls"] == 12


def test_evaluate_without_matching_transcripts_fails(tmp_path):
    runner.invoke(app, ["scorecard", "samples", "--out", str(tmp_path), "--calls", "2"])
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["scorecard", "evaluate", "--labels", str(tmp_path / "labels"),
                                 "--transcripts", str(empty)])
    assert result.exit_code == 1 and "no labelled call had a transcript" in result.output
