"""The CSV files analysts and their tools hand in (QA reviews, post-call surveys): how one is read and checked.

One mechanism, each contract with its own columns, row parser and wording (reviews answer in English, surveys in
Spanish): bytes decoded as UTF-8 or Windows-1252 (Excel on Windows in Spanish), the separator taken from the header
(Excel in a Spanish locale writes semicolons), every row accepted or rejected whole with its line and reason, a
repeated key rejected as a duplicate of its first line, and times without a zone read as Bogotá time.
Dependency-free: the review page, the CLI and the landing all use it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeVar

BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")  # no DST
CALL_SID_RE = re.compile(r"^CA[0-9a-fA-F]{32}$")

Row = TypeVar("Row")


@dataclass(frozen=True)
class Rejected:
    line: int  # 1-based line in the file (the header is line 1)
    call_sid: str
    reason: str


@dataclass(frozen=True)
class TimeWords:
    """What a contract says when its time column is wrong (``{text}``: the value as written)."""

    empty: str
    not_iso: str
    future: str
    too_old: str


@dataclass(frozen=True)
class FileWords:
    """What a contract says about a file and its rows."""

    not_text: str
    missing_header: str  # {missing}, {expected}
    every_column: str  # {missing} when the header is empty
    too_many_rows: str  # {limit}
    extra_cells: str  # {count}
    duplicate: str  # {line}: the first line with the same key


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_local_time(value: str | None, words: TimeWords, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date or date-time -> aware UTC datetime. Naive values are Bogotá time."""
    text = (value or "").strip()
    if not text:
        raise ValueError(words.empty)
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(words.not_iso.format(text=repr(text))) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BOGOTA)
    parsed = parsed.astimezone(UTC)
    now = now or datetime.now(UTC)
    if parsed > now + timedelta(days=1):
        raise ValueError(words.future.format(text=repr(text)))
    if parsed.year < 2000:
        raise ValueError(words.too_old.format(text=repr(text)))
    return parsed


def check_rows(data: bytes | str, fields: list[str], parse: Callable[[dict], Row], key: Callable[[Row], Hashable],
               *, words: FileWords, error: type[Exception], max_rows: int
               ) -> tuple[list[Row], list[Rejected], dict[Hashable, int]]:
    """Every row of a file: (accepted rows, rejected rows with line and reason, key -> line). ``error`` is raised
    when the file as a whole cannot be read (not text, header without the ``fields``, too many rows)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = data.decode("cp1252")  # Excel on Windows in Spanish saves CSV as Windows-1252
            except UnicodeDecodeError:
                raise error(words.not_text) from None
    data = data.lstrip("\ufeff")
    first_line = data.split("\n", 1)[0]
    # Excel in a Spanish locale saves "CSV" with semicolons; the header says which separator the file uses
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.DictReader(io.StringIO(data), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in fields if c not in header]
    if not header or missing:
        raise error(words.missing_header.format(missing=", ".join(missing) or words.every_column,
                                                expected=",".join(fields)))
    reader.fieldnames = header
    accepted: list[Row] = []
    rejected: list[Rejected] = []
    lines: dict[Hashable, int] = {}
    for index, raw in enumerate(reader):
        line = reader.line_num
        if index >= max_rows:
            raise error(words.too_many_rows.format(limit=max_rows))
        sid = (raw.get("call_sid") or "").strip()
        if None in raw:  # more cells than header columns
            rejected.append(Rejected(line, sid, words.extra_cells.format(count=len(raw[None]))))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue  # blank line
        try:
            row = parse(raw)
        except ValueError as exc:
            rejected.append(Rejected(line, sid, str(exc)))
            continue
        if key(row) in lines:
            rejected.append(Rejected(line, sid, words.duplicate.format(line=lines[key(row)])))
            continue
        lines[key(row)] = line
        accepted.append(row)
    return accepted, rejected, lines


def write_rows(rows: Iterable[Row], fields: list[str], key: Callable[[Row], Hashable],
               as_dict: Callable[[Row], dict[str, str]]) -> str:
    """The landed form: ``fields`` in order (the pipeline reads columns by position), rows sorted by key."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=key):
        writer.writerow(as_dict(row))
    return buf.getvalue()


def read_landed(text: str, parse: Callable[[dict], Row]) -> list[Row]:
    """The rows of a landed file (ours or an analyst's drop), parsed leniently: bad rows are skipped here — the
    pipeline quarantines them with the reason."""
    out = []
    for raw in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        try:
            out.append(parse(raw))
        except (ValueError, AttributeError):
            continue
    return out


# landed rows are re-read long after they were checked: "in the future" must not reject them then
LANDED_NOW = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
