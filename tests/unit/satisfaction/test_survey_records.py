"""The survey CSV: every row checked with its line and a reason in Spanish, landed idempotently and atomically
exactly like reviews, and `callaudit surveys import` end to end (no Spark: landing needs none)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from callaudit.satisfaction.landing import land_surveys, landed_surveys, surveys_dir
from callaudit.satisfaction.records import (
    SURVEY_FIELDS,
    SurveyFileError,
    check_file,
    from_landed_csv,
    to_common_scale,
    to_csv,
)

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
A, B, C = (f"CA{n:032x}" for n in (1, 2, 3))
HEADER = "call_sid,survey_type,score,answered_at"
GOOD = [f"{A},nps,9,2026-12-01 09:00", f"{B},CSAT,4,2026-12-01T10:00:00Z", f"{C},nps,0,2026-12-02"]


def _file(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_good_rows_are_typed_on_their_scale_and_on_0_10():
    checked = check_file(_file(*GOOD), now=NOW)
    assert checked.rejected == []
    a, b, c = checked.surveys
    assert (a.survey_type, a.score, a.score_0_10) == ("nps", 9, 9.0)
    assert (b.survey_type, b.score, b.score_0_10) == ("csat", 4, 7.5)
    assert a.answered_at == datetime(2026, 12, 1, 14, tzinfo=UTC)  # naive = Bogotá time (UTC-5)
    assert c.answered_at == datetime(2026, 12, 2, 5, tzinfo=UTC)
    assert [to_common_scale("csat", s) for s in (1, 3, 5)] == [0.0, 5.0, 10.0]


@pytest.mark.parametrize("row, reason", [
    ("CA123,nps,5,2026-12-01", "no es un identificador de llamada"),
    (f"{A},ces,3,2026-12-01", "no es un tipo de encuesta conocido"),
    (f"{A},nps,11,2026-12-01", "fuera del rango de una encuesta NPS (0 a 10)"),
    (f"{A},csat,0,2026-12-01", "fuera del rango de una encuesta CSAT (1 a 5)"),
    (f"{A},nps,7.5,2026-12-01", "no es un número entero"),
    (f"{A},nps,,2026-12-01", "no es un número entero"),
    (f"{A},nps,8,ayer", "no es una fecha ISO 8601"),
    (f"{A},nps,8,2027-03-01", "está en el futuro"),
    (f"{A},nps,8,", "answered_at está vacío"),
    (",nps,8,2026-12-01", "call_sid está vacío"),
    (f"{A},nps,8,2026-12-01,extra", "celda(s) más"),
])
def test_a_bad_row_is_rejected_with_its_line_and_reason(row, reason):
    checked = check_file(_file(GOOD[0], row), now=NOW)
    assert len(checked.surveys) == 1
    [rejected] = checked.rejected
    assert rejected.line == 3 and reason in rejected.reason


def test_duplicates_semicolons_and_bad_headers():
    dup = check_file(_file(GOOD[0], GOOD[0]), now=NOW)
    assert len(dup.surveys) == 1 and "duplicado de la línea 2" in dup.rejected[0].reason
    excel = check_file(_file(*(r.replace(",", ";") for r in GOOD), header=HEADER.replace(",", ";")).encode("cp1252"),
                       now=NOW)
    assert len(excel.surveys) == 3
    with pytest.raises(SurveyFileError, match="falta score"):
        check_file("call_sid,survey_type,answered_at\n", now=NOW)


def test_landing_is_atomic_idempotent_and_records_corrections(tmp_path):
    surveys = check_file(_file(*GOOD), now=NOW).surveys
    first = land_surveys(surveys, tmp_path, source="encuestas.csv", now=NOW)
    assert len(first.landed) == 3 and first.path.parent == surveys_dir(tmp_path)
    assert not list((tmp_path / "_tmp").glob("*")), "no temporary file left behind"
    again = land_surveys(surveys, tmp_path, source="encuestas.csv", now=NOW)
    assert again.path is None and len(again.unchanged) == 3
    assert len(list(surveys_dir(tmp_path).glob("*.csv"))) == 1
    fix = land_surveys(check_file(_file(GOOD[0].replace(",9,", ",6,")), now=NOW).surveys, tmp_path,
                       source="correccion.csv", now=NOW)
    assert len(fix.corrected) == 1 and fix.path is not None
    held = landed_surveys(tmp_path)
    assert len(held) == 3 and held[surveys[0].key][0].score == 6
    landed = first.path.read_text(encoding="utf-8")  # the landed file is a survey CSV: columns in contract order
    assert next(csv.reader(io.StringIO(landed))) == SURVEY_FIELDS
    assert from_landed_csv(landed) == sorted(surveys, key=lambda s: s.key) == check_file(landed, now=NOW).surveys
    assert to_csv(surveys) == landed


def test_surveys_import_command_lands_good_rows_and_names_bad_lines(tmp_path, monkeypatch):
    from callaudit.cli import app

    monkeypatch.setenv("CALLAUDIT_HOME", str(tmp_path / "home"))
    src = tmp_path / "encuestas.csv"
    src.write_text(_file(*GOOD, f"{A},nps,12,2026-12-01"), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["surveys", "import", str(src)])
    assert result.exit_code == 1, result.output  # one row rejected: the others land, the exit code says so
    assert "línea 5 rechazada" in result.output and "fuera del rango" in result.output
    assert "3 encuesta(s) cargadas" in result.output
    landed = list((tmp_path / "home" / "landing" / "surveys").glob("*.csv"))
    assert len(landed) == 1 and len(from_landed_csv(landed[0].read_text(encoding="utf-8"))) == 3
    again = runner.invoke(app, ["surveys", "import", str(src)])
    assert "0 encuesta(s) cargadas" in again.output and "3 ya importadas" in again.output
    assert len(list((tmp_path / "home" / "landing" / "surveys").glob("*.csv"))) == 1
    strict = runner.invoke(app, ["surveys", "import", "--strict", str(src)])
    assert strict.exit_code == 1 and "no se cargó nada" in strict.output
