"""Does a Spark or Delta setting change what a pipeline run costs? No-op updates through Spark, one per setting.

    .venv/bin/python -m callaudit_testkit.bench.run_settings --calls 10000
    .venv/bin/python -m callaudit_testkit.bench.run_settings --calls 10000 \\
        --variant aqe-off spark.sql.adaptive.enabled=false --variant baseline

Builds one lakehouse of ``--calls`` calls of metadata (the pipeline bench's bulk call centre) in ``--workdir``
(kept, so a second invocation reuses it), then runs one whole update with nothing new per variant — each with
the variant's settings added to the generated ``spark-defaults.conf`` — and prints the three phases of each
(start-up, spark-pipelines' graph and table set-up, flows; see ``PipelineRun.phases``). The default variants
are the settings measured when the set-up phase was found to be a cost per table (docs/ARCHITECTURE.md, "What a
run costs is mostly fixed"), with a baseline first and last: the spread between the two baselines is the noise.
A printed benchmark, not a test: minutes per variant.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

DEFAULT_VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("baseline", {}),
    ("adaptive execution off", {"spark.sql.adaptive.enabled": "false"}),
    ("1 Delta snapshot partition", {"spark.databricks.delta.snapshotPartitions": "1"}),
    ("whole-stage codegen off", {"spark.sql.codegen.wholeStage": "false"}),
    ("Delta data skipping off", {"spark.databricks.delta.stats.skipping": "false"}),
    ("baseline again", {}),
]


def _variant(text: list[str]) -> tuple[str, dict[str, str]]:
    name, *pairs = text
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--variant {name}: {pair!r} is not KEY=VALUE")
        settings[key] = value
    return name, settings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=10_000, help="calls of metadata in the lakehouse (default 10,000)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where the lakehouse is built and kept (default: a new temporary folder)")
    p.add_argument("--variant", nargs="+", action="append", metavar=("NAME", "KEY=VALUE"),
                   help="a named set of Spark settings (repeatable; none = the default variants)")
    args = p.parse_args(argv)

    from callaudit.config import PROJECT_ROOT, Settings
    from callaudit.lakehouse import runtime
    from callaudit_testkit.bench.pipeline import _land_pages, _timed_run
    from callaudit_testkit.twilio.fixtures import make_bulk_call_centre

    variants = [_variant(v) for v in args.variant] if args.variant else DEFAULT_VARIANTS
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_run_settings_"))
    settings = Settings(home=work / "home", cache=PROJECT_ROOT / ".cache")
    if not settings.warehouse.exists():
        data = work / "twilio_data"
        make_bulk_call_centre(data, calls=args.calls)
        for kind in ("calls", "recordings"):
            rows = [json.loads(line) for line in (data / f"{kind}.jsonl").read_text().splitlines() if line.strip()]
            _land_pages(settings.landing, kind, rows, "base")
        first = _timed_run(settings, "initial build")
        print(f"{'initial build':<28} {first.seconds:6.1f}s  {first.phases()}", flush=True)
    print(f"lakehouse: {settings.home} ({args.calls:,} calls of metadata); one no-op update per variant", flush=True)
    defaults = runtime.spark_defaults
    try:
        for name, extra in variants:
            runtime.spark_defaults = lambda s, jars, extra=extra: {**defaults(s, jars), **extra}
            run = _timed_run(settings, name)
            written = (settings.spark_conf_dir / "spark-defaults.conf").read_text()
            missing = [k for k, v in extra.items() if not any(line.split() == [k, v] for line in written.splitlines())]
            if missing:  # the run must have had the variant's settings, or its figure means nothing
                raise SystemExit(f"{name}: {missing} not in the generated spark-defaults.conf")
            shown = ", ".join(f"{k}={v}" for k, v in extra.items()) or "project defaults"
            print(f"{name:<28} {run.seconds:6.1f}s  {run.phases()}{'' if run.ok else '  FAILED'}  [{shown}]",
                  flush=True)
    finally:
        runtime.spark_defaults = defaults
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
