"""The review CSV contract and landing: every kind of bad row rejected with its reason, good rows landed once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from callaudit.calibration.records import REVIEW_FIELDS, ReviewFileError, check_file, parse_bool, parse_time
from callaudit.review.landing import land_reviews, landed_reviews, reviews_dir

CATS = ["Excelente", "Buena", "Regular", "Requiere Atención"]
SID = [f"CA{i:032x}" for i in range(1, 10)]
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
HEADER = ",".join(REVIEW_FIELDS)


def _file(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = [
    f"{SID[0]},Ana Ruiz,2026-12-05T09:10,sí,sí,sí,sí,,Buena,no,bien",
    f"{SID[1]},Luis Gil,2026-12-05,no,SI,1,0,qué pereza; no sea necio ,requiere atencion,,\"nota, con coma y \"\"comillas\"\"\"",
    f"{SID[2]},Ana Ruiz,2026-12-05T11:00:00-05:00,true,n/a,,false,,,true,calibración",
]
BAD = {
    f"{SID[3]}0,Ana Ruiz,2026-12-05,sí,sí,sí,sí,,Buena,no,": "not a Twilio call sid",
    f"{SID[8]},Ana Ruiz,2026-12-05,sí,sí,sí,sí,,Buena,no,": "not an audited call",
    f"{SID[4]},Ana Ruiz,05/12/2026,sí,sí,sí,sí,,Buena,no,": "not an ISO 8601 date",
    f"{SID[5]},Ana Ruiz,2026-12-05,sí,sí,sí,sí,,Mala,no,": "not a category of the scorecard",
    f"{SID[6]},Ana Ruiz,2026-12-05,quizás,sí,sí,sí,,Buena,no,": "has_greeting: 'quizás' is not a yes/no",
    f"{SID[7]},,2026-12-05,sí,sí,sí,sí,,Buena,no,": "reviewer is empty",
    f"{SID[7]},Ana Ruiz,2027-03-01,sí,sí,sí,sí,,Buena,no,": "in the future",
    f"{SID[7]},Ana Ruiz,2026-12-05,sí,sí,sí,sí,,Buena,no,nota,sin comillas": "cell(s) more than the header",
}
KNOWN = set(SID[:8])


def test_each_bad_row_is_rejected_with_its_reason_and_good_rows_kept():
    checked = check_file(_file(*GOOD, *BAD), categories=CATS, known_calls=KNOWN, now=NOW)
    assert [r.call_sid for r in checked.reviews] == SID[:3]
    assert len(checked.rejected) == len(BAD)
    for rejected, (row, reason) in zip(checked.rejected, BAD.items(), strict=True):
        assert reason in rejected.reason, (row, rejected.reason)
        assert rejected.line == 2 + len(GOOD) + list(BAD).index(row)


def test_values_are_normalised():
    first, second, third = check_file(_file(*GOOD), categories=CATS, known_calls=None, now=NOW).reviews
    assert first.reviewed_at == datetime(2026, 12, 5, 14, 10, tzinfo=UTC)  # naive = Bogotá (UTC-5)
    assert (first.has_greeting, first.is_calibration) == (True, False)
    assert second.forbidden_words == ("no sea necio", "qué pereza")
    assert second.quality_category == "Requiere Atención"
    assert second.note == 'nota, con coma y "comillas"'
    assert (second.has_greeting, second.has_identification, second.has_help_offer, second.has_farewell) == \
        (False, True, True, False)
    assert third.has_identification is None and third.has_help_offer is None  # N/A
    assert third.is_calibration and third.quality_category is None


def test_duplicate_rows_in_a_file_are_rejected():
    checked = check_file(_file(GOOD[0], GOOD[0]), categories=CATS, known_calls=None, now=NOW)
    assert len(checked.reviews) == 1
    assert "duplicate of line 2" in checked.rejected[0].reason


def test_a_file_without_the_header_is_refused_whole():
    with pytest.raises(ReviewFileError, match="header lacks"):
        check_file("call_sid,reviewer\nCA1,x\n", categories=CATS, known_calls=None)


def test_excel_semicolon_csv_in_windows_1252_is_read():
    text = _file(GOOD[0]).replace(",", ";").replace(";;", ";\"\";").encode("cp1252")
    checked = check_file(text, categories=CATS, known_calls=None, now=NOW)
    assert [r.call_sid for r in checked.reviews] == [SID[0]]


@pytest.mark.parametrize("value, expected", [("Sí", True), ("NO", False), ("", None), ("No aplica", None),
                                             ("1", True), ("false", False)])
def test_parse_bool(value, expected):
    assert parse_bool(value, column="x") is expected


def test_parse_time_keeps_explicit_zones():
    assert parse_time("2026-12-05T10:00:00Z", now=NOW) == datetime(2026, 12, 5, 10, tzinfo=UTC)
    assert parse_time("2026-12-05T10:00:00+01:00", now=NOW) == datetime(2026, 12, 5, 9, tzinfo=UTC)


def test_landing_is_atomic_idempotent_and_records_corrections(tmp_path):
    reviews = check_file(_file(*GOOD), categories=CATS, known_calls=None, now=NOW).reviews
    first = land_reviews(reviews, tmp_path, source="semana48.csv", now=NOW)
    assert len(first.landed) == 3 and first.path.parent == reviews_dir(tmp_path)
    assert not list((tmp_path / "_tmp").glob("*")), "no temporary file left behind"
    again = land_reviews(reviews, tmp_path, source="semana48.csv", now=NOW)
    assert again.path is None and len(again.unchanged) == 3
    assert len(list(reviews_dir(tmp_path).glob("*.csv"))) == 1

    changed = check_file(_file(GOOD[0].replace(",bien", ",\"bien, corregido\"")), categories=CATS,
                         known_calls=None, now=NOW).reviews
    fix = land_reviews(changed, tmp_path, source="correccion.csv", now=NOW)
    assert len(fix.corrected) == 1 and fix.path is not None
    held = landed_reviews(tmp_path)
    assert len(held) == 3
    assert held[changed[0].key][0].note == "bien, corregido"

    # the landed file is a review CSV itself: same header, readable by the same checker
    landed = first.path.read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(landed))) == REVIEW_FIELDS
    assert len(check_file(landed, categories=CATS, known_calls=None, now=NOW).reviews) == 3
