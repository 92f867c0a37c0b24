"""The lineage read from pipelines/ (callaudit/lakehouse/catalog.py): what each dataset reads, and what a new
landing file can change."""

from __future__ import annotations

import re

import pytest

from callaudit.config import PROJECT_ROOT
from callaudit.contracts import LANDING_DIRS
from callaudit.lakehouse.catalog import PATH_READERS, datasets, downstream, read_dataset


def test_every_pipeline_file_is_one_dataset_and_every_read_is_a_dataset():
    found = datasets()
    names = {d.name for d in found}
    files = sorted(p for p in (PROJECT_ROOT / "pipelines").rglob("*.py"))
    assert len(found) == len(files)
    for ds in found:
        assert set(ds.reads) <= names, (ds.name, set(ds.reads) - names)
        assert ds.path.stem == ds.name  # one file per dataset, named after it


def test_every_landing_folder_feeds_a_dataset_and_every_bronze_reads_one():
    found = datasets()
    fed = {d for ds in found for d in ds.landing}
    assert fed == set(LANDING_DIRS), fed ^ set(LANDING_DIRS)  # a folder nobody reads would never refresh anything
    for ds in found:
        if ds.layer == "bronze":
            assert ds.landing and not ds.reads, ds.name


def test_a_dataset_reading_landing_paths_without_a_folder_is_declared():
    """A new dataset that opens landing files by paths from its rows must say which folder they are in."""
    for ds in datasets():
        text = ds.path.read_text()
        if "landing_path" in text and not re.search(r"landing_path['\"]\s*\)\s*\}/\w+", text):
            assert ds.name in PATH_READERS, ds.name


def test_downstream_follows_reads_transitively():
    found = datasets()
    reviews = downstream(found, {"reviews"})
    assert reviews == {"bronze_qa_reviews", "qa_reviews", "quarantine_qa_reviews", "calibration_agreement",
                       "calibration_disagreements"}
    media = downstream(found, {"media_manifest"})
    assert {"bronze_media", "silver_transcriptions", "silver_call_audits", "twilio_call_audits", "call_topics",
            "call_satisfaction", "review_queue"} <= media
    assert "silver_calls" not in media and "call_surveys" not in media
    assert downstream(found, set()) == set()
    assert downstream(found, set(LANDING_DIRS)) == {d.name for d in found}


def test_a_file_declaring_two_datasets_is_refused(tmp_path):
    (tmp_path / "gold").mkdir()
    path = tmp_path / "gold" / "x.py"
    path.write_text('@datasets.table("a", comment="")\ndef a(): ...\n'
                    '@datasets.materialized_view("b", comment="")\ndef b(): ...\n')
    with pytest.raises(ValueError, match="one dataset"):
        read_dataset(path)


def test_reads_and_quarantine_names_are_found(tmp_path):
    (tmp_path / "gold").mkdir()
    (tmp_path / "bronze").mkdir()
    (tmp_path / "gold" / "quarantine_y.py").write_text(
        '@datasets.quarantine("y")\ndef q():\n    return f(spark.read.table("a"), spark.readStream.table("b"))\n')
    (tmp_path / "bronze" / "a.py").write_text(
        "@datasets.table(\"a\", comment='')\ndef a():\n"
        "    return spark.readStream.json(f\"{conf(spark, 'callaudit.landing_path')}/calls\")\n")
    graph = {d.name: d for d in datasets(tmp_path)}
    assert set(graph["quarantine_y"].reads) == {"a", "b"} and graph["quarantine_y"].kind == "quarantine"
    assert graph["a"].landing == ("calls",) and graph["a"].reads == []
