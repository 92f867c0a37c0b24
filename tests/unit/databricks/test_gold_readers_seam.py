"""The gold readers (report, validate, alerts) read Unity Catalog tables in a workspace and Delta paths locally."""

from __future__ import annotations

from types import SimpleNamespace

from callaudit.config import Settings
from callaudit.lakehouse.tables import open_lakehouse, read_table


class RecordingSpark:
    def __init__(self, tables):
        self.calls = []
        self.catalog = SimpleNamespace(listTables=self._list)
        self._tables = tables
        self.read = SimpleNamespace(format=self._format)

    def _list(self, database):
        self.calls.append(("listTables", database))
        return [SimpleNamespace(name=t) for t in self._tables]

    def table(self, name):
        self.calls.append(("table", name))
        return f"df:{name}"

    def _format(self, fmt):
        return SimpleNamespace(load=lambda path: (self.calls.append(("load", fmt, path)), f"df:{path}")[1])


def test_workspace_mode_reads_unity_catalog_tables(monkeypatch, tmp_path):
    monkeypatch.setenv("CALLAUDIT_CATALOG", "usr")
    monkeypatch.setenv("CALLAUDIT_SCHEMA", "co_cx_ops_analytics")
    spark = RecordingSpark(["review_queue", "twilio_calls"])
    got_spark, tables = open_lakehouse(Settings(home=tmp_path, cache=tmp_path), "t", spark)
    assert got_spark is spark and ("listTables", "usr.co_cx_ops_analytics") in spark.calls
    assert tables == {"review_queue": "usr.co_cx_ops_analytics.review_queue",
                      "twilio_calls": "usr.co_cx_ops_analytics.twilio_calls"}
    assert read_table(spark, tables["review_queue"]) == "df:usr.co_cx_ops_analytics.review_queue"


def test_local_mode_reads_delta_paths_without_a_catalog(monkeypatch, tmp_path):
    monkeypatch.delenv("CALLAUDIT_CATALOG", raising=False)
    monkeypatch.delenv("CALLAUDIT_SCHEMA", raising=False)
    settings = Settings(home=tmp_path, cache=tmp_path)
    (settings.table_path("review_queue") / "_delta_log").mkdir(parents=True)
    spark = RecordingSpark([])
    _, tables = open_lakehouse(settings, "t", spark)
    assert tables == {"review_queue": str(settings.table_path("review_queue"))}
    read_table(spark, tables["review_queue"])
    assert spark.calls == [("load", "delta", str(settings.table_path("review_queue")))]
