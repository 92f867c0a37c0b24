#!/usr/bin/env python
"""Transcription benchmark: word error rate per channel and real-time factor, on synthetic and human speech.

(a) synthetic calls from ``callaudit_testkit.synth.generate_call_centre`` (espeak-ng dialogues, Twilio dual-channel 8 kHz
    PCM16), reference = the label's turn texts per channel -> WER for the agent and the customer channel, RTF per
    second of call (both channels), PII outcome after redaction of the ASR output;
(b) real human Spanish: Debian's ``asterisk-core-sounds-es-wav`` (8 kHz es-MX IVR prompts, CC-BY-SA-3.0) with the
    transcripts of ``asterisk-core-sounds-es``, fetched with ``apt-get download`` + ``dpkg-deb -x`` into the cache
    (nothing installed); skipped with a message when apt is not available.

WER: normalised text (lower case, no accents/punctuation, numbers as digits; see callaudit_testkit.wer),
word-level Levenshtein, pooled over utterances (sum of errors / sum of reference words). RTF = processing seconds /
audio seconds, model load excluded (reported separately); CPU RTF = process CPU seconds (all threads) / audio
seconds, which other load on the machine inflates much less (on an idle 2-core machine wall RTF ≈ CPU RTF / 2 when
both channels decode in parallel). Figures depend on the machine and its load: printed, never asserted.

    .venv/bin/python -m callaudit_testkit.bench.transcription                      # 6 synthetic calls + ~120 s of human speech
    .venv/bin/python -m callaudit_testkit.bench.transcription --calls 3 --no-human
    .venv/bin/python -m callaudit_testkit.bench.transcription --configs default,beam5,sequential-beam5 --determinism
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from callaudit.config import load_settings  # noqa: E402
from callaudit.transcript import Transcript  # noqa: E402
from callaudit.transcription import model_cache, redact_transcript, transcribe_recording  # noqa: E402
from callaudit.transcription.numbers_es import spoken_to_digits, strip_accents  # noqa: E402
from callaudit.transcription.options import TranscriptionOptions  # noqa: E402
from callaudit_testkit.wer import WerResult, word_errors  # noqa: E402

CONFIGS = {
    # the shipped default: beam 3, one model with 2 CTranslate2 workers x 1 thread, the two channels in parallel,
    # CTranslate2 forced to AVX-512 where the CPU has it
    "default": TranscriptionOptions(),
    # the default before AVX-512 was forced: CTranslate2's own choice of kernels (AVX2 on AMD CPUs)
    "baseline": TranscriptionOptions(cpu_isa="default"),
    "beam1": TranscriptionOptions(beam_size=1),
    "beam2": TranscriptionOptions(beam_size=2),
    "beam5": TranscriptionOptions(beam_size=5),
    "vad-500ms": TranscriptionOptions(vad_min_silence_ms=500),
    "vad-1000ms": TranscriptionOptions(vad_min_silence_ms=1000),
    "no-language-check": TranscriptionOptions(language_check=False),
    # each 30 s window decoded without the previous window's text as its prompt (Whisper's loop trigger)
    "no-condition": TranscriptionOptions(condition_on_previous_text=False),
    # the pipeline's shape on 2 cores: two Spark tasks, each a call at a time with its channels one after the
    # other on one thread (udfs/transcribe.py's budget for spark.task.cpus=1) -> throughput, not latency
    "pipeline": TranscriptionOptions(num_workers=2, cpu_threads=1, parallel_channels=False),
    "pipeline-baseline": TranscriptionOptions(num_workers=2, cpu_threads=1, parallel_channels=False,
                                              cpu_isa="default"),
    # the notes' baseline: one channel after the other, beam 5, 2 threads
    "sequential-beam5": TranscriptionOptions(beam_size=5, num_workers=1, cpu_threads=2, parallel_channels=False),
    "fallback": TranscriptionOptions(temperature_fallback=True),  # Whisper's sampling fallback (not reproducible)
}
CONCURRENT_CALLS = {"pipeline": 2, "pipeline-baseline": 2}  # calls decoded at once (default 1)
HUMAN_PACKAGES = ("asterisk-core-sounds-es-wav", "asterisk-core-sounds-es")
ZERO = WerResult(0, 0, 0, 0, 0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# ---- (a) synthetic calls --------------------------------------------------------------------------------------
def synth_calls(cache: Path, calls: int, seed: int, log) -> list[tuple[Path, dict]]:
    """(wav, label) pairs from the synthetic call centre, generated once per (calls, seed) into the cache."""
    from callaudit_testkit.synth import generate_call_centre

    out = cache / f"synth-c{calls}-s{seed}"
    if not (out / "manifest.json").is_file():
        log(f"generating {calls} synthetic calls (seed {seed}) into {out} …")
        t = time.perf_counter()
        generate_call_centre(out, calls=calls, days=1, seed=seed, audio=True, progress=False)
        log(f"  done in {time.perf_counter() - t:.0f} s")
    pairs = []
    for label_path in sorted((out / "labels").glob("*.json")):
        label = json.loads(label_path.read_text())
        wav = out / "media" / f"{label['recording_sid']}.wav"
        if wav.is_file():
            pairs.append((wav, label))
    return pairs


def channel_reference(label: dict, channel: int | None) -> str:
    turns = sorted(label["turns"], key=lambda t: t["start"])
    return " ".join(t["text"] for t in turns if channel is None or t["channel"] == channel)


def channel_hypothesis(t: Transcript, channel: int | None) -> str:
    return " ".join(s.text for s in sorted(t.segments, key=lambda s: s.start) if channel is None or s.channel == channel)


def pii_outcome(label: dict, redacted: Transcript) -> dict:
    """Per PII item spoken in the call, judged on the redacted ASR output of the turn that carried it:
    caught (a placeholder in the speaker's segments overlapping that turn), typed right, leaked (5+ consecutive
    digits of the value, or the e-mail's local part, still readable)."""
    out = {"items": 0, "caught": 0, "typed": 0, "leaks": 0}
    for item in label.get("pii", []):
        turn = next((t for t in label["turns"] if item["spoken"] in t["text"]), None)
        if turn is None:
            continue
        out["items"] += 1
        segs = [s for s in redacted.segments if s.start < turn["end"] + 0.5 and s.end > turn["start"] - 0.5
                and (s.channel == turn["channel"] or s.channel is None)]
        text = " ".join(s.text for s in segs)
        out["caught"] += "[" in text
        out["typed"] += f"[{item['type']}]" in text
        if item["type"] == "EMAIL":
            flat = "".join(ch for ch in strip_accents(text.lower()) if ch.isalnum())
            local = "".join(ch for ch in item["value"].split("@")[0] if ch.isalnum())
            out["leaks"] += local in flat
        else:
            digits = "".join(ch for ch in spoken_to_digits(text) if ch.isdigit())
            value = item["value"]
            out["leaks"] += any(value[k : k + 5] in digits for k in range(len(value) - 4))
    return out


def bench_synthetic(pairs, options: TranscriptionOptions, log, concurrent_calls: int = 1) -> dict:
    """WER per channel and RTF. ``concurrent_calls`` > 1 decodes that many calls at once (as the pipeline's Spark
    tasks do) and the RTF is then the batch's wall time over its audio (throughput), not a per-call latency."""
    from concurrent.futures import ThreadPoolExecutor

    per_role = {"agent": ZERO, "customer": ZERO, "mono": ZERO}
    audio_s = proc_s = 0.0
    pii = {"items": 0, "caught": 0, "typed": 0, "leaks": 0}
    rows = []

    def one(pair):
        wav, label = pair
        return transcribe_recording(wav, call_sid=label["call_sid"], recording_sid=label["recording_sid"],
                                    agent_channel=label.get("agent_channel"), options=options)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    if concurrent_calls > 1:
        with ThreadPoolExecutor(concurrent_calls, thread_name_prefix="bench-call") as pool:
            done = list(pool.map(one, pairs))
    else:
        done = [one(p) for p in pairs]
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    for i, ((wav, label), t) in enumerate(zip(pairs, done, strict=True), 1):
        if t.error:
            log(f"  {wav.name}: ERROR {t.error}")
            continue
        audio_s += t.duration_seconds
        proc_s += t.processing_seconds
        row = {"recording": wav.stem, "scenario": label.get("scenario"), "seconds": t.duration_seconds,
               "rtf": t.processing_seconds / t.duration_seconds, "confidence": t.confidence}
        if t.channels == 2 and label.get("agent_channel"):
            for role in ("agent", "customer"):
                ch = label["agent_channel"] if role == "agent" else 3 - label["agent_channel"]
                r = word_errors(channel_reference(label, ch), channel_hypothesis(t, ch))
                per_role[role] = per_role[role] + r
                row[f"wer_{role}"] = r.wer
        else:
            r = word_errors(channel_reference(label, None), channel_hypothesis(t, None))
            per_role["mono"] = per_role["mono"] + r
            row["wer_mono"] = r.wer
        for k, v in pii_outcome(label, redact_transcript(t)).items():
            pii[k] += v
        rows.append(row)
        wers = " ".join(f"{k[4:]} {v:.2f}" for k, v in row.items() if k.startswith("wer_"))
        log(f"  [{i}/{len(pairs)}] {wav.stem[:10]}… {row['scenario'] or '':<16} {t.duration_seconds:5.1f} s  "
            f"RTF {row['rtf']:.3f}  WER {wers}  conf {t.confidence or 0:.2f}")
    busy = wall_s if concurrent_calls > 1 else proc_s
    return {
        "calls": len(rows),
        "concurrent_calls": concurrent_calls,
        "audio_seconds": round(audio_s, 1),
        "rtf": round(busy / audio_s, 4) if audio_s else None,
        "cpu_rtf": round(cpu_s / audio_s, 4) if audio_s else None,
        "wer": {k: round(v.wer, 4) for k, v in per_role.items() if v.reference_words},
        "reference_words": {k: v.reference_words for k, v in per_role.items() if v.reference_words},
        "pii": pii,
        "rows": rows,
    }


# ---- (b) human speech -----------------------------------------------------------------------------------------
def human_clips(cache: Path, target_seconds: float, log) -> list[tuple[Path, str]] | None:
    from callaudit.transcription.audio import read_wav

    root = cache / "asterisk-es"
    sounds = root / "usr/share/asterisk/sounds/es_MX_f_Allison"
    index = root / "usr/share/doc/asterisk-core-sounds-es/core-sounds-es.txt.gz"
    if not (sounds.is_dir() and index.is_file()):
        if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
            log("SKIPPED human speech: apt-get/dpkg-deb not available (needs Debian/Ubuntu with the Debian "
                f"archive configured for {', '.join(HUMAN_PACKAGES)})")
            return None
        debs = cache / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        log(f"fetching {', '.join(HUMAN_PACKAGES)} with apt-get download (no install) …")
        done = subprocess.run(["apt-get", "download", *HUMAN_PACKAGES], cwd=debs, capture_output=True, text=True)
        packages = sorted(debs.glob("asterisk-core-sounds-es*.deb"))
        if done.returncode != 0 or len(packages) < 2:
            log(f"SKIPPED human speech: apt-get download failed: {done.stderr.strip()[-300:]}")
            return None
        for deb in packages:
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    import gzip

    transcripts = {}
    with gzip.open(index, "rt", encoding="utf-8", errors="replace") as fh:
        lines = fh.readlines()
    for line in lines:
        if ":" in line and not line.startswith(";"):
            name, text = line.split(":", 1)
            text = text.strip()
            if text and "[" not in text and len(text.split()) >= 4:
                transcripts[name.strip()] = text
    clips, total = [], 0.0
    for name in sorted(transcripts):
        wav = sounds / f"{name}.wav"
        if not wav.is_file():
            continue
        seconds = read_wav(wav).duration
        if not 2.0 <= seconds <= 15.0:
            continue
        clips.append((wav, transcripts[name]))
        total += seconds
        if total >= target_seconds:
            break
    return clips


def bench_human(clips, options: TranscriptionOptions, log) -> dict:
    total = ZERO
    audio_s = proc_s = 0.0
    worst = []
    cpu_s = 0.0
    for wav, reference in clips:
        cpu0 = time.process_time()
        t = transcribe_recording(wav, options=options)
        cpu_s += time.process_time() - cpu0
        if t.error:
            log(f"  {wav.name}: ERROR {t.error}")
            continue
        r = word_errors(reference, channel_hypothesis(t, None))
        total = total + r
        audio_s += t.duration_seconds
        proc_s += t.processing_seconds
        worst.append((r.wer, wav.stem, reference, channel_hypothesis(t, None)))
    worst.sort(reverse=True)
    for w, name, ref, hyp in worst[:3]:
        log(f"  worst: {name} WER {w:.2f}\n    ref: {ref}\n    hyp: {hyp}")
    return {"clips": len(worst), "audio_seconds": round(audio_s, 1), "wer": round(total.wer, 4),
            "reference_words": total.reference_words, "rtf": round(proc_s / audio_s, 4) if audio_s else None,
            "cpu_rtf": round(cpu_s / audio_s, 4) if audio_s else None}


# ---- determinism ------------------------------------------------------------------------------------------------
def determinism(wavs: list[Path], options: TranscriptionOptions) -> dict:
    """Transcribe each file twice in this process; count files whose transcripts differ (timing excluded)."""
    differ = 0
    for wav in wavs:
        a, b = (transcribe_recording(wav, options=options).to_dict() for _ in range(2))
        a.pop("processing_seconds")
        b.pop("processing_seconds")
        differ += a != b
    return {"files": len(wavs), "differing": differ}


# ---- driver -------------------------------------------------------------------------------------------------------
def cpu_times() -> dict[str, float]:
    """Machine-wide CPU seconds by kind from /proc/stat (busy, idle, steal); empty where there is none."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return {}
    ticks = [int(x) for x in fields] + [0] * 10
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return {"busy": (sum(ticks[:3]) + sum(ticks[5:7])) / hz, "idle": (ticks[3] + ticks[4]) / hz,
            "steal": ticks[7] / hz}


def run_isolated(calls: int = 6, seed: int = 7, human_seconds: float = 120.0,
                 configs: tuple[str, ...] = ("default",), synthetic: bool = True, human: bool = True,
                 check_determinism: bool = False, cache_dir: str | Path | None = None, log=print) -> dict:
    """Each configuration in a fresh Python process, one after the other, on the same audio.

    Why: CTranslate2 chooses its CPU kernels (AVX2 / AVX-512) once, when it is imported, so a configuration that
    differs in ``cpu_isa`` cannot share a process with another; fresh processes also keep one configuration's
    memory and caches out of the next one's figures. The audio is generated/fetched once into the cache first.
    """
    import tempfile

    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        raise SystemExit(f"unknown config(s) {unknown}; choose from {sorted(CONFIGS)}")
    cache = Path(cache_dir) if cache_dir else load_settings().cache / "bench" / "transcription"
    cache.mkdir(parents=True, exist_ok=True)
    if synthetic:
        synth_calls(cache, calls, seed, log)
    if human:
        human_clips(cache, human_seconds, log)
    merged: dict = {"machine": {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()[0]}, "configs": {},
                    "processes": {}}
    for name in configs:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            cmd = [sys.executable, "-m", "callaudit_testkit.bench.transcription", "--single-process",
                   "--configs", name, "--calls", str(calls), "--seed", str(seed),
                   "--human-seconds", str(human_seconds), "--cache-dir", str(cache), "--json-out", str(out),
                   "--quiet-summary"]
            cmd += [flag for flag, on in (("--no-synthetic", not synthetic), ("--no-human", not human),
                                          ("--determinism", check_determinism)) if on]
            env = {k: v for k, v in os.environ.items() if k != "CT2_FORCE_CPU_ISA"}
            before, started = cpu_times(), time.perf_counter()
            proc = subprocess.run(cmd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            after, wall = cpu_times(), time.perf_counter() - started
            for line in proc.stdout.splitlines():
                log(line)
            if proc.returncode != 0:
                raise SystemExit(f"configuration {name} failed (exit {proc.returncode})")
            child = json.loads(out.read_text())
        merged["configs"][name] = child["configs"][name]
        merged["processes"][name] = {k: child[k] for k in ("model_load_seconds", "model_loads", "model_loads_detail",
                                                          "peak_rss_mb", "cpu_isa")}
        # what else the machine did meanwhile: CPU time stolen by the hypervisor and the whole machine's busy cores
        if before and after and wall > 0:
            merged["processes"][name]["steal_share"] = round((after["steal"] - before["steal"]) / wall, 3)
            merged["processes"][name]["machine_busy_cores"] = round((after["busy"] - before["busy"]) / wall, 2)
        if child.get("human") == "skipped":
            merged["human"] = "skipped"
    merged["machine"]["load_avg_end"] = os.getloadavg()[0]
    first = next(iter(merged["processes"].values()))
    merged.update({k: first[k] for k in ("model_load_seconds", "model_loads", "model_loads_detail")})
    merged["peak_rss_mb"] = max(p["peak_rss_mb"] for p in merged["processes"].values())
    return merged


def run(calls: int = 6, seed: int = 7, human_seconds: float = 120.0, configs: tuple[str, ...] = ("default",),
        synthetic: bool = True, human: bool = True, check_determinism: bool = False,
        cache_dir: str | Path | None = None, log=print) -> dict:
    cache = Path(cache_dir) if cache_dir else load_settings().cache / "bench" / "transcription"
    cache.mkdir(parents=True, exist_ok=True)
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        raise SystemExit(f"unknown config(s) {unknown}; choose from {sorted(CONFIGS)}")
    isas = {CONFIGS[c].cpu_isa for c in configs}
    if len(isas) > 1:
        raise SystemExit(f"configurations {list(configs)} need different CPU kernels ({sorted(isas)}): CTranslate2 "
                         "picks them once per process — run them isolated (the default without --single-process)")
    results: dict = {"machine": {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()[0]}, "configs": {}}
    pairs = synth_calls(cache, calls, seed, log) if synthetic else []
    clips = human_clips(cache, human_seconds, log) if human else None
    if human and clips is None:
        results["human"] = "skipped"

    started = time.perf_counter()
    first = CONFIGS[configs[0]]
    model_cache.get_whisper_model(compute_type=first.compute_type, cpu_threads=first.cpu_threads,
                                  num_workers=first.num_workers, cpu_isa=first.cpu_isa)  # outside the timed runs
    results["model_load_seconds"] = round(time.perf_counter() - started, 2)

    for name in configs:
        options = CONFIGS[name]
        log(f"\n== config {name}: {options.beam_size=}, {options.num_workers=}, {options.cpu_threads=}, "
            f"{options.parallel_channels=}, {options.temperature_fallback=}")
        model_cache.get_whisper_model(compute_type=options.compute_type, cpu_threads=options.cpu_threads,
                                      num_workers=options.num_workers, cpu_isa=options.cpu_isa)  # warm, not timed
        entry: dict = {}
        if pairs:
            log(f"-- synthetic calls ({len(pairs)})")
            entry["synthetic"] = bench_synthetic(pairs, options, log, CONCURRENT_CALLS.get(name, 1))
        if clips:
            log(f"-- human es-MX prompts ({len(clips)} clips)")
            entry["human"] = bench_human(clips, options, log)
        if check_determinism and pairs:
            entry["determinism"] = determinism([w for w, _ in pairs[:3]], replace(options))
        results["configs"][name] = entry
    results["model_loads"] = model_cache.load_count()
    results["model_loads_detail"] = [(r.cpu_threads, r.num_workers, round(r.seconds, 2)) for r in model_cache.load_records()]
    results["cpu_isa"] = sorted({r.cpu_isa for r in model_cache.load_records()})
    results["peak_rss_mb"] = round(peak_rss_mb(), 0)
    results["machine"]["load_avg_end"] = os.getloadavg()[0]
    return results


def print_summary(results: dict, log=print) -> None:
    log("\n================ summary ================")
    log(f"machine: {results['machine']['cpus']} CPUs, load average {results['machine']['load_avg_start']:.1f} -> "
        f"{results['machine']['load_avg_end']:.1f} (other work on the machine inflates RTF)")
    log(f"model: load {results['model_load_seconds']} s (first load, incl. assembly check); loads in this process: "
        f"{results['model_loads']} (one per distinct thread configuration) {results['model_loads_detail']}")
    log(f"peak RSS: {results['peak_rss_mb']:.0f} MB")
    for name, entry in results["configs"].items():
        s, h = entry.get("synthetic"), entry.get("human")
        if s:
            wer = ", ".join(f"{k} {v:.3f} ({s['reference_words'][k]} words)" for k, v in s["wer"].items())
            at_once = s.get("concurrent_calls", 1)
            log(f"[{name}] synthetic: {s['calls']} calls ({at_once} at a time), {s['audio_seconds']} s of call; "
                f"WER {wer}; RTF {s['rtf']:.3f} per second of call (CPU {s['cpu_rtf']:.3f} CPU-s/s); PII read aloud: "
                f"{s['pii']['caught']}/{s['pii']['items']} caught by a placeholder, {s['pii']['typed']} typed "
                f"right, {s['pii']['leaks']} with 5+ digits still readable")
        if h:
            log(f"[{name}] human es-MX: {h['clips']} clips, {h['audio_seconds']} s; WER {h['wer']:.3f} "
                f"({h['reference_words']} words); RTF {h['rtf']:.3f} (CPU {h['cpu_rtf']:.3f} CPU-s/s)")
        if "determinism" in entry:
            d = entry["determinism"]
            log(f"[{name}] determinism: {d['differing']}/{d['files']} files differ between two runs in one process")
    if results.get("human") == "skipped":
        log("human speech: skipped (see message above)")
    for line in comparison_lines(results):
        log(line)


def comparison_lines(results: dict) -> list[str]:
    """Each configuration beside its baseline measured in the same run: RTF ratio and WER difference per channel
    (``pipeline`` against ``pipeline-baseline``, everything else against ``baseline``)."""
    out: list[str] = []
    for against, members in (("baseline", lambda n: not n.startswith("pipeline")),
                             ("pipeline-baseline", lambda n: n.startswith("pipeline"))):
        out += _compare(results, against, members)
    return out


def _compare(results: dict, against: str, members) -> list[str]:
    base = results["configs"].get(against, {}).get("synthetic")
    if not base:
        return []
    isa = results.get("processes", {})
    lines = [f"\ncompared with '{against}' in the same run (RTF per second of dual-channel call; WER per channel; "
             "busy = the whole machine's busy cores while the configuration ran, steal = CPU taken by the host):",
             f"{'config':<20} {'CPU kernels':<22} {'RTF':>6} {'speed-up':>9} {'WER agent':>10} {'Δ':>7} "
             f"{'WER customer':>13} {'Δ':>7} {'busy':>5} {'steal':>6}"]
    for name, entry in results["configs"].items():
        s = entry.get("synthetic")
        if not s or not members(name):
            continue
        kernels = ",".join(isa.get(name, {}).get("cpu_isa", [])) or "-"
        wa, wc = s["wer"].get("agent"), s["wer"].get("customer")
        ba, bc = base["wer"].get("agent"), base["wer"].get("customer")
        proc = isa.get(name, {})
        busy = f"{proc['machine_busy_cores']:5.2f}" if "machine_busy_cores" in proc else "    -"
        steal = f"{proc['steal_share']:6.1%}" if "steal_share" in proc else "     -"
        lines.append(f"{name:<20} {kernels:<22} {s['rtf']:6.3f} {base['rtf'] / s['rtf']:8.2f}x "
                     f"{wa or 0:10.3f} {(wa or 0) - (ba or 0):+7.3f} {wc or 0:13.3f} {(wc or 0) - (bc or 0):+7.3f} "
                     f"{busy} {steal}")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=6, help="synthetic calls to generate (some have no recording)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--human-seconds", type=float, default=120.0, help="seconds of human speech to use")
    p.add_argument("--configs", default="default", help=f"comma-separated, from {', '.join(CONFIGS)}")
    p.add_argument("--no-synthetic", action="store_true")
    p.add_argument("--no-human", action="store_true")
    p.add_argument("--determinism", action="store_true", help="transcribe 3 calls twice per config and compare")
    p.add_argument("--cache-dir", default=None, help="default: <CALLAUDIT_CACHE>/bench/transcription")
    p.add_argument("--json-out", default=None, help="also write the results as JSON here")
    p.add_argument("--single-process", action="store_true",
                   help="run every configuration in this process (they must share CPU kernels); default: one "
                        "fresh process per configuration")
    p.add_argument("--quiet-summary", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    runner = run if a.single_process else run_isolated
    results = runner(calls=a.calls, seed=a.seed, human_seconds=a.human_seconds,
                  configs=tuple(c.strip() for c in a.configs.split(",") if c.strip()),
                  synthetic=not a.no_synthetic, human=not a.no_human, check_determinism=a.determinism,
                  cache_dir=a.cache_dir)
    if not a.quiet_summary:
        print_summary(results)
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
