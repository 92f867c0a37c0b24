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

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

SURVEY_FIELDS = ["call_sid", "survey_type", "score", "answered_at"]
SCALES = {"nps": (0, 10), "csat": (1, 5)}
BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")  # no DST
CALL_SID_RE = re.compile(r"^CA[0-9a-fA-F]{32}$")
SCORE_RE = re.compile(r"^[0-9]+(\.0*)?$")
MAX_FILE_ROWS = 200_000


def to_common_scale(survey_type: str, score: float) -> float:
    """A survey score on the common 0–10 scale: NPS unchanged, CSAT 1–5 mapped linearly onto 0–10."""
    low, high = SCALES[survey_type]
    return (float(score) - low) * 10.0 / (high - low)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


@dataclass(frozen=True)
class Rejected:
    line: int  # 1-based line in the file (the header is line 1)
    call_sid: str
    reason: str


@dataclass
class CheckedFile:
    surveys: list[Survey] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # survey key -> line


class SurveyFileError(ValueError):
    """The file as a whole cannot be read as surveys (missing columns, not text, too big)."""


def parse_answered_at(value: str | None, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date or date-time -> aware UTC datetime. Naive values are Bogotá time."""
    text = (value or "").strip()
    if not text:
        raise ValueError("answered_at está vacío (escriba cuándo se respondió la encuesta, p. ej. 2026-12-01T09:30)")
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"answered_at: {text!r} no es una fecha ISO 8601 (p. ej. 2026-12-01 o "
                         "2026-12-01T09:30:00-05:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BOGOTA)
    parsed = parsed.astimezone(UTC)
    now = now or datetime.now(UTC)
    if parsed > now + timedelta(days=1):
        raise ValueError(f"answered_at: {text!r} está en el futuro")
    if parsed.year < 2000:
        raise ValueError(f"answered_at: {text!r} es anterior al año 2000 (¿un error de digitación?)")
    return parsed


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


def _decode(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = data.decode("cp1252")  # Excel on Windows in Spanish saves CSV as Windows-1252
            except UnicodeDecodeError:
                raise SurveyFileError("el archivo no es texto (guárdelo como CSV UTF-8)") from None
    return data.lstrip("\ufeff")


def check_file(data: bytes | str, *, now: datetime | None = None) -> CheckedFile:
    """Every row of a survey CSV, accepted or rejected with its line and reason (never half a row)."""
    data = _decode(data)
    first_line = data.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)  # Excel in a Spanish locale saves "CSV" with semicolons
    reader = csv.DictReader(io.StringIO(data), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in SURVEY_FIELDS if c not in header]
    if not header or missing:
        raise SurveyFileError(f"al encabezado le falta {', '.join(missing) or 'toda columna'}; se espera: "
                              f"{','.join(SURVEY_FIELDS)}")
    reader.fieldnames = header
    out = CheckedFile()
    for index, raw in enumerate(reader):
        line = reader.line_num
        if index >= MAX_FILE_ROWS:
            raise SurveyFileError(f"más de {MAX_FILE_ROWS} filas: divida el archivo")
        sid = (raw.get("call_sid") or "").strip()
        if None in raw:
            out.rejected.append(Rejected(line, sid, f"{len(raw[None])} celda(s) más de las que tiene el encabezado"))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue  # blank line
        try:
            survey = parse_survey(raw, now=now)
        except ValueError as exc:
            out.rejected.append(Rejected(line, sid, str(exc)))
            continue
        if survey.key in out.lines:
            out.rejected.append(Rejected(line, sid, f"duplicado de la línea {out.lines[survey.key]} (misma llamada "
                                                    "y misma answered_at)"))
            continue
        out.lines[survey.key] = line
        out.surveys.append(survey)
    return out


def to_csv(surveys: Iterable[Survey]) -> str:
    """The landed form: SURVEY_FIELDS in order, UTC times, rows sorted by key."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SURVEY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for survey in sorted(surveys, key=lambda s: s.key):
        writer.writerow(survey.to_csv_row())
    return buf.getvalue()


def from_landed_csv(text: str) -> list[Survey]:
    """The surveys of a landed file (ours or an analyst's drop), parsed leniently: bad rows are skipped here —
    the pipeline quarantines them with the reason."""
    out = []
    for raw in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        try:
            out.append(parse_survey(raw, now=datetime.max.replace(tzinfo=UTC) - timedelta(days=2)))
        except (ValueError, AttributeError):
            continue
    return out
