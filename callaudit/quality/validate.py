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
import re
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
    if "row_condition" in k:
        mostly += f" where {k['row_condition']}"
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
        make_offline(docs_dir)
        report.docs_index = write_static_index(docs_dir, report, specs)
    return report


def write_static_index(docs_dir: Path, report: ValidationReport, specs: list[SuiteSpec]) -> Path:
    """GX's index page lists its suites and runs from JavaScript (bootstrap-table); offline, without scripts, it
    would be empty. Replace it with a static page: one row per suite with its result and links to GX's pages."""
    from html import escape as e

    rows = []
    for spec in specs:
        results = [r for r in report.results if r.suite == spec.name]
        failed = sum(not r.success for r in results)
        page = next(iter(sorted((docs_dir / "validations").glob(f"{spec.name.replace('.', '/')}/**/*.html"))), None)
        suite_page = docs_dir / "expectations" / f"{spec.name.replace('.', '/')}.html"
        links = []
        if page is not None:
            links.append(f'<a href="{e(page.relative_to(docs_dir).as_posix())}">resultado</a>')
        if suite_page.is_file():
            links.append(f'<a href="{e(suite_page.relative_to(docs_dir).as_posix())}">suite</a>')
        status = "ok" if results and not failed else "FALLA"
        rows.append(f'<tr class="{"ok" if status == "ok" else "bad"}"><td>{e(spec.name)}</td>'
                    f'<td class="n">{report.rows.get(spec.table, "—")}</td><td class="n">{len(results)}</td>'
                    f'<td class="n">{failed}</td><td>{status}</td><td>{" · ".join(links)}</td></tr>')
    failures = "".join(
        f"<tr><td>{e(f.suite)}</td><td>{e(f.expectation)}</td><td>{e(f.column or '—')}</td>"
        f"<td>{e(f.observed)}</td><td>{e(f.expected)}</td></tr>" for f in report.failures)
    verdict = "todas las expectativas se cumplen" if report.ok else f"{len(report.failures)} expectativa(s) fallaron"
    html = f"""<!DOCTYPE html>
<html lang="es-CO"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>callaudit — Data Docs (gold)</title>
<style>body{{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#1f2933}}
table{{border-collapse:collapse;margin:10px 0 24px}}td,th{{border:1px solid #d9e2ec;padding:5px 9px;text-align:left}}
th{{background:#f0f4f8}}td.n{{text-align:right}}tr.bad td{{background:#fbe6e3}}tr.ok td:nth-child(5){{color:#0f6b3f}}
h1{{color:#0b3d62;font-size:22px}}.v{{font-weight:600}}</style></head><body>
<h1>Validación de las tablas gold con Great Expectations</h1>
<p>Validado {e(report.validated_at)} · <span class="v">{e(verdict)}</span> · {len(report.results)} expectativas.</p>
<table><thead><tr><th>Suite</th><th>Filas</th><th>Expectativas</th><th>Fallidas</th><th>Resultado</th><th>Páginas</th>
</tr></thead><tbody>{"".join(rows)}</tbody></table>
{"<h2>Expectativas fallidas</h2><table><thead><tr><th>Suite</th><th>Expectativa</th><th>Columna</th><th>Observado</th>"
 "<th>Esperado</th></tr></thead><tbody>" + failures + "</tbody></table>" if failures else ""}
<p style="color:#52606d;font-size:12px">Páginas de Great Expectations {e(_gx_version())}, generadas sin conexión
(sin recursos externos).</p></body></html>
"""
    index = docs_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    return index


def _gx_version() -> str:
    import great_expectations as gx

    return gx.__version__


# GX's Data Docs pull Bootstrap, jQuery, Vega and fonts from CDNs and the GX logo from S3 (with a timestamp query)
# every time a page is opened. We want them to open offline and fetch nothing, so they are made static: remote
# scripts, stylesheets and images are removed (the logo comes from the site's own static/ folder), the inline
# scripts that need those libraries go too, and a small local stylesheet keeps the tables readable.
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.I | re.S)
_ANY_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.I)
_REMOTE_IMG = re.compile(r"(<img\b[^>]*\bsrc=)([\"'])https?://[^\"']*\2", re.I)
_REMOTE_CSS_URL = re.compile(r"url\(\s*['\"]?https?://[^)]*\)", re.I)
OFFLINE_CSS = """<style>/* callaudit: offline Data Docs (no CDN) */
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:16px 24px;color:#1f2933}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#f0f4f8}.text-danger{color:#a3271a}.text-success{color:#0f6b3f}
nav,.d-none,.sticky-top{display:none}img{max-height:40px}
.fa-check-circle::before{content:"\\2714  ok"}.fa-times::before{content:"\\2718  failed";font-weight:600}</style>"""


def make_offline(docs_dir: Path) -> int:
    """Strip every remote reference from the rendered Data Docs; returns the number of files changed."""
    changed = 0
    for path in list(docs_dir.rglob("*.html")) + list(docs_dir.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        new = _REMOTE_CSS_URL.sub("none", text)
        if path.suffix == ".html":
            logo = os.path.relpath(docs_dir / "static" / "images" / "logo-long-vector.svg", path.parent)
            new = _REMOTE_SCRIPT.sub("", new)
            new = _ANY_SCRIPT.sub("", new)
            new = _REMOTE_LINK.sub("", new)
            new = _REMOTE_IMG.sub(lambda m, logo=logo: f'{m.group(1)}{m.group(2)}{logo}{m.group(2)}', new)
            new = new.replace("</head>", OFFLINE_CSS + "</head>", 1)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed


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
    from callaudit.lakehouse.tables import open_lakehouse, read_table

    spark, tables = open_lakehouse(settings, "callaudit-validate", spark)
    frames: dict[str, Any] = {}
    for spec in specs:
        if spec.table not in tables:
            frames[spec.table] = None
            continue
        df = read_table(spark, tables[spec.table])
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
