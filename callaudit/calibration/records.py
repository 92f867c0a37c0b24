"""The review CSV contract: what an analyst's verdict on a call looks like, and how a file of them is checked.

Header (any column order; these names)::

    call_sid,reviewer,reviewed_at,has_greeting,has_identification,has_help_offer,has_farewell,
    forbidden_words,quality_category,is_calibration,note

- booleans: ``true/false``, ``sí/si/no``, ``yes``, ``1/0`` (any case); empty or ``n/a``/``na``/``no aplica`` means
  the analyst judged the step not applicable (or did not judge it): it is left out of the agreement for that step;
- ``forbidden_words``: the expressions the analyst heard, separated by ``;`` (empty: none heard);
- ``reviewed_at``: ISO 8601 date or date-time; without a zone it is Bogotá time (UTC-5), as analysts write it;
- ``quality_category``: one of the scorecard's categories (accents and case are forgiven), or empty;
- ``is_calibration``: the review was part of a calibration session (several analysts, one call): it counts for
  analyst-vs-analyst agreement, not for the auditor's agreement KPIs. Empty means false.

A row is accepted whole or rejected whole, with a reason an analyst can act on (:class:`Rejected`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

REVIEW_FIELDS = ["call_sid", "reviewer", "reviewed_at", "has_greeting", "has_identification", "has_help_offer",
                 "has_farewell", "forbidden_words", "quality_category", "is_calibration", "note"]
STEPS = ["has_greeting", "has_identification", "has_help_offer", "has_farewell"]
REQUIRED = ["call_sid", "reviewer", "reviewed_at"]

BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")  # no DST
CALL_SID_RE = re.compile(r"^CA[0-9a-fA-F]{32}$")
TRUE = {"true", "si", "yes", "1", "verdadero", "s", "y"}
FALSE = {"false", "no", "0", "falso", "n"}
NOT_APPLICABLE = {"", "n/a", "na", "no aplica", "null", "-"}
MAX_NOTE = 2000
MAX_FILE_ROWS = 100_000


def _fold(text: str) -> str:
    """lowercase, accents removed, spaces collapsed ("Requiere  atención" == "requiere atencion")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def parse_bool(value: str | None, *, column: str) -> bool | None:
    folded = _fold(value or "")
    if folded in NOT_APPLICABLE:
        return None
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    raise ValueError(f"{column}: {value!r} is not a yes/no answer (use true/false, sí/no, or leave it empty for N/A)")


def parse_time(value: str | None, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date or date-time -> aware UTC datetime. Naive values are Bogotá time."""
    text = (value or "").strip()
    if not text:
        raise ValueError("reviewed_at is empty (write when the review was done, e.g. 2026-12-01T09:30)")
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"reviewed_at: {text!r} is not an ISO 8601 date (e.g. 2026-12-01 or "
                         "2026-12-01T09:30:00-05:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BOGOTA)
    parsed = parsed.astimezone(UTC)
    now = now or datetime.now(UTC)
    if parsed > now + timedelta(days=1):
        raise ValueError(f"reviewed_at: {text!r} is in the future")
    if parsed.year < 2000:
        raise ValueError(f"reviewed_at: {text!r} is before 2000 (a typo?)")
    return parsed


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_category(value: str | None, categories: Iterable[str]) -> str | None:
    """The scorecard's own spelling of a category, or None for empty; ValueError for an unknown one."""
    text = (value or "").strip()
    if not text:
        return None
    names = list(categories)
    by_fold = {_fold(name): name for name in names}
    found = by_fold.get(_fold(text))
    if found is None:
        raise ValueError(f"quality_category: {text!r} is not a category of the scorecard (one of: "
                         f"{', '.join(names)})")
    return found


def parse_forbidden(value: str | None) -> list[str]:
    words = [" ".join(w.strip().lower().split()) for w in (value or "").split(";")]
    return sorted({w for w in words if w and _fold(w) not in NOT_APPLICABLE - {""}})


@dataclass(frozen=True)
class Review:
    """One analyst's verdict on one call (the row of ``qa_reviews``)."""

    call_sid: str
    reviewer: str
    reviewed_at: datetime
    has_greeting: bool | None
    has_identification: bool | None
    has_help_offer: bool | None
    has_farewell: bool | None
    forbidden_words: tuple[str, ...]
    quality_category: str | None
    is_calibration: bool
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.call_sid, self.reviewer, format_time(self.reviewed_at))

    def to_csv_row(self) -> dict[str, str]:
        def b(v: bool | None) -> str:
            return "" if v is None else ("true" if v else "false")

        return {
            "call_sid": self.call_sid, "reviewer": self.reviewer, "reviewed_at": format_time(self.reviewed_at),
            **{s: b(getattr(self, s)) for s in STEPS},
            "forbidden_words": ";".join(self.forbidden_words),
            "quality_category": self.quality_category or "", "is_calibration": b(self.is_calibration),
            "note": self.note,
        }

    def to_dict(self) -> dict:
        return {**self.to_csv_row(), **{s: getattr(self, s) for s in STEPS},
                "forbidden_words": list(self.forbidden_words), "is_calibration": self.is_calibration,
                "quality_category": self.quality_category}


