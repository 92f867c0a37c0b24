"""The one place that knows whether the pipeline runs locally (open-source Spark) or in a Databricks workspace.

Dataset files in ``pipelines/`` never branch on the platform; they declare datasets through :data:`datasets`
(``datasets.table`` / ``datasets.materialized_view`` / ``datasets.quarantine``) and read the landing zone through
``datasets.platform``. What differs:

| concern | local (open-source Spark) | workspace (Lakeflow) |
|---|---|---|
| landing JSON pages | ``readStream.json`` with an explicit schema | Auto Loader ``cloudFiles`` (+ ``_rescued_data``) |
| expectations | :func:`callaudit.lakehouse.expectations.apply_rules` shim | native ``dp.expect_all*`` decorators |
| landing root | ``lakehouse/landing`` | a Unity Catalog volume, e.g. ``/Volumes/<catalog>/<schema>/landing`` |
| secrets | environment / ``.env`` | the ``twilio-secrets`` scope (see :mod:`callaudit.secrets`) |

The choice is made once, at import: ``CALLAUDIT_PLATFORM`` (``local``/``workspace``) if set; else the pipeline
configuration key ``callaudit.platform`` of the active Spark session (the bundle's pipeline sets ``workspace``,
``spark-pipeline.yml`` sets ``local``); else ``workspace`` when ``DATABRICKS_RUNTIME_VERSION`` is in the
environment; else ``local``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from callaudit.lakehouse import expectations as ex

PLATFORMS = ("local", "workspace")
PLATFORM_CONF_KEY = "callaudit.platform"


def _session_conf(key: str) -> str | None:
    """A key of the active Spark session's configuration, or None (no session, no key). Never starts a session."""
    try:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        return (session.conf.get(key, None) or None) if session is not None else None
    except Exception:  # no JVM / no Connect server / conf not readable
        return None


def _session_platform() -> str | None:
    """``callaudit.platform`` from the active Spark session's configuration, or None (no session, no key).

    Never starts a session: ``getActiveSession`` only returns one that the pipeline runtime already created.
    """
    try:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is None:
            return None
        return session.conf.get(PLATFORM_CONF_KEY, None) or None
    except Exception:  # no JVM / no Connect server / conf not readable: fall back to the environment
        return None


def _checked(source: str, value: str) -> str:
    if value not in PLATFORMS:
        raise ValueError(f"{source} must be 'local' or 'workspace', got {value!r}")
    return value


def detect() -> str:
    explicit = os.environ.get("CALLAUDIT_PLATFORM")
    if explicit:
        return _checked("CALLAUDIT_PLATFORM", explicit)
    configured = _session_platform()  # only consulted when the environment does not say
    if configured:
        return _checked(PLATFORM_CONF_KEY, configured)
    return "workspace" if "DATABRICKS_RUNTIME_VERSION" in os.environ else "local"


class LocalPlatform:
    name = "local"

    # Options per landed format: JSON list pages (multi-line documents) and analysts' CSV (header row, columns by
    # position as the schema lists them, RFC 4180 quotes: a quote inside a quoted cell is doubled).
    FORMATS = {
        "json": {"multiLine": "true"},
        "csv": {"header": "true", "pathGlobFilter": "*.csv", "multiLine": "true", "escape": '"'},
    }

    def read_stream(self, spark, fmt: str, path: str, schema):
        """Stream the files landed under ``path``; a file or row that cannot be parsed becomes a row whose
        ``_corrupt_record`` holds it (quarantined downstream), never a failed update."""
        reader = spark.readStream.schema(schema)
        for key, value in {**self.FORMATS[fmt], "mode": "PERMISSIVE",
                           "columnNameOfCorruptRecord": "_corrupt_record"}.items():
            reader = reader.option(key, value)
        return reader.format(fmt).load(path)

    def read_json_stream(self, spark, path: str, schema):
        return self.read_stream(spark, "json", path, schema)

    def read_csv_stream(self, spark, path: str, schema):
        return self.read_stream(spark, "csv", path, schema)

    def with_expectations(self, dp, exp: ex.Expectations, fn: Callable) -> Callable:
        if not exp.rules:
            return fn

        def checked():
            return ex.apply_rules(fn(), exp)

        checked.__name__ = fn.__name__
        checked.__doc__ = fn.__doc__
        return checked


