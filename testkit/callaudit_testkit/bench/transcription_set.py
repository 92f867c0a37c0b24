#!/usr/bin/env python
"""Transcription speed and WER on an analysts' evaluation split, decoded the way the pipeline decodes it.

The 8 synthetic calls of ``callaudit_testkit.bench.transcription`` (890 reference words, no recogniser bias) are
too few to judge a WER change of 0.01: one looping window moves the customer channel by 0.05. This runs a split
of an evaluation set (calls written by analysts apart from the scorecard, evaluation/es_co/dev: 50 calls, ~57
min of audio, ~7,400 reference words) through the transcription core with the pipeline's UDF options for one
core per task (channels one after the other on one thread) and its bias (each channel its speaker's scorecard
phrases, the agent's directory name first) — the setting to tune transcription on; the test split is the one
to report (``callaudit bench --only accuracy``).

    .venv/bin/python -m callaudit_testkit.bench.transcription_set                       # evaluation/es_co/dev
    .venv/bin/python -m callaudit_testkit.bench.transcription_set --cpu-isa default     # CTranslate2's kernels
    .venv/bin/python -m callaudit_testkit.bench.transcription_set --option condition_on_previous_text=false

CTranslate2 chooses its kernels when it is first imported, so ``--cpu-isa`` applies to this process only (run
once per choice). Figures depend on the machine and its load: printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from callaudit.config import PROJECT_ROOT, load_settings


def parse_option(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` of a transcription option (callaudit/transcription/options.py) -> (key, typed value)."""
    from dataclasses import fields

    from callaudit.transcription.options import TranscriptionOptions

    key, sep, raw = text.partition("=")
    known = {f.name: f for f in fields(TranscriptionOptions)}
    if not sep or key not in known:
        raise SystemExit(f"--option {text!r}: expected KEY=VALUE with KEY one of {', '.join(sorted(known))}")
    default = getattr(TranscriptionOptions(), key)
    if isinstance(default, bool):
        if raw.lower() not in ("true", "false"):
            raise SystemExit(f"--option {key}: true or false, not {raw!r}")
        return key, raw.lower() == "true"
    if isinstance(default, int | float):
        return key, type(default)(raw)
    return key, raw


def run(split_dir: Path, cpu_isa: str, limit: int | None, log=print, extra: dict | None = None) -> dict:
    from callaudit.scoring.scorecard import recogniser_hotwords
    from callaudit.transcription import model_cache
    from callaudit.transcription.core import transcribe_recording, with_agent_name
    from callaudit_testkit.bench.accuracy import _wer_by_channel
    from callaudit_testkit.synth.evalset import generate_from_set

    data = load_settings().cache / "bench" / "transcription-set" / split_dir.name
    if not (data / "manifest.json").is_file():
        log(f"speaking {split_dir} into {data} …")
        generate_from_set(split_dir, data, progress=False, overwrite=True)
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((data / "labels").glob("*.json"))][:limit]
    options = {"num_workers": 1, "cpu_threads": 1, "parallel_channels": False, "cpu_isa": cpu_isa, **(extra or {})}
    model_cache.get_whisper_model(cpu_threads=1, num_workers=1, cpu_isa=cpu_isa)  # loaded outside the timing
    bias = recogniser_hotwords("scorecard")
    decoded, audio_s, errors = {}, 0.0, 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i, label in enumerate(labels, 1):
        t = transcribe_recording(data / "media" / f"{label['recording_sid']}.wav", call_sid=label["call_sid"],
                                 recording_sid=label["recording_sid"], agent_channel=label["agent_channel"],
                                 hotwords=with_agent_name(bias, label.get("agent_name")), options=options)
        errors += t.error is not None
        audio_s += t.duration_seconds or 0.0
        decoded[label["recording_sid"]] = t.to_dict()
        if i % 10 == 0:
            log(f"  {i}/{len(labels)} calls, {audio_s / 60:.1f} min of audio, {time.perf_counter() - wall0:.0f} s")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    shown = split_dir.relative_to(PROJECT_ROOT) if split_dir.is_relative_to(PROJECT_ROOT) else split_dir
    return {"split": str(shown), "calls": len(labels), "errors": errors, "audio_seconds": round(audio_s, 1),
            "rtf": round(wall / audio_s, 3), "cpu_rtf": round(cpu / audio_s, 3),
            "cpu_isa": sorted({r.cpu_isa for r in model_cache.load_records()}), "options": extra or {},
            "wer": _wer_by_channel(labels, decoded)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", default=str(PROJECT_ROOT / "evaluation" / "es_co" / "dev"),
                   help="an evaluation split folder (default: evaluation/es_co/dev)")
    p.add_argument("--cpu-isa", default="auto", help="CTranslate2 kernels: auto (AVX-512 where present), default, …")
    p.add_argument("--limit", type=int, default=None, help="only the first N calls")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a transcription option to try against the shipped ones, e.g. "
                        "condition_on_previous_text=false (repeatable)")
    p.add_argument("--json-out", default=None)
    a = p.parse_args(argv)
    extra = dict(parse_option(o) for o in a.option)
    r = run(Path(a.split).resolve(), a.cpu_isa, a.limit, extra=extra)
    wer = ", ".join(f"{k} {v[0]:.3f} ({v[1]} words)" for k, v in r["wer"].items())
    print(f"{r['split']}: {r['calls']} calls ({r['errors']} errors), {r['audio_seconds']:.0f} s of call, kernels "
          f"{','.join(r['cpu_isa'])}; WER {wer}; RTF {r['rtf']:.3f} per second of dual-channel call, one thread, "
          f"channels in turn (CPU {r['cpu_rtf']:.3f})"
          + (f"; options {', '.join(f'{k}={v}' for k, v in extra.items())}" if extra else ""))
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