@dataclass(frozen=True)
class Rejected:
    line: int  # 1-based line in the file (the header is line 1)
    call_sid: str
    reason: str


@dataclass
class CheckedFile:
    reviews: list[Review] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    lines: dict[tuple[str, str, str], int] = field(default_factory=dict)  # review key -> line


class ReviewFileError(ValueError):
    """The file as a whole cannot be read as reviews (missing columns, not CSV, too big)."""


def parse_review(raw: dict[str, str | None], *, categories: Iterable[str], known_calls: set[str] | None,
                 now: datetime | None = None) -> Review:
    """One CSV row -> :class:`Review`, or ValueError naming the first problem."""
    def text(col: str) -> str:
        return (raw.get(col) or "").strip()

    sid = text("call_sid")
    if not sid:
        raise ValueError("call_sid is empty")
    if not CALL_SID_RE.match(sid):
        raise ValueError(f"call_sid: {sid!r} is not a Twilio call sid (CA + 32 hex characters)")
    if known_calls is not None and sid not in known_calls:
        raise ValueError(f"call_sid: {sid} is not an audited call (not in twilio_call_audits)")
    reviewer = " ".join(text("reviewer").split())
    if not reviewer:
        raise ValueError("reviewer is empty (who reviewed the call?)")
    if len(reviewer) > 120:
        raise ValueError("reviewer is longer than 120 characters")
    reviewed_at = parse_time(text("reviewed_at"), now=now)
    steps = {s: parse_bool(raw.get(s), column=s) for s in STEPS}
    category = canonical_category(text("quality_category"), categories)
    calibration = parse_bool(raw.get("is_calibration"), column="is_calibration")
    note = text("note")
    if len(note) > MAX_NOTE:
        raise ValueError(f"note is longer than {MAX_NOTE} characters")
    if all(v is None for v in steps.values()) and category is None and not text("forbidden_words"):
        raise ValueError("the row has no verdict (no step, no forbidden words field, no category)")
    return Review(call_sid=sid, reviewer=reviewer, reviewed_at=reviewed_at, **steps,
                  forbidden_words=tuple(parse_forbidden(raw.get("forbidden_words"))),
                  quality_category=category, is_calibration=bool(calibration), note=note)


def check_file(data: bytes | str, *, categories: Iterable[str], known_calls: set[str] | None,
               now: datetime | None = None) -> CheckedFile:
    """Every row of a review CSV, accepted or rejected with its line and reason (never half a row)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = data.decode("cp1252")  # Excel on Windows in Spanish saves CSV as Windows-1252
            except UnicodeDecodeError:
                raise ReviewFileError("the file is not text (save it as CSV UTF-8)") from None
    data = data.lstrip("\ufeff")
    first_line = data.split("\n", 1)[0]
    # Excel in a Spanish locale saves "CSV" with semicolons; the header says which separator the file uses
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.DictReader(io.StringIO(data), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REVIEW_FIELDS if c not in header]
    if not header or missing:
        raise ReviewFileError(f"the header lacks {', '.join(missing) or 'every column'}; expected: "
                              f"{','.join(REVIEW_FIELDS)}")
    reader.fieldnames = header
    cats = list(categories)
    out = CheckedFile()
    for index, raw in enumerate(reader):
        line = reader.line_num
        if index >= MAX_FILE_ROWS:
            raise ReviewFileError(f"more than {MAX_FILE_ROWS} rows: split the file")
        sid = (raw.get("call_sid") or "").strip()
        if None in raw:  # more cells than header columns
            out.rejected.append(Rejected(line, sid, f"{len(raw[None])} cell(s) more than the header has "
                                                    "(a comma inside a note needs quotes)"))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue  # blank line
        try:
            review = parse_review(raw, categories=cats, known_calls=known_calls, now=now)
        except ValueError as exc:
            out.rejected.append(Rejected(line, sid, str(exc)))
            continue
        if review.key in out.lines:
            out.rejected.append(Rejected(line, sid, f"duplicate of line {out.lines[review.key]} (same call, "
                                                    "reviewer and reviewed_at)"))
            continue
        out.lines[review.key] = line
        out.reviews.append(review)
    return out


def to_csv(reviews: Iterable[Review]) -> str:
    """The landed form — the same columns an analyst writes, in REVIEW_FIELDS order (the pipeline reads columns
    by position), UTC times, booleans true/false, rows sorted by key. Where a row came from and when it was
    imported are the file's name and modification time."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REVIEW_FIELDS, lineterminator="\n")
    writer.writeheader()
    for review in sorted(reviews, key=lambda r: r.key):
        writer.writerow(review.to_csv_row())
    return buf.getvalue()


def from_landed_csv(text: str) -> list[Review]:
    """The reviews of a landed file (ours or an analyst's drop), parsed leniently: bad rows are skipped here —
    the pipeline quarantines them with the reason."""
    out = []
    for raw in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        try:
            out.append(parse_review(raw, categories=[raw.get("quality_category") or ""], known_calls=None,
                                    now=datetime.max.replace(tzinfo=UTC) - timedelta(days=2)))
        except (ValueError, AttributeError):
            continue
    return out
