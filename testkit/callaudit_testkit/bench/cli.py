"""``callaudit bench``: every benchmark, printed and written to docs/BENCHMARKS.md with the machine they ran on.

Benchmarks are not tests: they print figures and never fail on a speed. Each section records the exact command
that reproduces it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from callaudit.config import PROJECT_ROOT
from callaudit.errors import UserError, user_errors

SECTIONS = ("ingest", "transcription", "scoring", "pipeline", "maintenance", "demo", "accuracy", "topics", "latency",
            "satisfaction")


def machine_info() -> list[str]:
    import psutil

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    import pyspark

    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; RAM {psutil.virtual_memory().total / 2**30:.0f} GiB",
        f"- OS: {platform.platform()}; Python {platform.python_version()}; {java[0] if java else 'java ?'}; "
        f"pyspark {pyspark.__version__}",
        f"- load average when the run started: {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
    ]


def _script(args: list[str], timeout: int = 7200) -> str:
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise UserError(f"benchmark {' '.join(args)} failed (exit {proc.returncode})",
                        hint=(proc.stderr or proc.stdout)[-1500:])
    return proc.stdout


def bench_ingest(quick: bool) -> tuple[str, list[str]]:
    out = [_script(["-m", "callaudit_testkit.bench.ingest", "--calls", "10000"])]
    commands = [".venv/bin/python -m callaudit_testkit.bench.ingest --calls 10000"]
    if not quick:
        out.append(_script(["-m", "callaudit_testkit.bench.ingest", "--large"]))
        commands.append(".venv/bin/python -m callaudit_testkit.bench.ingest --large   # 100,000 calls")
    return "\n".join(out), commands


def bench_transcription(quick: bool) -> tuple[str, list[str], str]:
    """The shipped configuration beside the previous one (CTranslate2's own kernel choice), one call at a time
    (latency, what ``callaudit transcribe`` does) and two at a time (throughput, the pipeline's shape), each
    configuration in a fresh process on the same audio; the summary is written from the run's JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "transcription.json"
        args = ["-m", "callaudit_testkit.bench.transcription", "--configs", "baseline,default,pipeline-baseline,pipeline",
                "--calls", "4" if quick else "8", "--human-seconds", "60" if quick else "120"]
        text = _script([*args, "--json-out", str(out)])
        summary = transcription_summary(json.loads(out.read_text()))
    return text, [".venv/bin/python " + " ".join(args)], summary


def transcription_summary(results: dict) -> str:
    """Summary rows of the transcription section, from the measured figures of one run (never typed in)."""
    configs = results["configs"]
    rows = ["| configuration | CPU kernels | calls at once | RTF (s per s of dual-channel call) | speed-up | "
            "WER agent | WER customer | WER human es-MX | machine busy cores / steal |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, base in (("baseline", "baseline"), ("default", "baseline"), ("pipeline-baseline", "pipeline-baseline"),
                       ("pipeline", "pipeline-baseline")):
        s, b = configs.get(name, {}).get("synthetic"), configs.get(base, {}).get("synthetic")
        if not s or not b:
            continue
        h = configs[name].get("human")
        human = f"{h['wer']:.3f}" if isinstance(h, dict) else "—"
        proc = results.get("processes", {}).get(name, {})
        kernels = ",".join(proc.get("cpu_isa", [])) or "-"
        load = (f"{proc['machine_busy_cores']:.2f} / {proc['steal_share']:.1%}" if "machine_busy_cores" in proc
                else "—")
        rows.append(f"| {name} | {kernels} | {s.get('concurrent_calls', 1)} | {s['rtf']:.3f} | "
                    f"{b['rtf'] / s['rtf']:.2f}x | {s['wer'].get('agent', 0):.3f} | {s['wer'].get('customer', 0):.3f} | "
                    f"{human} | {load} |")
    audio = next((c["synthetic"]["audio_seconds"] for c in configs.values() if c.get("synthetic")), 0)
    return (f"Synthetic dual-channel calls ({audio:.0f} s of call), Whisper base int8 beam 3, each configuration in a "
            f"fresh process; peak RSS {results.get('peak_rss_mb', 0):.0f} MB; model loads per process "
            f"{results.get('model_loads')}.\n\n" + "\n".join(rows))


def bench_scoring(quick: bool) -> tuple[str, list[str]]:
    from callaudit.config import Settings
    from callaudit.lakehouse.runtime import local_session
    from callaudit_testkit.bench.scoring_udf import run

    n = 2000 if quick else 10_000
    home = Path(tempfile.mkdtemp(prefix="bench_scoring_"))
    try:
        spark = local_session(Settings(home=home, cache=PROJECT_ROOT / ".cache"), app_name="bench-scoring",
                              register=False, extra_conf={"spark.python.worker.reuse": "false"})
        result = run(spark, n=n)
        single = _script(["-m", "callaudit_testkit.bench.scoring_core", "--calls", str(min(n, 2000))])
    finally:
        shutil.rmtree(home, ignore_errors=True)
    text = "\n".join(result.lines()) + "\n\nsingle-thread core (no Spark):\n" + single
    return text, [f"callaudit bench --only scoring{' --quick' if quick else ''}   # {n:,} transcripts",
                  f".venv/bin/python -m callaudit_testkit.bench.scoring_core --calls {min(n, 2000)}"], \
        scoring_summary(result)


def scoring_summary(result) -> str:
    """The scoring line of the BENCHMARKS summary: both UDFs on the same data in the same run."""
    return (f"{result.transcripts:,} synthetic transcripts (60–90 s calls, ASR-like damage), {result.partitions} "
            "partitions on local Spark, the same scorecard; the row-at-a-time UDF is the baseline.\n\n"
            "| UDF | seconds | calls/s | speed-up |\n|---|---|---|---|\n"
            f"| row-at-a-time (baseline) | {result.rowwise_seconds:.1f} | {result.rowwise_rate:,.0f} | 1.00x |\n"
            f"| pandas (`score_call`) | {result.pandas_seconds:.1f} | {result.pandas_rate:,.0f} | {result.ratio:.2f}x |"
            + _scoring_floor(result))


def _scoring_floor(result) -> str:
    share = result.scorer_share
    if share is None:
        return ""
    return (f"\n\nWithout scoring (each UDF kind only reads the transcript) Spark moves "
            f"{result.transcripts / result.pandas_floor_seconds:,.0f} calls/s through a pandas UDF and "
            f"{result.transcripts / result.rowwise_floor_seconds:,.0f} through a row-at-a-time one; the scorer is "
            f"{share:.0%} of the pandas UDF's time, and it is the same per-call Python on both paths.")


def bench_pipeline(quick: bool, calls: int | None) -> tuple[str, list[str], str]:
    from callaudit_testkit.bench.pipeline import run

    n = calls or (10_000 if quick else 100_000)
    work = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    lines: list[str] = []
    try:
        result = run(work, calls=n, progress_print=lambda s: (print(s, file=sys.stderr), lines.append(s)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(result.lines()), [f"callaudit bench --only pipeline --pipeline-calls {n}"], pipeline_summary(result)


def bench_maintenance(quick: bool) -> tuple[str, list[str]]:
    from callaudit_testkit.bench.maintenance import run

    calls, updates = (2_000, 2) if quick else (10_000, 4)
    work = Path(tempfile.mkdtemp(prefix="bench_maintenance_"))
    try:
        result = run(work, calls=calls, updates=updates, progress_print=lambda s: print(s, file=sys.stderr))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "callaudit bench --only maintenance" + (" --quick" if quick else "")
    return "\n".join(result.lines()), [f"{command}   # {calls:,} calls, {updates} small updates"]


def bench_demo() -> tuple[str, list[str], str]:
    """``callaudit demo`` as `make demo` runs it, in a fresh lakehouse and then again with nothing new."""
    from callaudit_testkit.bench.demo import run

    work = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    try:
        result = run(work / "home", say=lambda s: print(s, file=sys.stderr))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(result.lines()), ["callaudit bench --only demo"], result.summary()


def bench_latency(quick: bool, calls: int | None) -> tuple[str, list[str], str]:
    from callaudit_testkit.bench.latency import run

    n = calls or (5 if quick else 20)
    work = Path(tempfile.mkdtemp(prefix="bench_latency_"))
    try:
        result = run(work, calls=n, progress_print=lambda s: print(s, file=sys.stderr))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(result.lines()), [f"callaudit bench --only latency --latency-calls {n}"], result.summary()


def bench_satisfaction(quick: bool, calls: int | None, home: Path | None) -> tuple[str, list[str], str]:
    """The satisfaction model on held-out surveyed calls of a synthetic call centre run through the whole product
    (testkit/callaudit_testkit/bench/satisfaction.py); ``home`` reuses (or builds) that demo lakehouse."""
    from callaudit_testkit.bench import satisfaction

    n = calls or (120 if quick else 400)
    work = None if home else Path(tempfile.mkdtemp(prefix="bench_satisfaction_"))
    try:
        result, lines = satisfaction.run(home or work / "home", calls=n,
                                         say=lambda s: print(s, file=sys.stderr))
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    command = f"callaudit bench --only satisfaction --satisfaction-calls {n}"
    if home:
        rel = os.path.relpath(home, PROJECT_ROOT) if Path(home).is_absolute() else str(home)
        command += f" --satisfaction-home {rel}"
    return "\n".join(lines), [command], satisfaction.summary(result, n)


def pipeline_summary(result) -> str:
    """Summary rows of the pipeline section, from the measured runs (never typed in)."""
    full = result.by_label("full refresh").seconds
    rows = ["| run | tables refreshed | seconds | share of a full refresh | Spark start-up | graph and table set-up "
            "| flows | peak RSS (process tree) |",
            "|---|---|---|---|---|---|---|---|"]

    def phase(value: float | None, started: bool) -> str:
        return "—" if not started or value is None else f"{value:.1f} s"

    for r in result.runs:
        started = bool(r.peak_rss_bytes)
        spark = f"{r.startup_seconds:.1f} s" if started else "not started"
        rss = f"{r.peak_rss_bytes / 2**30:.2f} GiB" if started else "—"
        secs = f"{r.seconds:.3f}" if r.seconds < 1 else f"{r.seconds:.1f}"
        tables = str(r.refreshed) if r.refreshed else ("none" if not started else f"all {result.tables}")
        rows.append(f"| {r.label}{'' if r.ok else ' (FAILED)'} | {tables} | {secs} | {r.seconds / full:.1%} | {spark} | "
                    f"{phase(r.setup_seconds, started)} | {phase(r.flow_seconds, started)} | {rss} |")
    noop_run = result.by_label("no-op through Spark")
    noop = noop_run.seconds
    inc = result.by_label("incremental (+1%)").seconds
    fixed = ""
    if (before := noop_run.before_first_flow) is not None:
        fixed = (f" Before its first flow runs, an update through Spark has spent {before / full:.0%} of a full refresh "
                 f"(no-op: start-up plus spark-pipelines' graph resolution and set-up of each table, "
                 f"{noop_run.setup_seconds / max(result.tables, 1):.2f} s per table) — a cost per table, not per row.")
    return (f"{result.calls:,} calls of metadata already processed, then +{result.new_calls:,} new calls.\n\n"
            + "\n".join(rows) + f"\n\nIncremental (+1 %) minus the no-op through Spark: {(inc - noop) / full:+.1%} of a full "
            "refresh. A no-op *checked* is what `callaudit pipeline run` does when nothing changed (no Spark); the "
            "incremental and reviews-only runs are what it does when only some landing folders have new files "
            "(it refreshes the tables that read them)." + fixed)


def bench_accuracy(quick: bool, set_dir: Path, splits: list[str],
                   wer_calls: int) -> tuple[str, list[str], str]:
    """The auditor on an analysts' evaluation set, through the real product path twice (reference transcripts and
    the offline recogniser), read from the pipeline's gold ``twilio_call_audits`` (testkit/callaudit_testkit/bench/accuracy.py)."""
    from callaudit_testkit.bench import accuracy

    work = Path(tempfile.mkdtemp(prefix="bench_accuracy_"))
    results = []
    try:
        for split in splits:
            results.append(accuracy.run_split(set_dir, split, work, wer_calls=0 if quick else wer_calls,
                                              say=lambda line: print(line, file=sys.stderr)))
    finally:
        accuracy.cleanup(work)
    text = accuracy.render(results, set_dir)
    rel = os.path.relpath(set_dir, PROJECT_ROOT) if set_dir.is_absolute() else str(set_dir)
    command = f"callaudit bench --only accuracy --set {rel} --splits {','.join(splits)}"
    return text, [command + (" --quick" if quick else "")], accuracy_summary(accuracy.summary_rows(results), set_dir)


def bench_topics(quick: bool) -> tuple[str, list[str], str]:
    """Call-driver accuracy on the test split (two labelled sets the taxonomy was not written from), from the
    shipped taxonomy and model; the cross-validated figure on the training data beside it."""
    import io

    from rich.console import Console

    from callaudit.topics.classify import cached_classifier
    from callaudit.topics.evaluate import confusion_table, evaluate_drivers
    from callaudit.topics.sets import load_split

    clf = cached_classifier()
    calls = load_split("test", clf.taxonomy.keys)
    ev = evaluate_drivers(calls, clf)
    meta = clf.model.meta or {}
    buf = io.StringIO()
    out = Console(file=buf, width=150, force_terminal=False, color_system=None)
    out.print(f"taxonomy {clf.taxonomy.version}; model trained on {', '.join(meta.get('trained_on', []))} "
              f"({meta.get('calls')} calls), C={meta.get('C')}, cross-validated accuracy on them "
              f"{meta.get('cv_accuracy', {}).get(str(meta.get('C')), '—')}")
    out.print(f"test: {ev.n} calls · accuracy {ev.accuracy:.3f} (most frequent driver {ev.majority_accuracy:.3f}) · "
              f"macro-F1 {ev.macro_f1:.3f} · flagged for review {ev.review_rate:.0%} · accuracy when not flagged "
              f"{ev.accuracy_confident:.3f}")
    for src, (n, acc, maj) in ev.by_source.items():
        out.print(f"  {os.path.relpath(src.split(':')[0], PROJECT_ROOT)}: {n} calls, accuracy {acc:.3f} "
                  f"(most frequent driver {maj:.3f})")
    out.print("")
    out.print(f"{'driver':22} {'precision':>9} {'recall':>7} {'f1':>6} {'calls':>6}")
    for k in ev.drivers:
        p = ev.per_driver[k]
        cells = ["—" if p[x] is None else f"{p[x]:.2f}" for x in ("precision", "recall", "f1")]
        out.print(f"{k:22} {cells[0]:>9} {cells[1]:>7} {cells[2]:>6} {p['support']:>6}")
    out.print("")
    for row in confusion_table(ev):
        out.print(row)
    rows = ["| part of the test split | calls | accuracy | always the most frequent driver |", "|---|---|---|---|"]
    for src, (n, acc, maj) in ev.by_source.items():
        rows.append(f"| `{os.path.relpath(src.split(':')[0], PROJECT_ROOT)}` | {n} | {acc:.3f} | {maj:.3f} |")
    rows.append(f"| all | {ev.n} | {ev.accuracy:.3f} | {ev.majority_accuracy:.3f} |")
    summary = (f"Call drivers (`call_topics`) on labelled calls the taxonomy was not written from (macro-F1 "
               f"{ev.macro_f1:.3f}; {ev.review_rate:.0%} flagged for review, {ev.accuracy_confident:.3f} accurate "
               "when not flagged):\n\n" + "\n".join(rows))
    return buf.getvalue(), ["callaudit bench --only topics"], summary


def accuracy_summary(rows: list[dict], set_dir: Path) -> str:
    """The accuracy lines of the BENCHMARKS summary, written from the measured figures (never by hand)."""
    def f(v):
        return "—" if v is None else f"{v:.3f}"

    lines = ["| split | transcripts | calls | protocol macro-F1 | missed-step F1 (greeting / identification / help "
             "offer / farewell) | forbidden-word F1 (per call / per expression) | category accuracy | not "
             "determinable | call-driver accuracy |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        missed = " / ".join(f(r["missed_f1"].get(k)) for k in ("greeting", "identification", "help_offer", "farewell"))
        which = "reference (rules alone)" if r["engine"] == "reference" else "Whisper base, end to end"
        lines.append(f"| {r['split']} | {which} | {r['calls']} | {f(r['macro_f1'])} | {missed} | "
                     f"{f(r['forbidden_f1'])} / {f(r['forbidden_word_f1'])} | {f(r['category_accuracy'])} | "
                     f"{r['undetermined_calls']} | {f(r.get('driver_accuracy'))} |")
    rel = os.path.relpath(set_dir, PROJECT_ROOT) if set_dir.is_absolute() else str(set_dir)
    return (f"Auditor accuracy on `{rel}` (calls written by analysts from evaluation/CONVENTIONS.md, not from the "
            "scorecard; gold `twilio_call_audits` of two pipeline runs):\n\n" + "\n".join(lines))


def write_markdown(results: dict[str, tuple[str, list[str]]], out: Path, info: list[str],
                   summaries: dict[str, str] | None = None) -> None:
    """(Re)write the document: the sections run now from their output, the others kept as they were.

    ``summaries``: a section's generated summary (markdown written from the figures of this run), kept between
    ``<!-- {section}-summary -->`` markers near the top; a section not run keeps its previous summary."""
    summaries = summaries or {}
    titles = {
        "ingest": "Ingest throughput (emulator -> landing, metadata)",
        "transcription": "Transcription: WER per channel, real-time factor, model loads, memory",
        "scoring": "Scoring throughput: pandas UDF vs row-at-a-time UDF",
        "pipeline": "Pipeline: incremental cost at 100,000 calls, full refresh, peak memory",
        "maintenance": "Table maintenance: files left by small updates, and a run before/after `pipeline maintain`",
        "demo": "The demo: first run and a run with nothing new, wall time and peak memory",
        "accuracy": "Auditor accuracy on calls written independently of the scorecard",
        "topics": "Call drivers: accuracy on labelled calls the taxonomy was not written from",
        "latency": "Near-real-time: Twilio callback to audit in gold (webhooks + pipeline --watch)",
        "satisfaction": "Predicted satisfaction: held-out MAE and Spearman ρ vs the mean (synthetic surveys)",
    }
    existing = out.read_text() if out.exists() else ""
    parts = ["# Benchmarks", "", "Written by `callaudit bench` (`make bench`). Figures are measurements, not "
             "targets; each section says the command that produced it and the machine it ran on.", ""]
    # a hand-written summary (what the figures mean) between these markers survives regeneration
    summary = re.search(r"<!-- summary -->.*?<!-- /summary -->", existing, re.S)
    if summary:
        parts += [summary.group(0), ""]
    # generated summaries: written from the figures of the run that measured them
    summary_titles = {"accuracy": "auditor accuracy", "topics": "call drivers", "scoring": "scoring throughput",
                      "demo": "the demo", "transcription": "transcription speed and WER", "pipeline": "pipeline runs",
                      "latency": "callback-to-gold latency", "satisfaction": "predicted satisfaction"}
    for key in SECTIONS:
        kept = re.search(rf"<!-- {key}-summary -->.*?<!-- /{key}-summary -->", existing, re.S)
        if key in summaries and key in results:
            parts += [f"<!-- {key}-summary -->", f"## Summary: {summary_titles.get(key, key)} (generated)", "",
                      summaries[key], "", f"Command: `{results[key][1][0]}`", f"<!-- /{key}-summary -->", ""]
        elif kept:
            parts += [kept.group(0), ""]
    for key in SECTIONS:
        if key in results:
            text, commands = results[key]
            parts += [f"## {titles[key]}", "", "Machine:", *info, "", "Command(s):", "```",
                      *commands, "```", "", "```", _strip_ansi(text).rstrip(), "```", ""]
        else:
            match = re.search(rf"## {re.escape(titles[key])}\n.*?(?=\n## |\Z)", existing, re.S)
            if match:
                parts += [match.group(0).rstrip(), ""]
    out.write_text("\n".join(parts))


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def bench(
    only: str = typer.Option(",".join(SECTIONS), help=f"Comma-separated sections: {', '.join(SECTIONS)}."),
    quick: bool = typer.Option(False, "--quick", help="Smaller sizes (minutes, not the full figures)."),
    pipeline_calls: int = typer.Option(None, help="Calls for the pipeline benchmark (default 100,000)."),
    set_dir: Path = typer.Option(PROJECT_ROOT / "evaluation" / "es_co", "--set",
                                 help="Evaluation set for the accuracy section (a folder of split folders)."),
    splits: str = typer.Option("test", help="Comma-separated splits of --set to measure (tune on dev, report test)."),
    wer_calls: int = typer.Option(16, help="Calls decoded again outside the pipeline to compare hotword modes."),
    latency_calls: int = typer.Option(None, help="Calls completed one per second for the latency section "
                                      "(default 20)."),
    satisfaction_calls: int = typer.Option(None, help="Calls of the synthetic call centre for the satisfaction "
                                           "section (default 400; ~40 % answer a survey)."),
    satisfaction_home: Path = typer.Option(None, help="Build (or reuse, when the demo already built it with the "
                                           "same parameters) the satisfaction section's lakehouse here."),
    out: Path = typer.Option(PROJECT_ROOT / "docs" / "BENCHMARKS.md", help="Markdown file to (re)write."),
) -> None:
    """Run the benchmarks, print the figures and write them to docs/BENCHMARKS.md (sections not run are kept).

    Sections: ingest records/s (10k and 100k calls), transcription WER/RTF/model loads/memory, scoring
    throughput (pandas UDF vs row UDF on 10,000 transcripts), pipeline incremental cost and peak memory at
    100,000 calls, what small updates leave on disk and a run before/after table maintenance (10,000 calls),
    the demo's wall time and peak memory (first run, then nothing new), and the auditor's
    accuracy on an analysts' evaluation set (the test split, written apart from the scorecard) read from the
    pipeline's gold tables, with reference transcripts and end to end, and the satisfaction model's held-out
    MAE / Spearman ρ against predicting the mean on synthetic surveys. The full set takes about an hour and a
    half on 2 cores, plus the satisfaction section's synthetic call centre run through the whole product (400
    calls; reused when --satisfaction-home already holds it).

    Examples:

        callaudit bench --only scoring,ingest
        callaudit bench --only accuracy --splits dev,test
        callaudit bench --quick
    """
    wanted = [s.strip() for s in only.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        raise UserError(f"unknown section(s) {unknown}", hint=f"choose from {', '.join(SECTIONS)}", exit_code=2)
    info = machine_info()
    results: dict[str, tuple[str, list[str]]] = {}
    runners = {
        "ingest": lambda: bench_ingest(quick),
        "transcription": lambda: bench_transcription(quick),
        "scoring": lambda: bench_scoring(quick),
        "pipeline": lambda: bench_pipeline(quick, pipeline_calls),
        "maintenance": lambda: bench_maintenance(quick),
        "demo": bench_demo,
        "accuracy": lambda: bench_accuracy(quick, set_dir, [x.strip() for x in splits.split(",") if x.strip()],
                                           wer_calls),
        "topics": lambda: bench_topics(quick),
        "latency": lambda: bench_latency(quick, latency_calls),
        "satisfaction": lambda: bench_satisfaction(quick, satisfaction_calls, satisfaction_home),
    }
    failed: list[str] = []
    summaries: dict[str, str] = {}
    for key in wanted:
        typer.secho(f"== {key}", bold=True, err=True)
        started = time.perf_counter()
        try:
            measured = runners[key]()
            results[key] = measured[:2]
            if len(measured) > 2:
                summaries[key] = measured[2]
        except Exception as exc:  # one broken section must not throw away the figures of the others
            failed.append(key)
            typer.secho(f"   section {key} failed: {exc}", fg="red", err=True)
            continue
        typer.echo(_strip_ansi(results[key][0]))
        typer.secho(f"   ({time.perf_counter() - started:.0f} s)", err=True)
        # after every section: a later failure keeps what was measured
        write_markdown(results, out, info, summaries)
    typer.echo(f"written: {out}")
    if failed:
        raise UserError(f"benchmark section(s) failed: {', '.join(failed)} (the others were written to {out})",
                        hint=f"rerun only those: callaudit bench --only {','.join(failed)}")


def register(app: typer.Typer) -> None:
    app.command("bench")(user_errors(bench))
