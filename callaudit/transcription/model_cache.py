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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_models: dict[tuple, Any] = {}
_loads: list[LoadRecord] = []
_kept = threading.local()  # per decoding thread: where keep_first_window() collects


@contextmanager
def keep_first_window():
    """Within this block, the first 30-second window the model encodes *in this thread* is kept in the yielded
    list (CTranslate2 encoder output). The language check reads it instead of encoding a window of its own: with
    VAD on it is the first 30 s of the channel's speech — what the check wants — and one encoder pass is most of a
    language-ID pass's cost. Threads decoding other channels keep their own windows."""
    box: list = []
    previous = getattr(_kept, "box", None)
    _kept.box = box
    try:
        yield box
    finally:
        _kept.box = previous


# New tokens per 30-s window: OpenAI Whisper's own limit (DecodingOptions.sample_len = n_text_ctx // 2 = 224).
# faster-whisper lets a window run to the 448-token context, prompt included; speech stays well below 224 (the
# densest window of the transcription bench's synthetic calls: 152), but a window caught in a repetition loop runs
# on to the end of the context before the loop rescue can see it.
WINDOW_TOKENS = 224


_model_cls = None  # built by _model_class()


def _model_class():
    """``faster_whisper.WhisperModel`` as callaudit decodes with it (built on first use: faster-whisper is imported
    lazily): ``encode`` also hands its first output to :func:`keep_first_window`, and each window's new tokens
    are capped at :data:`WINDOW_TOKENS`, within what the window's prompt (hotwords, previous text) leaves of the
    context — a fixed ``max_new_tokens`` would not fit a long prompt, and faster-whisper refuses that."""
    global _model_cls
    if _model_cls is None:
        from dataclasses import replace

        from faster_whisper import WhisperModel

        class CallauditWhisperModel(WhisperModel):
            def encode(self, features):
                out = super().encode(features)
                box = getattr(_kept, "box", None)
                if box is not None and not box:
                    box.append(out)
                return out

            def get_prompt(self, tokenizer, previous_tokens, without_timestamps=False, prefix=None, hotwords=None):
                # faster-whisper gives the hotwords and the previous window's text 223 tokens each, so with a long
                # hotword list the two overflow the 448-token context and CTranslate2 refuses the window ("maximum
                # decoding length must be > 0": the whole recording an error row). As in OpenAI's Whisper, the
                # prompt keeps to half the context: the previous text gives way (its oldest tokens), the hotwords
                # stay.
                prompt = super().get_prompt(tokenizer, previous_tokens, without_timestamps, prefix, hotwords)
                excess = len(prompt) - (self.max_length - WINDOW_TOKENS)
                if excess > 0 and previous_tokens:
                    kept = list(previous_tokens[-(self.max_length // 2 - 1):])
                    prompt = super().get_prompt(tokenizer, kept[min(excess, len(kept)):], without_timestamps,
                                                prefix, hotwords)
                return prompt

            def generate_with_fallback(self, encoder_output, prompt, tokenizer, options):
                room = self.max_length - len(prompt)
                if options.max_new_tokens is None and room > 0:
                    options = replace(options, max_new_tokens=min(WINDOW_TOKENS, room))
                return super().generate_with_fallback(encoder_output, prompt, tokenizer, options)

        _model_cls = CallauditWhisperModel
    return _model_cls


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
            started = time.perf_counter()
            model = _model_class()(
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
