"""The one way reviews enter the lakehouse: a normalised CSV landed atomically in ``<landing>/reviews/``.

``callaudit review import`` and the review page both land here; so does an analyst dropping a CSV into the
Databricks volume. The pipeline streams the folder into ``bronze_qa_reviews`` and builds ``qa_reviews`` from it
(latest import of a call x reviewer x reviewed_at wins), so the table has one writer and every path is the same.

Landing is idempotent and atomic (:mod:`callaudit.landing`, shared with the survey import): rows identical to rows
already landed are not landed again, a file whose rows are all known lands nothing (re-importing the same file
changes nothing), and files are moved into place under a lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from callaudit.calibration.records import Review, from_landed_csv, to_csv
from callaudit.landing import Landed, land_rows, landed_rows

FOLDER = "reviews"

__all__ = ["FOLDER", "Landed", "land_reviews", "landed_reviews", "reviews_dir"]


def reviews_dir(landing: Path) -> Path:
    return Path(landing) / FOLDER


def landed_reviews(landing: Path) -> dict[tuple[str, str, str], tuple[Review, float]]:
    """Every review already landed, by key -> (latest review, when its file landed). Later files win, as in
    ``qa_reviews`` (file modification time)."""
    return landed_rows(reviews_dir(landing), from_landed_csv, lambda r: r.key)  # type: ignore[return-value]


def land_reviews(reviews: Iterable[Review], landing: Path, *, source: str,
                 now: datetime | None = None) -> Landed[Review]:
    """Land the reviews that are new or changed; return what happened to each."""
    return land_rows(reviews, landing, FOLDER, parse=from_landed_csv, key=lambda r: r.key, render=to_csv,
                     source=source, now=now)
