"""Transcription settings, one dataclass for every engine (each engine's ``spec.options`` says which it reads).

Defaults follow measurements on 2 cores (``reference/SPEECH_NOTES.md``, re-measured by ``callaudit bench --only
transcription`` into docs/BENCHMARKS.md): beam 3 (beam 2 and 1 are faster but lose WER), one model with two
CTranslate2 workers of one thread each and the two channels decoded in parallel threads, CTranslate2's AVX-512
kernels where the CPU has them. Under Spark the UDF fits the threads to the task's cores (udfs/transcribe.py).
Decoding is greedy-deterministic: temperature 0 only (see ``whisper_engine``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class TranscriptionOptions:
    # ---- shared -----------------------------------------------------------------------------------------
    language: str = "es"
    silence_dbfs: float = -50.0  # channels quieter than this (95th pct frame level) are not sent to the engine
    # ---- whisper ----------------------------------------------------------------------------------------
    model_dir: str | None = None  # CTranslate2 Whisper directory; None = bundled Whisper base
    model_cache_dir: str | None = None  # where the bundled model is assembled; None = Settings.model_cache
    compute_type: str = "int8"
    # instruction set forced on CTranslate2: auto = AVX-512 where the CPU has it (CTranslate2 picks AVX2 on AMD)
    cpu_isa: str = "auto"
    beam_size: int = 3
    cpu_threads: int = 1
    num_workers: int = 2
    parallel_channels: bool = True  # decode the two channels in two threads (needs num_workers >= 2 to help)
    vad_filter: bool = True  # Silero VAD: without it a silent stretch gets invented text
    vad_min_silence_ms: int | None = None  # None = faster-whisper's default (2000 ms), as measured
    temperature_fallback: bool = False  # True = Whisper's sampling fallback: better on loops, NOT reproducible
    loop_rescue: bool = True  # re-decode a looping channel with repetition penalties (deterministic)
    # with hotwords, decode with the repetition penalties from the start instead of only when a loop is seen.
    # Off: on the dev split's calls (worded apart from the scorecard) the penalties from the start cost more
    # agent-channel WER and detections than the bias gained; a looping channel is still re-decoded
    hotword_penalties: bool = False
    condition_on_previous_text: bool = True
    split_gap_s: float = 1.0  # split a Whisper segment where its words pause longer than this (turn boundaries)
    language_check: bool = True  # refuse speech the recogniser is sure is not `language` (an error row, not an audit)
    # ---- azure ------------------------------------------------------------------------------------------
    azure_language: str = "es-CO"
    azure_endpoint: str | None = None  # e.g. a private endpoint; None = the public endpoint of the region
    azure_timeout_s: float | None = None  # None = 60 s + 2x the audio duration per channel
    azure_diarize_mono: bool = False  # ConversationTranscriber on mono files (speaker ids -> see azure_engine)
    # ---- reference (evaluation only) --------------------------------------------------------------------
    reference_dir: str | None = None  # folder of known transcripts, <recording_sid>.json: a perfect recogniser

    def __post_init__(self) -> None:
        if self.beam_size < 1:
            raise ValueError("beam_size must be >= 1")
        if self.cpu_threads < 0 or self.num_workers < 1:
            raise ValueError("cpu_threads must be >= 0 and num_workers >= 1")
        from callaudit.transcription.model_cache import choose_cpu_isa

        choose_cpu_isa(self.cpu_isa, flags=frozenset())  # an unknown name fails here, not in a worker
        if self.split_gap_s <= 0:
            raise ValueError("split_gap_s must be > 0")

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> TranscriptionOptions:
        """Build from a plain dict (Spark conf, CLI); empty strings/None mean "default"; unknown keys are errors."""
        if not values:
            return cls()
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown transcription option(s) {unknown}; known: {sorted(known)}")
        kwargs: dict[str, Any] = {}
        for name, value in values.items():
            if value is None or (isinstance(value, str) and value.strip() == ""):
                continue
            kind = str(known[name].type)  # annotations are strings here ("int | None", "bool", ...)
            if isinstance(value, str):
                if kind.startswith("bool"):
                    flag = value.strip().lower()
                    if flag not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                        raise ValueError(f"option {name} must be true or false, got {value!r}")
                    value = flag in ("1", "true", "yes", "on")
                elif kind.startswith("int"):
                    value = int(value)
                elif kind.startswith("float"):
                    value = float(value)
            kwargs[name] = value
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def coerce_options(options: TranscriptionOptions | dict[str, Any] | None) -> TranscriptionOptions:
    if isinstance(options, TranscriptionOptions):
        return options
    return TranscriptionOptions.from_mapping(options)
