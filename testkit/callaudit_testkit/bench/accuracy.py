"""Auditor accuracy on an analysts' evaluation set, read from the pipeline's own gold ``twilio_call_audits``.

For one split of a set (evaluation/es_co/test by default):

1. the calls are spoken into a synthetic call centre (``callaudit_testkit.synth.evalset``: espeak-ng, telephone chain,
   Twilio resources, the set's agent directory, the analysts' marks as labels);
2. twice, into two fresh lakehouses: the local Twilio emulator serves them, ingest lands them with the real
   ``twilio`` client, ``spark-pipelines`` runs the whole pipeline —
   * with the ``reference`` engine (the calls' own text: what the rules alone do, a perfect recogniser), and
   * with the offline recogniser (Whisper base; each channel biased with its speaker's scorecard phrases, the
     agent's with their directory name too: end to end);
3. the gold audits are compared with the marks (:func:`callaudit.scoring.evaluate.evaluate_rows`): per criterion
   P/R/F1 of both classes, forbidden words per call and per expression, category accuracy and confusion, and how
   many calls the auditor sent to review as "not determinable";
4. where the split has call-driver marks (evaluation/topics/<set>_<split>.yml), the drivers of gold
   ``call_topics`` against them, per engine;
5. WER per channel of the recogniser with per-channel biasing (the pipeline's transcripts) and, on the same
   recordings decoded outside the pipeline with the pipeline's options, with no bias, one shared list and
   per-channel lists.

Nothing is re-scored outside the pipeline: the figures are what an analyst would read in gold.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from callaudit.config import PROJECT_ROOT, Settings

ENGINES = ("reference", "whisper")


@dataclass
class SplitResult:
    split: str
    calls: int
    audio_seconds: float
    evaluations: dict = field(default_factory=dict)  # engine -> Evaluation
    pipeline_seconds: dict = field(default_factory=dict)
    wer: dict = field(default_factory=dict)  # label -> {"agent": (wer, words), "customer": (wer, words)}
    wer_calls: int = 0
    drivers: dict = field(default_factory=dict)  # engine -> [(marked driver, gold driver or None)]


def driver_marks(set_dir: Path, split: str) -> dict[str, str]:
    """The QA lead's driver per call id for this split, when there are marks (else empty)."""
    import yaml

    path = PROJECT_ROOT / "evaluation" / "topics" / f"{Path(set_dir).name}_{split}.yml"
    if not path.is_file():
        return {}
    return {str(k): str(v["driver"]) for k, v in (yaml.safe_load(path.read_text(encoding="utf-8"))["calls"]).items()}


def _set_env(values: dict[str, str | None]) -> None:
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@contextmanager
def _env(**values: str | None):
    """Environment variables for the pipeline subprocesses of one run, restored afterwards."""
    old = {k: os.environ.get(k) for k in values}
    _set_env(values)
    try:
        yield
    finally:
        _set_env(old)


def _run_lakehouse(data: Path, home: Path, engine: str, say: Callable[[str], None]) -> float:
    """Emulator -> ingest -> pipeline into ``home`` with one transcription engine; returns the seconds taken."""
    from callaudit.lakehouse.runner import run_pipeline
    from callaudit.twilio.ingest import run_ingest
    from callaudit_testkit.twilio.emulator import serve_emulator

    home.mkdir(parents=True, exist_ok=True)
    link = home / "twilio_data"
    if not link.exists():
        link.symlink_to(data, target_is_directory=True)
    settings = Settings(home=home, cache=PROJECT_ROOT / ".cache", transcription_engine=engine)
    started = time.perf_counter()
    with _env(CALLAUDIT_REFERENCE_DIR=str(data / "reference") if engine == "reference" else None,
              CALLAUDIT_HOTWORDS="scorecard"):
        with serve_emulator(data) as emulator:
            run_ingest(settings, base_url=emulator.url, progress=False)
        run = run_pipeline(settings, progress=False)
    if not run.ok:
        raise RuntimeError(f"pipeline with engine {engine} did not complete: {run.errors[:1]} (log {run.log_path})")
    seconds = time.perf_counter() - started
    say(f"  {engine}: emulator -> ingest -> pipeline in {seconds:.0f} s")
    return seconds


def _rows(spark, home: Path, table: str) -> list[dict]:
    settings = Settings(home=home, cache=PROJECT_ROOT / ".cache")
    df = spark.read.format("delta").load(str(settings.table_path(table)))
    return [r.asDict(recursive=True) for r in df.collect()]


def _channel_texts(segments: list[dict], speaker: str) -> str:
    return " ".join(s["text"] for s in sorted(segments, key=lambda s: s["start"]) if s["speaker"] == speaker)


def _wer_by_channel(labels: list[dict], transcripts: dict[str, dict]) -> dict[str, tuple[float, int]]:
    from callaudit_testkit.wer import WerResult, word_errors

    pooled = {"agent": WerResult(0, 0, 0, 0, 0), "customer": WerResult(0, 0, 0, 0, 0)}
    for label in labels:
        t = transcripts.get(label["recording_sid"])
        if t is None:
            continue
        for speaker in pooled:
            ref = _channel_texts(label["turns"], speaker)
            hyp = _channel_texts(t.get("segments") or [], speaker)
            pooled[speaker] = pooled[speaker] + word_errors(ref, hyp)
    return {k: (round(v.wer, 3), v.reference_words) for k, v in pooled.items()}


