"""``callaudit validate``: run the Great Expectations suites over the local gold tables, offline.

How: each gold Delta table is read through the local SparkSession (only the columns its suite needs) into a
pandas DataFrame — gold is small, and GX's pandas engine is the most reliable offline path with pyspark 4.2 —
and validated with GX 1.x objects (ExpectationSuite, a pandas data source with a whole-dataframe batch
definition, ValidationDefinition). The context is ephemeral (nothing written but the Data Docs), analytics
are off (``GX_ANALYTICS_ENABLED=false`` and ``analytics_enabled: false``) and no progress bars are drawn.

Data Docs go to ``$CALLAUDIT_HOME/data_docs/index.html``; the latest results to
``$CALLAUDIT_HOME/state/validation_latest.json``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callaudit.config import Settings
from callaudit.quality.suites import ExpectationSpec, SuiteSpec, build_suite, load_specs

RESULTS_FILE = "validation_latest.json"
TEXT_PII_HINT = "values not shown: they may contain personal data"


@dataclass
class CheckResult:
    suite: str
    table: str
    expectation: str
    column: str | None
    success: bool
    observed: str
    expected: str
    why: str | None = None


@dataclass
class ValidationReport:
    results: list[CheckResult] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    docs_index: Path | None = None
    validated_at: str = ""

    @property
    def ok(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success]

    def to_json(self) -> dict[str, Any]:
        return {
            "success": self.ok, "validated_at": self.validated_at,
            "evaluated": len(self.results), "failed": len(self.failures), "rows": self.rows,
            "data_docs": self.docs_index.as_uri() if self.docs_index else None,
            "results": [asdict(r) for r in self.results],
        }


# ---- describing expectations for people ---------------------------------------------------------------------------
def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def describe_expected(spec: ExpectationSpec) -> str:
    k, t = spec.kwargs, spec.type
    mostly = f" (at least {k['mostly']:.0%} of rows)" if "mostly" in k else ""
    if t == "expect_column_values_to_not_be_null":
        return "not null" + mostly
    if t == "expect_column_values_to_be_unique":
        return "unique" + mostly
    if t == "expect_compound_columns_to_be_unique":
        return f"unique ({', '.join(k['column_list'])})"
    if t in ("expect_column_values_to_be_between", "expect_column_mean_to_be_between"):
        what = "mean" if "mean" in t else "value"
        lo, hi = k.get("min_value"), k.get("max_value")
        lo_op = "<" if k.get("strict_min") else "≤"
        hi_op = "<" if k.get("strict_max") else "≤"
        left = f"{_fmt(lo)} {lo_op} " if lo is not None else ""
        right = f" {hi_op} {_fmt(hi)}" if hi is not None else ""
        return f"{left}{what}{right}{mostly}"
    if t == "expect_column_values_to_be_in_set":
        return "in {" + ", ".join(map(str, k["value_set"])) + "}" + mostly
    if t == "expect_column_values_to_not_match_regex":
        return f"does not match /{k['regex']}/"
    if t == "expect_column_values_to_not_match_regex_list":
        return "matches none of " + ", ".join(f"/{r}/" for r in k["regex_list"])
    if t == "expect_table_row_count_to_be_between":
        return " and ".join(filter(None, [f"rows ≥ {k['min_value']}" if k.get("min_value") is not None else "",
                                          f"rows ≤ {k['max_value']}" if k.get("max_value") is not None else ""]))
    if t == "expect_table_row_count_to_equal":
        return f"rows = {k['value']}"
    return json.dumps({a: b for a, b in k.items() if a != "column"}, ensure_ascii=False, default=str)


def _shows_values(spec: ExpectationSpec) -> bool:
    """Regex checks guard against PII: never echo the offending text."""
    return "regex" not in spec.type


def describe_observed(spec: ExpectationSpec, result: dict[str, Any], exception: dict[str, Any] | None) -> str:
    if exception and exception.get("raised_exception"):
        message = str(exception.get("exception_message") or "error").splitlines()[0]
        return f"error: {message[:160]}"
    if result.get("observed_value") is not None:
        return _fmt(result["observed_value"])
    if result.get("unexpected_count") is not None:
        n, total = result["unexpected_count"], result.get("element_count")
        pct = result.get("unexpected_percent")
        text = f"{n} unexpected" + (f" of {total}" if total is not None else "")
        if pct is not None and n:
            text += f" ({pct:.1f}%)"
        if n and _shows_values(spec):
            sample = list(dict.fromkeys(map(str, result.get("partial_unexpected_list") or [])))[:3]
            if sample:
                text += ", e.g. " + ", ".join(sample)
        elif n:
            text += f"; {TEXT_PII_HINT}"
        return text
    return "—"


# ---- Great Expectations -----------------------------------------------------------------------------------------
def gx_context(docs_dir: Path | None):
    """An ephemeral GX context: in-memory stores, analytics off, no progress bars, Data Docs under ``docs_dir``."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites["local_site"] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def validate_frames(frames: dict[str, Any], specs: list[SuiteSpec], *, docs_dir: Path | None = None
                    ) -> ValidationReport:
    """Validate pandas DataFrames (``None`` = the table does not exist) against the suites."""
    import great_expectations as gx

    report = ValidationReport(validated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    context = gx_context(docs_dir)
    source = context.data_sources.add_pandas("gold")
    for spec in specs:
        df = frames.get(spec.table)
        if df is None:
            report.results.append(CheckResult(spec.name, spec.table, "table exists", None, False,
                                              "table missing", "a Delta table in the warehouse"))
            continue
        report.rows[spec.table] = len(df)
        asset = source.add_dataframe_asset(spec.table)
        batch = asset.add_batch_definition_whole_dataframe(f"{spec.table}_all")
        suite = context.suites.add(build_suite(spec))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"validate_{spec.table}", data=batch, suite=suite))
        outcome = definition.run(batch_parameters={"dataframe": df},
                                 result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
        by_config = list(outcome.results)
        for e, res in zip(spec.expectations, _ordered(spec, by_config), strict=True):
            report.results.append(CheckResult(
                suite=spec.name, table=spec.table, expectation=e.type, column=", ".join(e.columns) or None,
                success=bool(res.success), observed=describe_observed(e, res.result or {}, res.exception_info),
                expected=describe_expected(e), why=e.why))
    if docs_dir is not None:
        context.build_data_docs()
        report.docs_index = docs_dir / "index.html"
    return report


def _ordered(spec: SuiteSpec, results: list) -> list:
    """GX returns results grouped by column; put them back in the spec's order (matching type + kwargs)."""
    remaining = list(results)
    ordered = []
    for e in spec.expectations:
        for i, res in enumerate(remaining):
            cfg = res.expectation_config
            if cfg.type == e.type and all(_same(cfg.kwargs.get(k), v) for k, v in e.kwargs.items()):
                ordered.append(remaining.pop(i))
                break
        else:  # pragma: no cover - GX returns one result per expectation
            raise RuntimeError(f"no result for {e.type} {e.kwargs}")
    return ordered


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple | set) and isinstance(b, list | tuple | set):
        return list(a) == list(b)
    return a == b


