"""The one way survey answers enter the lakehouse: a normalised CSV landed atomically in ``<landing>/surveys/``.

``callaudit surveys import`` lands here, exactly as reviews land (:mod:`callaudit.landing`: idempotent, atomic,
locked); an analyst dropping a CSV with the same columns, in the same order, into the folder works too. The
pipeline streams the folder into ``bronze_surveys`` and builds ``call_surveys`` from it (one row per call, the
latest answer wins).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from callaudit.landing import Landed, land_rows, landed_rows
from callaudit.satisfaction.records import Survey, from_landed_csv, to_csv

FOLDER = "surveys"


def surveys_dir(landing: Path) -> Path:
    return Path(landing) / FOLDER


def landed_surveys(landing: Path) -> dict[tuple[str, str], tuple[Survey, float]]:
    """Every answer already landed, by key -> (latest answer, when its file landed)."""
    return landed_rows(surveys_dir(landing), from_landed_csv, lambda s: s.key)  # type: ignore[return-value]


def land_surveys(surveys: Iterable[Survey], landing: Path, *, source: str,
                 now: datetime | None = None) -> Landed[Survey]:
    """Land the answers that are new or changed; return what happened to each."""
    return land_rows(surveys, landing, FOLDER, parse=from_landed_csv, key=lambda s: s.key, render=to_csv,
                     source=source, now=now)
