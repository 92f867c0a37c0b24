"""Process-level cache of loaded speech models, with a load counter.

Why a module of its own: the pipeline's pandas UDF is pickled *by value* by cloudpickle, globals and all, so a
cache dict defined beside the UDF is reset in every task (the model reloaded every micro-batch). A module that the
worker *imports* lives once per Python worker process; the UDF calls :func:`get_whisper_model` and the model is
loaded once per worker and reused by every later batch. :func:`load_count` lets the pipeline report "model loads
per worker" (``os.getpid()`` identifies the worker).

No Spark imports here, and faster-whisper/ctranslate2 are imported lazily (on first load), so importing this
module is cheap.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_models: dict[tuple, Any] = {}
_loads: list[LoadRecord] = []


@dataclass(frozen=True)
class LoadRecord:
    model_dir: str
    compute_type: str
    cpu_threads: int
    num_workers: int
    seconds: float
    pid: int
    cpu_isa: str = "ctranslate2's choice"


CPU_ISA_ENV = "CT2_FORCE_CPU_ISA"
CPU_ISAS = ("GENERIC", "AVX", "AVX2", "AVX512")
# what CTranslate2's AVX-512 kernels need (its own check looks for these four)
AVX512_FLAGS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none, e.g. macOS or ARM)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return frozenset()
    for line in cpuinfo.splitlines():
        if line.startswith("flags") and ":" in line:
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def choose_cpu_isa(requested: str = "auto", flags: frozenset[str] | None = None) -> str | None:
    """The instruction set to force on CTranslate2, or None to leave its own choice.

    ``auto`` = AVX-512 where the CPU has it. CTranslate2 picks AVX2 on AMD CPUs even when they have AVX-512; forcing
    AVX-512 decodes faster there (reference/SPEECH_NOTES.md; the figures, WER included, are in docs/BENCHMARKS.md
    from ``callaudit bench --only transcription``). ``default`` = CTranslate2's choice; a name from
    :data:`CPU_ISAS` forces that one.
    """
    value = (requested or "auto").strip()
    if value.lower() == "default":
        return None
    if value.lower() == "auto":
        have = cpu_flags() if flags is None else flags
        return "AVX512" if have >= AVX512_FLAGS else None
    if value.upper() not in CPU_ISAS:
        raise ValueError(f"cpu_isa must be auto, default or one of {', '.join(CPU_ISAS)}, not {requested!r}")
    return value.upper()


def _prepare_environment(cpu_isa: str = "auto") -> str:
    """Environment for the first faster-whisper import; returns the instruction set in effect (for the record).

    CTranslate2 reads ``CT2_FORCE_CPU_ISA`` once, when it is first imported: a value set by the user wins, and
    once the library is loaded nothing here can change it.
    """
    # faster-whisper must never try the Hugging Face hub: we always pass a directory, and offline mode makes a
    # mistake fail fast instead of hanging on the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if CPU_ISA_ENV in os.environ:
        return os.environ[CPU_ISA_ENV] or "ctranslate2's choice"
    if "ctranslate2" in sys.modules:
        return "ctranslate2's choice (already loaded)"
    chosen = choose_cpu_isa(cpu_isa)
    if chosen:
        os.environ[CPU_ISA_ENV] = chosen
        return chosen
    return "ctranslate2's choice"


def get_whisper_model(
    model_dir: str | Path | None = None,
    *,
    compute_type: str = "int8",
    cpu_threads: int = 1,
    num_workers: int = 2,
    cache_dir: str | Path | None = None,
    cpu_isa: str = "auto",
):
    """A loaded ``faster_whisper.WhisperModel``, loaded at most once per process for a given configuration.

    ``model_dir`` None = the bundled Whisper base (assembled on first use into ``cache_dir`` /
    ``Settings.model_cache``). Any other value must be a CTranslate2 Whisper directory (``model.bin``,
    ``config.json``, ``tokenizer.json``...).
    """
    from callaudit.transcription.model_store import ensure_bundled_model

    if model_dir is None or str(model_dir) == "":
        directory = ensure_bundled_model(cache_dir)
    else:
        directory = Path(model_dir).expanduser().resolve()
        if not (directory / "model.bin").is_file():
            raise FileNotFoundError(
                f"{directory} is not a CTranslate2 Whisper model directory (no model.bin); leave model_dir empty "
                "to use the bundled Whisper base"
            )
    key = (str(directory), compute_type, int(cpu_threads), int(num_workers))
    model = _models.get(key)
    if model is not None:
        return model
    with _lock:
        model = _models.get(key)
        if model is None:
            isa = _prepare_environment(cpu_isa)
            from faster_whisper import WhisperModel

            started = time.perf_counter()
            model = WhisperModel(
                str(directory),
                device="cpu",
                compute_type=compute_type,
                cpu_threads=int(cpu_threads),
                num_workers=int(num_workers),
                local_files_only=True,
            )
            _loads.append(
                LoadRecord(str(directory), compute_type, int(cpu_threads), int(num_workers),
                           time.perf_counter() - started, os.getpid(), isa)
            )
            _models[key] = model
    return model


def load_count() -> int:
    """How many models this process has loaded (1 per worker is the goal)."""
    return len(_loads)


def load_records() -> list[LoadRecord]:
    return list(_loads)


def cached_models() -> int:
    return len(_models)


def clear() -> None:
    """Drop cached models (tests, memory pressure). The load counter keeps counting."""
    with _lock:
        _models.clear()
