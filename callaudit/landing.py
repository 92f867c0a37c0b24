"""Landing analysts' CSV rows (reviews, surveys) in ``<landing>/<folder>/``: idempotently, atomically, under a lock.

Every kind of row an analyst or a tool hands in lands the same way: the rows already landed are read back (later
files win, by modification time, as in the pipeline), each new row is *landed* (new key), *unchanged* (identical to
the row already landed under its key: not landed again) or *corrected* (same key, new content: landed, the new one
wins). What is to land is written as one normalised CSV into ``_tmp`` and moved into place with ``os.replace``
under an exclusive lock on the folder, so the pipeline never reads half a file and two writers never race.
A file whose rows are all known lands nothing, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from callaudit.twilio.ingest import Landing

Row = TypeVar("Row")


@dataclass
class Landed(Generic[Row]):
    path: Path | None
    landed: list[Row] = field(default_factory=list)
    unchanged: list[Row] = field(default_factory=list)  # identical rows already landed
    corrected: list[Row] = field(default_factory=list)  # same key, new content (the new one wins)


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on a landing folder (a hidden ``.lock`` file: Spark's file source skips it)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def landed_rows(folder: Path, parse: Callable[[str], Iterable[Row]],
                key: Callable[[Row], Hashable]) -> dict[Hashable, tuple[Row, float]]:
    """Every row already landed in ``folder``, by key -> (latest row, when its file landed); later files win."""
    out: dict[Hashable, tuple[Row, float]] = {}
    if not folder.is_dir():
        return out
    files = sorted(folder.glob("*.csv"), key=lambda p: (p.stat().st_mtime, p.name))
    for path in files:
        mtime = path.stat().st_mtime
        for row in parse(path.read_text(encoding="utf-8", errors="replace")):
            out[key(row)] = (row, mtime)
    return out


def slug(text: str, default: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or default


def land_rows(rows: Iterable[Row], landing: Path, folder: str, *, parse: Callable[[str], Iterable[Row]],
              key: Callable[[Row], Hashable], render: Callable[[list[Row]], str], source: str,
              now: datetime | None = None) -> Landed[Row]:
    """Land the rows that are new or changed into ``<landing>/<folder>/``; return what happened to each.

    ``parse`` reads a landed file back (leniently), ``key`` names a row, ``render`` writes the normalised CSV."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    target_dir = Path(landing) / folder
    with locked(target_dir):
        known = landed_rows(target_dir, parse, key)
        result: Landed[Row] = Landed(path=None)
        for row in rows:
            held = known.get(key(row))
            if held is None:
                result.landed.append(row)
            elif held[0] == row:
                result.unchanged.append(row)
            else:
                result.corrected.append(row)
        to_land = result.landed + result.corrected
        if not to_land:
            return result
        body = render(to_land)
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]
        target = target_dir / f"{now.strftime('%Y%m%dT%H%M%S')}-{slug(source, folder)}-{digest}.csv"
        zone = Landing(Path(landing))
        zone.tmp.mkdir(parents=True, exist_ok=True)
        result.path = zone.write_atomic(target, body.encode("utf-8"))
        return result
