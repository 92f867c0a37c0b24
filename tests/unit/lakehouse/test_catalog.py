"""The datasets as the folder tree declares them, and docs/TABLES.md generated from them (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callaudit.lakehouse import catalog


def test_the_committed_table_reference_is_the_generated_one():
    assert catalog.TABLES_MD.read_text(encoding="utf-8") == catalog.render_tables_md(), (
        "docs/TABLES.md is stale: run `callaudit pipeline docs`")


def test_every_dataset_sits_in_its_layer_folder_and_is_described():
    found = catalog.datasets()
    names = [d.name for d in found]
    assert len(names) == len(set(names)) == len(list(catalog.PIPELINES_DIR.rglob("*.py")))
    for ds in found:
        assert ds.summary, f"{ds.path}: the docstring's first paragraph says what one row is"
        prefix = {"bronze": ("bronze_", "agent_directory"), "silver": ("silver_", "quarantine_silver_")}.get(ds.layer)
        if prefix:
            assert ds.name.startswith(prefix), f"{ds.name} is in pipelines/{ds.layer}/"
        if ds.layer in ("gold", "marts") and ds.kind != "quarantine":
            assert ds.columns, f"{ds.path}: a gold table or mart documents its COLUMNS"


def test_lower_layers_never_read_upward():
    rank = {layer: i for i, layer in enumerate(catalog.LAYERS)}
    found = catalog.datasets()
    layer_of = {d.name: d.layer for d in found}
    upward = {d.name: r for d in found for r in d.reads if rank[layer_of[r]] > rank[d.layer]}
    assert upward == {}


def _write(tmp: Path, layer: str, name: str, body: str) -> Path:
    (tmp / layer).mkdir(parents=True, exist_ok=True)
    path = tmp / layer / f"{name}.py"
    path.write_text(body, encoding="utf-8")
    return path


NEW_MART = '''"""one row per agent: calls with an escalation.

Read by the supervisors' morning meeting."""

from callaudit.lakehouse.platform import datasets

COLUMNS = [
    ("agent", "string", "the agent"),
    ("escalations, calls", "bigint", "calls with an escalation / all calls"),
    ("**has_<criterion>_rate**", "double", "one per criterion"),
]


@datasets.materialized_view("escalations_by_agent", comment="Escalations per agent.")
def escalations_by_agent():
    return spark.read.table("twilio_call_audits").groupBy("agent").count()
'''


def test_a_new_table_is_one_file_and_lands_in_the_reference(tmp_path):
    _write(tmp_path, "marts", "escalations_by_agent", NEW_MART)
    _write(tmp_path, "gold", "twilio_call_audits", '"""one audit per recording."""\n'
           '@datasets.materialized_view("twilio_call_audits")\ndef f():\n    return spark.read.table("x")\n')
    found = catalog.datasets(tmp_path)
    mart = next(d for d in found if d.name == "escalations_by_agent")
    assert (mart.layer, mart.kind, mart.reads) == ("marts", "materialized view", ["twilio_call_audits"])
    text = catalog.render_tables_md(found)
    assert "### `escalations_by_agent` — one row per agent: calls with an escalation." in text
    assert "Read by the supervisors' morning meeting." in text
    assert "| **has_<criterion>_rate** | double | one per criterion |" in text


def test_column_check_finds_undocumented_missing_and_mistyped_columns(tmp_path):
    mart = catalog.read_dataset(_write(tmp_path, "marts", "escalations_by_agent", NEW_MART))
    good = [("agent", "string"), ("escalations", "bigint"), ("calls", "bigint"), ("has_greeting_rate", "double"),
            ("has_farewell_rate", "double"), ("_lineage", "string")]
    assert catalog.check_columns(mart, good) == []
    bad = [("agent", "int"), ("calls", "bigint"), ("has_greeting_rate", "double"), ("extra", "string")]
    assert catalog.check_columns(mart, bad) == [
        "escalations_by_agent.agent: documented as string, the table has int",
        "escalations_by_agent.escalations: documented but not in the table",
        "escalations_by_agent.extra: in the table but not documented",
    ]


def test_nested_types_are_documented_by_shape():
    assert catalog._normal_type("array<struct<a:string,b:array<struct<c:int>>>>") == "array<struct>"
    assert catalog._normal_type("map<string,int>") == "map<string,int>"


def test_a_file_outside_a_layer_folder_is_an_error(tmp_path):
    _write(tmp_path, "extras", "stray", NEW_MART)
    with pytest.raises(ValueError, match="outside a layer folder"):
        catalog.datasets(tmp_path)


def test_a_column_entry_with_the_wrong_number_of_types_is_an_error(tmp_path):
    body = NEW_MART.replace('"bigint", "calls with', '"bigint, int, string", "calls with')
    with pytest.raises(ValueError, match="needs one type, or one per column"):
        catalog.read_dataset(_write(tmp_path, "marts", "m", body))
