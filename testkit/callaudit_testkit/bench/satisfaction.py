"""The satisfaction model measured honestly: a synthetic call centre whose customers answer surveys from a hidden
model of each call's ground truth, through the whole product (`callaudit demo`: audio, ingest, transcription,
audits, `call_surveys`), then `callaudit satisfaction evaluate`'s held-out split on the gold tables.

The demo is incremental, so pointing ``home`` at a lakehouse the demo already built with the same parameters
measures it without recomputing anything (and builds it from nothing otherwise): the figures are reproducible from
the command alone.
"""

from __future__ import annotations

from pathlib import Path

from callaudit.config import PROJECT_ROOT, Settings


def run(home: Path, *, calls: int, days: int = 5, seed: int = 7, say=print):
    from callaudit.satisfaction.cli import read_gold
    from callaudit.satisfaction.model import evaluate
    from callaudit_testkit.demo import run_demo

    settings = Settings(home=Path(home), cache=PROJECT_ROOT / ".cache")
    say(f"demo lakehouse {home}: {calls} calls over {days} days, seed {seed}")
    run_demo(settings, calls=calls, days=days, seed=seed, report=False, progress=False)
    audits, surveys = read_gold(settings)
    result = evaluate(audits, surveys, seed=seed)
    lines = [f"synthetic call centre: {calls} calls over {days} days (seed {seed}); audited calls {len(audits)}; "
             f"surveyed calls {len(surveys)}", *result.lines()]
    return result, lines


def summary(result, calls: int) -> str:
    """The BENCHMARKS summary, written from the measured figures (never typed in)."""
    def f(v, digits=2):
        return "—" if v is None else f"{v:.{digits}f}"

    if result.note:
        return f"Synthetic call centre of {calls} calls: {result.note}"
    return ("Predicted satisfaction (0–10) on held-out surveyed calls of the synthetic call centre "
            f"({calls} calls; surveys from a hidden model of the ground truth the predictor never sees):\n\n"
            "| held-out calls | trained on | MAE model | MAE mean baseline | Spearman ρ model | "
            f"interval coverage (nominal {100 * result.level:.0f} %) | ± |\n|---|---|---|---|---|---|---|\n"
            f"| {result.n_test} | {result.n_train} | {f(result.mae)} | {f(result.mae_baseline)} | "
            f"{f(result.spearman)} | {f(None if result.coverage is None else 100 * result.coverage, 1)} % | "
            f"{f(result.half_width)} |")
