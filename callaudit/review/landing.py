"""The one way reviews enter the lakehouse: a normalised CSV landed atomically in ``<landing>/reviews/``.

``callaudit review import`` and the review page both land here; so does an analyst dropping a CSV into the
Databricks volume. The pipeline streams the folder into ``bronze_qa_reviews`` and builds ``qa_reviews`` from it
(latest import of a call x reviewer x reviewed_at wins), so the table has one writer and every path is the same.

Landing is idempotent: rows identical to rows already landed are not landed again, and a file whose rows are
all known lands nothing (re-importing the same file changes nothing). Files are written to ``_tmp`` and moved
into place with ``os.replace`` under a lock, so the pipeline never reads half a file and two writers never race.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from callaudit.calibration.records import Review, from_landed_csv, to_csv
from callaudit.twilio.ingest import Landing

FOLDER = "reviews"


@dataclass
class Landed:
    path: Path | None
    landed: list[Review] = field(default_factory=list)
    unchanged: list[Review] = field(default_factory=list)  # identical rows already landed
    corrected: list[Review] = field(default_factory=list)  # same key, new content (the new one wins)


def reviews_dir(landing: Path) -> Path:
    return Path(landing) / FOLDER


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:  # hidden: Spark's file source skips it
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def landed_reviews(landing: Path) -> dict[tuple[str, str, str], tuple[Review, float]]:
    """Every review already landed, by key -> (latest review, when its file landed). Later files win, as in
    ``qa_reviews`` (file modification time)."""
    out: dict[tuple[str, str, str], tuple[Review, float]] = {}
    folder = reviews_dir(landing)
    if not folder.is_dir():
        return out
    files = sorted(folder.glob("*.csv"), key=lambda p: (p.stat().st_mtime, p.name))
    for path in files:
        mtime = path.stat().st_mtime
        for review in from_landed_csv(path.read_text(encoding="utf-8", errors="replace")):
            out[review.key] = (review, mtime)
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "reviews"


def land_reviews(reviews: Iterable[Review], landing: Path, *, source: str,
                 now: datetime | None = None) -> Landed:
    """Land the reviews that are new or changed; return what happened to each."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    folder = reviews_dir(landing)
    with _locked(folder):
        known = landed_reviews(landing)
        result = Landed(path=None)
        for review in reviews:
            held = known.get(review.key)
            if held is None:
                result.landed.append(review)
            elif held[0] == review:
                result.unchanged.append(review)
            else:
                result.corrected.append(review)
        to_land = result.landed + result.corrected
        if not to_land:
            return result
        body = to_csv(to_land)
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]
        target = folder / f"{now.strftime('%Y%m%dT%H%M%S')}-{_slug(source)}-{digest}.csv"
        zone = Landing(Path(landing))
        zone.tmp.mkdir(parents=True, exist_ok=True)
        result.path = zone.write_atomic(target, body.encode("utf-8"))
        return result
