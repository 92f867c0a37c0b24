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

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from callaudit.analyst_csv import (
    BOGOTA,  # noqa: F401  (re-exported: the review contract's time zone)
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

REVIEW_FIELDS = ["call_sid", "reviewer", "reviewed_at", "has_greeting", "has_identification", "has_help_offer",
                 "has_farewell", "forbidden_words", "quality_category", "is_calibration", "note"]
STEPS = ["has_greeting", "has_identification", "has_help_offer", "has_farewell"]
REQUIRED = ["call_sid", "reviewer", "reviewed_at"]

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


TIME_WORDS = TimeWords(
    empty="reviewed_at is empty (write when the review was done, e.g. 2026-12-01T09:30)",
    not_iso="reviewed_at: {text} is not an ISO 8601 date (e.g. 2026-12-01 or 2026-12-01T09:30:00-05:00)",
    future="reviewed_at: {text} is in the future",
    too_old="reviewed_at: {text} is before 2000 (a typo?)",
)
FILE_WORDS = FileWords(
    not_text="the file is not text (save it as CSV UTF-8)",
    missing_header="the header lacks {missing}; expected: {expected}",
    every_column="every column",
    too_many_rows="more than {limit} rows: split the file",
    extra_cells="{count} cell(s) more than the header has (a comma inside a note needs quotes)",
    duplicate="duplicate of line {line} (same call, reviewer and reviewed_at)",
)


def parse_time(value: str | None, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date or date-time -> aware UTC datetime. Naive values are Bogotá time."""
    return parse_local_time(value, TIME_WORDS, now=now)


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
    cats = list(categories)
    reviews, rejected, lines = check_rows(
        data, REVIEW_FIELDS, lambda raw: parse_review(raw, categories=cats, known_calls=known_calls, now=now),
        lambda review: review.key, words=FILE_WORDS, error=ReviewFileError, max_rows=MAX_FILE_ROWS)
    return CheckedFile(reviews=reviews, rejected=rejected, lines=lines)


def to_csv(reviews: Iterable[Review]) -> str:
    """The landed form — the same columns an analyst writes, in REVIEW_FIELDS order (the pipeline reads columns
    by position), UTC times, booleans true/false, rows sorted by key. Where a row came from and when it was
    imported are the file's name and modification time."""
    return write_rows(reviews, REVIEW_FIELDS, lambda r: r.key, lambda r: r.to_csv_row())


def from_landed_csv(text: str) -> list[Review]:
    """The reviews of a landed file (ours or an analyst's drop), parsed leniently: bad rows are skipped here —
    the pipeline quarantines them with the reason."""
    return read_landed(text, lambda raw: parse_review(raw, categories=[raw.get("quality_category") or ""],
                                                      known_calls=None, now=LANDED_NOW))
