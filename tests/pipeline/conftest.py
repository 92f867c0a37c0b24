"""Pipeline tests share one scenario: three real spark-pipelines runs over a growing landing zone (see
tests/pipeline_scenario.py). The crash suite compares its gold tables with the scenario's."""

from __future__ import annotations

import pytest
from pipeline_scenario import (
    GOLD,
    REVIEW_TABLES,
    SURVEY_TABLES,
    Landed,
    expected,
    land_batch1,
    land_batch2,
    layer_counts,
    snapshot,
)

from callaudit.config import PROJECT_ROOT, Settings
from callaudit.lakehouse.runner import run_pipeline


@pytest.fixture(scope="session")
def scenario(tmp_path_factory, spark):
    base = tmp_path_factory.mktemp("pipeline")
    settings = Settings(home=base / "home", cache=PROJECT_ROOT / ".cache")
    audio = base / "audio"
    landed = Landed()
    runs, counts, snaps = [], [], []

    land_batch1(settings.landing, audio, landed)
    runs.append(run_pipeline(settings, progress=False))
    counts.append((layer_counts(spark, settings), expected(landed)))

    land_batch2(settings.landing, audio, landed)
    runs.append(run_pipeline(settings, progress=False))
    counts.append((layer_counts(spark, settings), expected(landed)))
    snaps.append(snapshot(spark, settings, GOLD + ["silver_transcriptions"] + REVIEW_TABLES + SURVEY_TABLES))

    runs.append(run_pipeline(settings, progress=False))  # nothing new
    counts.append((layer_counts(spark, settings), expected(landed)))
    snaps.append(snapshot(spark, settings, GOLD + ["silver_transcriptions"] + REVIEW_TABLES + SURVEY_TABLES))
    return {"settings": settings, "runs": runs, "counts": counts, "snaps": snaps, "landed": landed,
            "audio": audio}
