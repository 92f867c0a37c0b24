"""Where the readers (report, validate, alerts, sql) find the gold tables: one seam for local and workspace.

- **local**: Delta directories under ``$CALLAUDIT_HOME/warehouse/callaudit.db/`` read by path through a local
  SparkSession that never opens the Derby metastore (so it works while a pipeline runs);
- **workspace** (a Databricks job task): Unity Catalog tables ``<catalog>.<schema>.<table>`` through the task's
  SparkSession. The catalog and schema come from ``--catalog/--schema`` (``callaudit --catalog usr --schema x
  validate``) or ``CALLAUDIT_CATALOG``/``CALLAUDIT_SCHEMA``.

A table reference is a filesystem path (local) or a three-part name (workspace); :func:`read_table` reads either.
"""

from __future__ import annotations

import os

from callaudit.config import Settings


def catalog_schema() -> tuple[str, str] | None:
    catalog, schema = os.environ.get("CALLAUDIT_CATALOG"), os.environ.get("CALLAUDIT_SCHEMA")
    return (catalog, schema) if catalog and schema else None


def open_lakehouse(settings: Settings, app_name: str, spark=None) -> tuple[object, dict[str, str]]:
    """(spark, {table name: reference}) for the gold readers."""
    target = catalog_schema()
    if target is None:
        from callaudit.lakehouse.runtime import list_tables, local_session

        tables = {name: str(path) for name, path in list_tables(settings).items()}
        if tables and spark is None:
            spark = local_session(settings, app_name=app_name, register=False)
        return spark, tables
    if spark is None:  # pragma: no cover - inside a Databricks task the session already exists
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
    catalog, schema = target
    names = [t.name for t in spark.catalog.listTables(f"{catalog}.{schema}")]
    return spark, {name: f"{catalog}.{schema}.{name}" for name in names}


def read_table(spark, reference: str):
    if "/" in reference or reference.startswith("file:"):  # a path; catalog names are a.b.c
        return spark.read.format("delta").load(reference)
    return spark.table(reference)
