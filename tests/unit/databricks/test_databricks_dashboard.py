"""dashboards/call_quality.lvdash.json, structurally (no Spark; the queries run in tests/spark/test_dashboard_queries.py).

- datasets: unique names, SQL in queryLines, only gold tables by plain name (dataset_catalog/dataset_schema of the
  bundle repoint them; a qualified name would silently ignore that), never the restricted bronze/silver tables;
- widgets: each query names an existing dataset, encodings use fields the query selects, every chart/table/counter
  has a title, positions lie on the 6-column grid without overlapping;
- the views the QA team asked for are all there.
"""

from __future__ import annotations

import json
import re

import bundle_model as bm
import pytest

from callaudit.lakehouse import catalog

DASHBOARD = bm.ROOT / "dashboards" / "call_quality.lvdash.json"
# what analysts may read: the gold and marts folders of the pipeline, minus quarantine tables
GOLD_TABLES = {d.name for d in catalog.datasets() if d.layer in ("gold", "marts") and d.kind != "quarantine"}
GRID_COLUMNS = 6
TABLE_REF = re.compile(r"\b(?:FROM|JOIN)\s+([`\w.]+)", re.IGNORECASE)


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def sql(dataset: dict) -> str:
    return "".join(dataset["queryLines"])


def widgets(dashboard):
    for page in dashboard["pages"]:
        for item in page["layout"]:
            yield page, item["widget"], item["position"]


def test_datasets_are_named_sql_over_gold_tables_by_plain_name(dashboard):
    names = [d["name"] for d in dashboard["datasets"]]
    assert len(names) == len(set(names)) and len(names) >= 8
    for ds in dashboard["datasets"]:
        assert ds["displayName"] and ds["queryLines"], ds["name"]
        assert all(line.endswith("\n") for line in ds["queryLines"][:-1]), f"{ds['name']}: lines must keep newlines"
        assert "catalog" not in ds and "schema" not in ds, "per-dataset catalog/schema would pin one environment"
        text = re.sub(r"--[^\n]*", "", sql(ds))
        tables = {t.strip("`") for t in TABLE_REF.findall(text)} - {"("}
        assert tables, ds["name"]
        for table in tables:
            assert "." not in table, f"{ds['name']}: {table} is qualified; dataset_catalog/schema would not apply"
            assert table in GOLD_TABLES, f"{ds['name']} reads {table}: dashboards read gold tables only"


def test_every_gold_table_the_dashboard_reads_is_declared_by_a_pipeline_file(dashboard):
    read = set()
    for ds in dashboard["datasets"]:
        read |= {t.strip("`") for t in TABLE_REF.findall(sql(ds))}
    declared = {d.name for d in catalog.datasets()}
    assert read <= declared, sorted(read - declared)


def test_widgets_query_existing_datasets_and_encode_selected_fields(dashboard):
    datasets = {d["name"] for d in dashboard["datasets"]}
    used = set()
    for page, widget, _ in widgets(dashboard):
        if "multilineTextboxSpec" in widget:
            assert widget["multilineTextboxSpec"]["lines"]
            continue
        spec = widget["spec"]
        assert spec["frame"]["showTitle"] is True and spec["frame"]["title"].strip(), widget["name"]
        (query,) = widget["queries"]
        assert query["query"]["datasetName"] in datasets, widget["name"]
        used.add(query["query"]["datasetName"])
        fields = {f["name"] for f in query["query"]["fields"]}
        for f in query["query"]["fields"]:
            assert f["expression"] == f"`{f['name']}`", f"{widget['name']}: {f}"
        encodings = spec["encodings"]
        if spec["widgetType"] == "table":
            encoded = [c["fieldName"] for c in encodings["columns"]]
        else:
            encoded = [enc["fieldName"] for enc in encodings.values()]
        assert encoded and set(encoded) <= fields, f"{page['name']}/{widget['name']}: {set(encoded) - fields}"
        assert spec["widgetType"] in {"counter", "line", "bar", "table"}
    assert used == datasets, f"datasets no widget shows: {sorted(datasets - used)}"


def test_layout_is_on_the_six_column_grid_without_overlaps(dashboard):
    names = set()
    for page in dashboard["pages"]:
        cells = {}
        for item in page["layout"]:
            w, pos = item["widget"], item["position"]
            assert w["name"] not in names, f"duplicate widget name {w['name']}"
            names.add(w["name"])
            x, y, width, height = pos["x"], pos["y"], pos["width"], pos["height"]
            assert all(isinstance(v, int) for v in (x, y, width, height))
            assert x >= 0 and y >= 0 and width > 0 and height > 0 and x + width <= GRID_COLUMNS, (page["name"], pos)
            for cx in range(x, x + width):
                for cy in range(y, y + height):
                    assert (cx, cy) not in cells, f"{w['name']} overlaps {cells[(cx, cy)]} on {page['name']}"
                    cells[(cx, cy)] = w["name"]


def test_the_views_the_qa_team_asked_for_are_all_there(dashboard):
    shown = {}
    for _, widget, _ in widgets(dashboard):
        if "spec" in widget:
            shown.setdefault(widget["queries"][0]["query"]["datasetName"], []).append(widget["spec"]["widgetType"])
    wanted = {
        "quality_trend": "line",          # quality trend, 30 days (and sentiment by day)
        "compliance_by_agent": "table",   # protocol compliance per agent
        "compliance_by_vendor": "table",  # ... and per vendor
        "critical_calls": "table",        # critical calls (< 40) with reasons
        "forbidden_words": "bar",         # forbidden words by frequency (the word cloud, made exact)
        "call_duration": "bar",           # call-duration distribution
        "sentiment_weekly": "bar",        # customer sentiment by week
        "kpi_targets": "table",           # KPI summary vs targets
        "kpi_counters": "counter",
        "review_queue": "table",          # review queue
        "agreement_by_criterion": "table",  # agreement with analysts: kappa per criterion
        "agreement_by_week": "line",        # ... over time (drift)
        "agreement_disagreements": "table",  # ... and the disagreements to look at
    }
    for dataset, kind in wanted.items():
        assert kind in shown.get(dataset, []), f"{dataset} is not shown as a {kind}"