# ---- reading the gold tables -----------------------------------------------------------------------------------
def read_gold_frames(settings: Settings, specs: list[SuiteSpec], *, spark=None) -> dict[str, Any]:
    """One pandas DataFrame per suite table (only the columns the suite needs); None for a missing table.

    A column the suite names but the table lacks is left out, so GX reports it per expectation."""
    from callaudit.lakehouse.runtime import list_tables

    tables = list_tables(settings)
    frames: dict[str, Any] = {}
    needed = [s for s in specs if s.table in tables]
    if needed and spark is None:
        from callaudit.lakehouse.runtime import local_session

        spark = local_session(settings, app_name="callaudit-validate", register=False)
    for spec in specs:
        if spec.table not in tables:
            frames[spec.table] = None
            continue
        df = spark.read.format("delta").load(str(tables[spec.table]))
        cols = [c for c in spec.columns if c in df.columns] or df.columns[:1]
        frames[spec.table] = df.select(*cols).toPandas()
    return frames


def run_validation(settings: Settings, *, docs: bool = True, specs: list[SuiteSpec] | None = None, spark=None,
                   tables: list[str] | None = None) -> ValidationReport:
    specs = specs or load_specs(scorecard_path=settings.scorecard_path)
    if tables:
        from callaudit.errors import UserError

        unknown = sorted(set(tables) - {s.table for s in specs})
        if unknown:
            raise UserError(f"no suite for table(s): {', '.join(unknown)}",
                            hint="suites: " + ", ".join(s.table for s in specs), exit_code=2)
        specs = [s for s in specs if s.table in tables]
    frames = read_gold_frames(settings, specs, spark=spark)
    docs_dir = settings.home / "data_docs" if docs else None
    if docs_dir is not None and docs_dir.exists():
        shutil.rmtree(docs_dir)  # the site shows this run; history is in state/validation_latest.json per run
    report = validate_frames(frames, specs, docs_dir=docs_dir)
    settings.state.mkdir(parents=True, exist_ok=True)
    out = settings.state / RESULTS_FILE
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return report
