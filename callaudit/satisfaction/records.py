"""The survey CSV contract: one post-call survey answer per row, and how a file of them is checked.

Header (any column order when imported; these names)::

    call_sid,survey_type,score,answered_at

- ``call_sid``: the surveyed call, a Twilio call sid (``CA`` + 32 hex characters);
- ``survey_type``: ``nps`` (0–10, "how likely are you to recommend us") or ``csat`` (1–5, "how satisfied are you");
- ``score``: a whole number in the survey's range;
- ``answered_at``: ISO 8601 date or date-time; without a zone it is Bogotá time (UTC-5), as analysts write it.

A row is accepted whole or rejected whole, with its line and a reason in Spanish (the analysts read it). The landed
form (:func:`to_csv`) has the columns in :data:`SURVEY_FIELDS` order (the pipeline reads them by position), UTC
times and lower-case survey types. The key of an answer is (call, answered_at): the same key with another score is
a correction; in ``call_surveys`` the latest answer of a call wins.

Scores are put on one 0–10 scale for the model (:func:`to_common_scale`): NPS as it is, CSAT mapped linearly
(1 -> 0, 3 -> 5, 5 -> 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from callaudit.analyst_csv import (
    BOGOTA,  # noqa: F401  (re-exported: the survey contract's time zone)
    CALL_SID_RE,
    LANDED_NOW,
    FileWords,
    Rejected,
    TimeWords,
    check_rows,
    format_time,
    parse_local_time,
    read_landed,
    write_rows,
)

SURVEY_FIELDS = ["call_sid", "survey_type", "score", "answered_at"]
SCALES = {"nps": (0, 10), "csat": (1, 5)}
SCORE_RE = re.compile(r"^[0-9]+(\.0*)?$")
MAX_FILE_ROWS = 200_000


def to_common_scale(survey_type: str, score: float) -> float:
    """A survey score on the common 0–10 scale: NPS unchanged, CSAT 1–5 mapped linearly onto 0–10."""
    low, high = SCALES[survey_type]
    return (float(score) - low) * 10.0 / (high - low)


@dataclass(frozen=True)
class Survey:
    """One answer to a post-call survey (a row of ``call_surveys`` before "latest answer wins")."""

    call_sid: str
    survey_type: str
    score: int
    answered_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        return (self.call_sid, format_time(self.answered_at))

    @property
    def score_0_10(self) -> float:
        return to_common_scale(self.survey_type, self.score)

    def to_csv_row(self) -> dict[str, str]:
        return {"call_sid": self.call_sid, "survey_type": self.survey_type, "score": str(self.score),
                "answered_at": format_time(self.answered_at)}


@dataclass
class CheckedFile:
    surveys: list[Survey] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # survey key -> line


class SurveyFileError(ValueError):
    """The file as a whole cannot be read as surveys (missing columns, not text, too big)."""


TIME_WORDS = TimeWords(
    empty="answered_at está vacío (escriba cuándo se respondió la encuesta, p. ej. 2026-12-01T09:30)",
    not_iso="answered_at: {text} no es una fecha ISO 8601 (p. ej. 2026-12-01 o 2026-12-01T09:30:00-05:00)",
    future="answered_at: {text} está en el futuro",
    too_old="answered_at: {text} es anterior al año 2000 (¿un error de digitación?)",
)
FILE_WORDS = FileWords(
    not_text="el archivo no es texto (guárdelo como CSV UTF-8)",
    missing_header="al encabezado le falta {missing}; se espera: {expected}",
    every_column="toda columna",
    too_many_rows="más de {limit} filas: divida el archivo",
    extra_cells="{count} celda(s) más de las que tiene el encabezado",
    duplicate="duplicado de la línea {line} (misma llamada y misma answered_at)",
)


def parse_answered_at(value: str | None, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date or date-time -> aware UTC datetime. Naive values are Bogotá time."""
    return parse_local_time(value, TIME_WORDS, now=now)


def parse_survey(raw: dict[str, str | None], *, now: datetime | None = None) -> Survey:
    """One CSV row -> :class:`Survey`, or ValueError naming the first problem (in Spanish)."""
    def text(col: str) -> str:
        return (raw.get(col) or "").strip()

    sid = text("call_sid")
    if not sid:
        raise ValueError("call_sid está vacío")
    if not CALL_SID_RE.match(sid):
        raise ValueError(f"call_sid: {sid!r} no es un identificador de llamada de Twilio (CA + 32 caracteres "
                         "hexadecimales)")
    kind = text("survey_type").lower()
    if kind not in SCALES:
        raise ValueError(f"survey_type: {text('survey_type')!r} no es un tipo de encuesta conocido "
                         "(use nps o csat)")
    low, high = SCALES[kind]
    raw_score = text("score")
    if not SCORE_RE.match(raw_score):
        raise ValueError(f"score: {raw_score!r} no es un número entero (una encuesta {kind.upper()} va de "
                         f"{low} a {high})")
    score = int(float(raw_score))
    if not low <= score <= high:
        raise ValueError(f"score: {score} está fuera del rango de una encuesta {kind.upper()} ({low} a {high})")
    return Survey(call_sid=sid, survey_type=kind, score=score, answered_at=parse_answered_at(text("answered_at"),
                                                                                             now=now))


def check_file(data: bytes | str, *, now: datetime | None = None) -> CheckedFile:
    """Every row of a survey CSV, accepted or rejected with its line and reason (never half a row)."""
    surveys, rejected, lines = check_rows(data, SURVEY_FIELDS, lambda raw: parse_survey(raw, now=now),
                                          lambda survey: survey.key, words=FILE_WORDS, error=SurveyFileError,
                                          max_rows=MAX_FILE_ROWS)
    return CheckedFile(surveys=surveys, rejected=rejected, lines=lines)


def to_csv(surveys: Iterable[Survey]) -> str:
    """The landed form: SURVEY_FIELDS in order, UTC times, rows sorted by key."""
    return write_rows(surveys, SURVEY_FIELDS, lambda s: s.key, lambda s: s.to_csv_row())


def from_landed_csv(text: str) -> list[Survey]:
    """The surveys of a landed file (ours or an analyst's drop), parsed leniently: bad rows are skipped here —
    the pipeline quarantines them with the reason."""
    return read_landed(text, lambda raw: parse_survey(raw, now=LANDED_NOW))
