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
    land_late_review,
    layer_counts,
    snapshot,
)

from callaudit.config import PROJECT_ROOT, Settings
from callaudit.lakehouse.connect_host import SharedSpark
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

    # nothing new, on a shared Connect server (the demo's way: callaudit/lakehouse/connect_host.py) with a read
    # through that server afterwards; gold must be the same as after the second run
    with SharedSpark(settings) as host:
        runs.append(run_pipeline(settings, progress=False, skip_if_current=False, host=host))
        shared_read = host.session().read.format("delta").load(
            str(settings.warehouse / "callaudit.db" / "twilio_call_audits")).count()
    counts.append((layer_counts(spark, settings), expected(landed)))
    snaps.append(snapshot(spark, settings, GOLD + ["silver_transcriptions"] + REVIEW_TABLES + SURVEY_TABLES))

    # table maintenance right after a completed update (the laptop's `pipeline maintain --current-only`): files
    # change, rows do not, gold stays current for `pipeline run`, and the partial run below runs on its output
    from callaudit.lakehouse import freshness
    from callaudit.lakehouse.maintenance import maintain
    from callaudit.lakehouse.runner import pipeline_configuration

    maintenance = maintain(settings, spark, current_only=True, min_files=2, say=lambda _: None)
    after_maintenance = snapshot(spark, settings, GOLD + ["silver_transcriptions"] + REVIEW_TABLES + SURVEY_TABLES)
    fresh_after_maintenance = freshness.check(settings, pipeline_configuration(settings))

    # gold is current; an analyst drops one more review CSV: `callaudit pipeline run` refreshes the review tables only
    land_late_review(settings.landing, landed)
    partial = run_pipeline(settings, progress=False, skip_if_current=True)
    after_partial = snapshot(spark, settings, GOLD + ["silver_transcriptions"] + SURVEY_TABLES)
    return {"settings": settings, "runs": runs, "counts": counts, "snaps": snaps, "landed": landed,
            "audio": audio, "shared_read": shared_read, "partial": partial, "after_partial": after_partial,
            "maintenance": maintenance, "after_maintenance": after_maintenance,
            "fresh_after_maintenance": fresh_after_maintenance}