class WorkspacePlatform(LocalPlatform):
    name = "workspace"

    def read_stream(self, spark, fmt: str, path: str, schema):
        reader = spark.readStream.format("cloudFiles").option("cloudFiles.format", fmt)
        for key, value in {**self.FORMATS[fmt], "cloudFiles.schemaEvolutionMode": "rescue",
                           "rescuedDataColumn": "_rescued_data",
                           "columnNameOfCorruptRecord": "_corrupt_record"}.items():
            reader = reader.option(key, value)
        return reader.schema(schema).load(path)

    def with_expectations(self, dp, exp: ex.Expectations, fn: Callable) -> Callable:
        # Stacked like hand-written decorators: fail (outermost) -> drop -> warn, all from the same YAML.
        for action, decorator_name in (("warn", "expect_all"), ("drop", "expect_all_or_drop"),
                                       ("fail", "expect_all_or_fail")):
            rules = exp.by_action(action)
            if rules:
                fn = getattr(dp, decorator_name)(rules)(fn)
        return fn


def make_platform(name: str | None = None):
    return WorkspacePlatform() if (name or detect()) == "workspace" else LocalPlatform()


class Datasets:
    """How dataset files declare tables: same call on both platforms, expectations attached from the YAML."""

    def __init__(self, platform=None, dp: Any = None, expectations_dir: str | None = None):
        self.platform = platform or make_platform()
        self._dp = dp
        self._expectations_dir = expectations_dir

    @property
    def dp(self):
        if self._dp is None:
            from pyspark import pipelines as dp

            self._dp = dp
        return self._dp

    def expectations(self, name: str) -> ex.Expectations:
        # rules written per criterion or with the scorecard's categories follow the scorecard this update scores with
        return ex.load(name, self._expectations_dir, _session_conf("callaudit.scorecard_path"))

    def _declare(self, kind: str, name: str, comment: str, **kwargs) -> Callable:
        def decorator(fn: Callable) -> Callable:
            fn = self.platform.with_expectations(self.dp, self.expectations(name), fn)
            declare = getattr(self.dp, kind)
            options = {k: v for k, v in kwargs.items() if v is not None}
            return declare(name=name, comment=comment, **options)(fn)

        return decorator

    def table(self, name: str, *, comment: str, spark_conf: dict[str, str] | None = None,
              table_properties: dict[str, str] | None = None, partition_cols: list[str] | None = None) -> Callable:
        """A streaming table (append-only, incremental, checkpointed)."""
        return self._declare("table", name, comment, spark_conf=spark_conf, table_properties=table_properties,
                             partition_cols=partition_cols)

    def materialized_view(self, name: str, *, comment: str, spark_conf: dict[str, str] | None = None,
                          table_properties: dict[str, str] | None = None) -> Callable:
        """A materialized view (recomputed from its inputs on each update)."""
        return self._declare("materialized_view", name, comment, spark_conf=spark_conf,
                             table_properties=table_properties)

    def quarantine(self, of: str, *, comment: str | None = None) -> Callable:
        """``quarantine_<of>``: the rows of ``of``'s query that violate its rules, with the rule names.

        The decorated function returns the *same* query as the dataset ``of`` (before expectations); the rows that
        were dropped or warned about land here. Identical on both platforms.
        """
        exp = self.expectations(of)

        def decorator(fn: Callable) -> Callable:
            def quarantined():
                return ex.quarantine_rows(fn(), exp)

            quarantined.__name__ = fn.__name__
            return self.dp.materialized_view(
                name=exp.quarantine_name,
                comment=comment or f"Rows of {of} that violated its expectations (expectations/{of}.yml), with reasons.",
            )(quarantined)

        return decorator


datasets = Datasets()


def conf(spark, key: str, default: str = "") -> str:
    """A ``callaudit.*`` pipeline configuration value (spec ``configuration`` locally, bundle in a workspace)."""
    try:
        value = spark.conf.get(key, default)
    except Exception:  # pragma: no cover - Connect raises for unknown keys without a default in some versions
        value = default
    return value if value is not None else default