def _decode_outside(data: Path, labels: list[dict], mode: str) -> dict[str, dict]:
    """The recordings decoded by the transcription core (same options as the pipeline's UDF) with one hotword
    mode — to compare biasing modes on the same audio."""
    from callaudit.scoring.scorecard import recogniser_hotwords
    from callaudit.transcription.core import transcribe_recording, with_agent_name

    options = {"num_workers": 1, "cpu_threads": 1, "parallel_channels": False}
    bias = recogniser_hotwords(mode)
    out = {}
    for label in labels:
        t = transcribe_recording(data / "media" / f"{label['recording_sid']}.wav", call_sid=label["call_sid"],
                                 recording_sid=label["recording_sid"], agent_channel=label["agent_channel"],
                                 hotwords=with_agent_name(bias, label.get("agent_name")), options=options)
        out[label["recording_sid"]] = t.to_dict()
    return out


def run_split(set_dir: Path, split: str, work: Path, *, wer_calls: int = 16,
              say: Callable[[str], None] = print) -> SplitResult:
    from callaudit.lakehouse.runtime import local_session
    from callaudit.scoring import cached_scorecard
    from callaudit.scoring.evaluate import evaluate_rows
    from callaudit_testkit.synth.evalset import generate_from_set

    data = work / split / "twilio_data"
    started = time.perf_counter()
    summary = generate_from_set(set_dir / split, data, progress=False)
    say(f"{split}: {summary.calls} calls spoken ({summary.audio_seconds / 60:.1f} min of audio) in "
        f"{time.perf_counter() - started:.0f} s")
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((data / "labels").glob("*.json"))]
    result = SplitResult(split, summary.calls, summary.audio_seconds)
    for engine in ENGINES:
        result.pipeline_seconds[engine] = _run_lakehouse(data, work / split / engine, engine, say)
    spark = local_session(Settings(home=work / split / "reference", cache=PROJECT_ROOT / ".cache"),
                          app_name="bench-accuracy", register=False)
    card = cached_scorecard()
    for engine in ENGINES:
        rows = _rows(spark, work / split / engine, "twilio_call_audits")
        result.evaluations[engine] = evaluate_rows(labels, rows, card)
    marks = driver_marks(set_dir, split)
    if marks:
        for engine in ENGINES:
            gold = {r["call_sid"]: r["driver"] for r in _rows(spark, work / split / engine, "call_topics")}
            result.drivers[engine] = [(marks[lab["eval_id"]], gold.get(lab["call_sid"])) for lab in labels
                                      if lab.get("eval_id") in marks]
    pipeline_transcripts = {r["recording_sid"]: r["transcript"]
                            for r in _rows(spark, work / split / "whisper", "silver_transcriptions")}
    result.wer["pipeline, per-channel hotwords (all calls)"] = _wer_by_channel(labels, pipeline_transcripts)
    if wer_calls:
        subset = labels[:wer_calls]
        result.wer_calls = len(subset)
        for mode, name in (("none", "no bias"), ("shared", "one shared list on both channels"),
                           ("scorecard", "per-channel lists + the agent's name (the default)")):
            t0 = time.perf_counter()
            decoded = _decode_outside(data, subset, mode)
            result.wer[f"{name} ({len(subset)} calls)"] = _wer_by_channel(subset, decoded)
            say(f"  WER with hotwords={mode}: {time.perf_counter() - t0:.0f} s")
    return result


def render(results: list[SplitResult], set_dir: Path) -> str:
    from rich.console import Console

    from callaudit.scoring.evaluate import render as render_eval

    buf = io.StringIO()
    console = Console(file=buf, width=150, force_terminal=False, color_system=None)
    for r in results:
        where = os.path.relpath(set_dir, PROJECT_ROOT) if Path(set_dir).is_absolute() else set_dir
        console.print(f"### split {r.split}: {r.calls} calls of {where}, {r.audio_seconds / 60:.1f} min of audio")
        for engine in ENGINES:
            ev = r.evaluations[engine]
            title = ("reference transcripts (engine=reference: the rules alone)" if engine == "reference"
                     else "end to end (Whisper base, per-channel hotwords)")
            console.print(f"\n-- {title}; pipeline {r.pipeline_seconds[engine]:.0f} s")
            render_eval(ev, console, max_mismatches=12)
            pairs = r.drivers.get(engine)
            if pairs:
                right = sum(a == b for a, b in pairs)
                console.print(f"call drivers (gold call_topics vs the QA lead's marks): {right}/{len(pairs)} = "
                              f"{right / len(pairs):.3f}; always the most frequent driver: {_majority(pairs):.3f}")
        console.print("\nWER per channel (pooled over calls; words = reference words)")
        for name, values in r.wer.items():
            console.print(f"  {name}: agent {values['agent'][0]:.3f} ({values['agent'][1]} words), "
                          f"customer {values['customer'][0]:.3f} ({values['customer'][1]} words)")
    return buf.getvalue()


def _majority(pairs: list[tuple[str, str | None]]) -> float:
    from collections import Counter

    return Counter(a for a, _ in pairs).most_common(1)[0][1] / len(pairs) if pairs else 0.0


def summary_rows(results: list[SplitResult]) -> list[dict]:
    """The figures the BENCHMARKS summary quotes, taken from the evaluations (never typed in)."""
    rows = []
    for r in results:
        for engine in ENGINES:
            ev = r.evaluations[engine]
            missed = {k: b.inverted().f1 for k, b in ev.criteria.items()}
            rows.append({
                "split": r.split, "engine": engine, "calls": ev.calls, "macro_f1": ev.protocol_macro_f1,
                "missed_f1": missed, "forbidden_f1": ev.forbidden_per_call.f1,
                "forbidden_word_f1": ev.forbidden_per_word.f1, "category_accuracy": ev.category_accuracy,
                "undetermined_calls": ev.undetermined_calls, "sentiment_accuracy": ev.sentiment_accuracy,
                "driver_accuracy": (sum(a == b for a, b in r.drivers[engine]) / len(r.drivers[engine])
                                    if r.drivers.get(engine) else None),
            })
    return rows


def cleanup(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
