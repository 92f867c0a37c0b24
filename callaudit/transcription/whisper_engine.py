"""faster-whisper (CTranslate2, CPU int8) engine.

Decisions, and why:

* **Deterministic decoding** — ``temperature=0`` only. Whisper's default fallback re-decodes low-confidence windows
  by *sampling* at temperatures 0.2…1.0, and CTranslate2's sampler draws from a per-thread generator seeded once
  per thread (``ctranslate2.set_random_seed`` cannot rewind it), so the same file could come out differently
  on a re-run. The pipeline's crash-and-rerun test compares gold tables, so identical input must give identical
  output on one machine/config. ``temperature_fallback=True`` restores Whisper's behaviour for those who accept
  non-reproducible output.
* **VAD on** — without it a silent stretch becomes invented text; the notes measured it.
* **Word timestamps on** — the scorer needs word timings (interruptions, words per minute) and redaction collapses
  word spans with their timing.
* **Confidence** — faster-whisper's ``avg_logprob`` is computed per 30-second decoding *window* (every segment of a
  window gets the same value), it averages over timestamp and punctuation tokens and it is a log-probability, so
  it neither separates good from bad segments nor compares with Azure's 0–1 ``Confidence``. Each word's
  ``probability`` is the mean probability of its tokens, so a segment's confidence is the mean of its word
  probabilities (``exp(avg_logprob)`` only when a segment has no words); the transcript's confidence is the
  duration-weighted mean of its segments.
* **Turn-shaped segments** — Whisper happily returns one segment spanning a 5-second pause of the same speaker;
  segments are split where consecutive words are more than ``split_gap_s`` apart, so talk/silence metrics see
  the pause.
* **Loops, deterministically** — without the sampling fallback nothing stops a window that falls into a
  repetition loop ("qué pereza no me importa, cállese, qué pereza no me importa, …" until the token limit; seen
  with scorecard hotwords on a 2-second clip). When any segment's compression ratio exceeds Whisper's own
  threshold (2.4), the channel is decoded again with ``repetition_penalty=1.2, no_repeat_ngram_size=3`` (still
  temperature 0, still reproducible) and that result is kept if it loops less. ``hotword_penalties=True`` applies
  them from the start whenever hotwords are given (the biased prompt is what invites the loop); off by default:
  on the dev split's independently worded calls, penalties from the start cost more WER than the bias gained.
  A window stops at 224 new tokens (``model_cache.WINDOW_TOKENS``, OpenAI Whisper's own limit) instead of running
  to the 448-token context, so a loop costs about half as much before it is seen.
* **Language check on the decoding's own window** — see :meth:`WhisperEngine.language_verdict`.
* **Text without audio** — a hallucinated tail comes out as words the aligner cannot place: zero duration and
  near-zero probability, piled on the last frame. A group of words where most last < 30 ms and the mean
  probability is < 0.25 is dropped (a real but uncertain word still has a duration and stays).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from callaudit.transcript import Word
from callaudit.transcription.engine import ChannelSegment, EngineError, EngineSpec, per_channel
from callaudit.transcription.options import TranscriptionOptions

log = logging.getLogger(__name__)

TEMPERATURE_FALLBACK = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
LOOP_COMPRESSION_RATIO = 2.4  # Whisper's compression_ratio_threshold: above it a window is repetitive
# Language check: refuse only a clear other language with a negligible probability for ours. Measured on 11
# synthetic espeak calls (22 channels): es probability never below 0.22 (twice "it"/"la" won at 0.35-0.53);
# an English espeak call: en 0.62, es 0.02.
LANGUAGE_CONFIDENT = 0.5
LANGUAGE_NEGLIGIBLE = 0.05
RESCUE_DECODING = {"repetition_penalty": 1.2, "no_repeat_ngram_size": 3}
UNSUPPORTED_WORD_S = 0.03  # a word shorter than this has no audio behind it
UNSUPPORTED_MAX_PROB = 0.25
OURS = "ours"  # a channel's language verdict: the configured language (or not confidently another one)


def hotwords_string(hotwords: Sequence[str] | None) -> str | None:
    """Scorecard phrases -> the ``hotwords`` prompt (deduplicated, order kept). faster-whisper truncates it to
    half the decoder context (223 tokens) by itself."""
    if not hotwords:
        return None
    seen: list[str] = []
    for phrase in hotwords:
        p = " ".join(str(phrase).split())
        if p and p.lower() not in (s.lower() for s in seen):
            seen.append(p)
    return ", ".join(seen) or None


def _r(x: float) -> float:
    return round(float(x), 3)


def _segment_confidence(words: list[Word], avg_logprob: float | None) -> float | None:
    probs = [w.probability for w in words if w.probability is not None]
    if probs:
        return _r(sum(probs) / len(probs))
    if avg_logprob is not None and math.isfinite(avg_logprob):
        return _r(math.exp(min(0.0, avg_logprob)))
    return None


def split_on_gaps(words: list[Word], gap_s: float) -> list[list[Word]]:
    """Split a word list wherever the silence between two words exceeds ``gap_s``."""
    groups: list[list[Word]] = []
    for w in words:
        if groups and w.start - groups[-1][-1].end > gap_s:
            groups.append([w])
        elif groups:
            groups[-1].append(w)
        else:
            groups.append([w])
    return groups


def without_audio_support(words: list[Word]) -> bool:
    """True for a hallucinated word group: most words have no duration and the model barely believed them."""
    if not words:
        return False
    short = sum(1 for w in words if w.end - w.start < UNSUPPORTED_WORD_S)
    probs = [w.probability for w in words if w.probability is not None]
    mean_prob = sum(probs) / len(probs) if probs else 1.0
    return short * 2 >= len(words) and mean_prob < UNSUPPORTED_MAX_PROB


def loop_score(raw_segments) -> float:
    """The worst compression ratio of a decode (> 2.4 = a repetition loop, as Whisper itself judges it)."""
    return max((float(getattr(s, "compression_ratio", 0.0) or 0.0) for s in raw_segments), default=0.0)


def convert_segments(raw_segments, gap_s: float) -> list[ChannelSegment]:
    """faster-whisper segments -> ChannelSegments (plain floats, stripped words, split at long pauses,
    hallucinated groups without audio support dropped)."""
    out: list[ChannelSegment] = []
    for seg in raw_segments:
        words = [
            Word(word=w.word.strip(), start=_r(w.start), end=_r(w.end), probability=_r(w.probability))
            for w in (seg.words or [])
            if w.word.strip()
        ]
        if not words:
            text = seg.text.strip()
            if text:
                out.append(ChannelSegment(_r(seg.start), _r(seg.end), text, _segment_confidence([], seg.avg_logprob)))
            continue
        for group in split_on_gaps(words, gap_s):
            if without_audio_support(group):
                continue
            out.append(
                ChannelSegment(
                    start=group[0].start,
                    end=group[-1].end,
                    text=" ".join(w.word for w in group),
                    confidence=_segment_confidence(group, seg.avg_logprob),
                    words=group,
                )
            )
    return out


class WhisperEngine:
    name = "whisper"
    spec = EngineSpec(
        summary="offline faster-whisper (bundled Whisper base, int8); the default",
        options=("language", "silence_dbfs", "model_dir", "model_cache_dir", "compute_type", "cpu_isa", "beam_size",
                 "cpu_threads", "num_workers", "parallel_channels", "vad_filter", "vad_min_silence_ms",
                 "temperature_fallback", "loop_rescue", "hotword_penalties", "condition_on_previous_text",
                 "split_gap_s", "language_check"),
    )

    def __init__(self, options: TranscriptionOptions):
        self.options = options

    # ---- identity -------------------------------------------------------------------------------------------
    def model_name(self) -> str:
        if not self.options.model_dir:
            from callaudit.transcription.model_store import BUNDLED_MODEL_NAME

            return BUNDLED_MODEL_NAME
        return Path(self.options.model_dir).name or str(self.options.model_dir)

    def version(self, hotwords: Sequence[str] | None = None) -> str:
        import faster_whisper

        o = self.options
        parts = [f"faster-whisper {faster_whisper.__version__}", self.model_name(), o.compute_type, f"beam{o.beam_size}"]
        if o.temperature_fallback:
            parts.append("tfallback")
        if not o.vad_filter:
            parts.append("novad")
        if hotwords_string(hotwords):
            parts.append(f"hotwords{len([h for h in hotwords if str(h).strip()])}")
        return " ".join(parts)

    # ---- work -----------------------------------------------------------------------------------------------
    def _model(self):
        from callaudit.transcription.model_cache import get_whisper_model
        from callaudit.transcription.model_store import ModelAssemblyError

        o = self.options
        try:
            return get_whisper_model(
                o.model_dir, compute_type=o.compute_type, cpu_threads=o.cpu_threads, num_workers=o.num_workers,
                cache_dir=o.model_cache_dir, cpu_isa=o.cpu_isa,
            )
        except (ModelAssemblyError, FileNotFoundError) as exc:
            raise EngineError(f"the Whisper model is not available: {exc}") from None
        except (RuntimeError, ValueError, OSError) as exc:  # ctranslate2 refuses a damaged/incompatible model
            raise EngineError(f"the Whisper model could not be loaded from {o.model_dir or 'the bundle'}: {exc}") from None

    def _decode_kwargs(self, hotwords: Sequence[str] | None) -> dict:
        o = self.options
        kwargs = dict(
            language=o.language,
            task="transcribe",
            beam_size=o.beam_size,
            temperature=list(TEMPERATURE_FALLBACK) if o.temperature_fallback else [0.0],
            vad_filter=o.vad_filter,
            word_timestamps=True,
            condition_on_previous_text=o.condition_on_previous_text,
            hotwords=hotwords_string(hotwords),
        )
        if kwargs["hotwords"] and o.loop_rescue and o.hotword_penalties:
            # the hotword prompt invites loops (the model recites the list); prevent them instead of paying for a
            # runaway decode and a rescue
            kwargs.update(RESCUE_DECODING)
        if o.vad_filter and o.vad_min_silence_ms is not None:
            kwargs["vad_parameters"] = {"min_silence_duration_ms": int(o.vad_min_silence_ms)}
        return kwargs

    def transcribe_channel(
        self, samples: np.ndarray, *, hotwords: Sequence[str] | None = None, diarize: bool = False
    ) -> list[ChannelSegment]:
        return self._decode_channel(samples, hotwords)[0]

    def _decode_channel(self, samples: np.ndarray, hotwords: Sequence[str] | None) -> tuple[list[ChannelSegment], object]:
        """A channel's segments, and the encoder output of its first window (None when nothing was decoded)."""
        from callaudit.transcription.model_cache import keep_first_window

        model = self._model()
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        kwargs = self._decode_kwargs(hotwords)
        with keep_first_window() as first_window:
            segments, _info = model.transcribe(audio, **kwargs)
            raw = list(segments)  # the generator decodes lazily
        if self.options.loop_rescue and not kwargs.get("no_repeat_ngram_size") and loop_score(raw) > LOOP_COMPRESSION_RATIO:
            retry, _ = model.transcribe(audio, **{**kwargs, **RESCUE_DECODING})
            retry = list(retry)
            log.info("repetition loop (compression ratio %.1f): re-decoded, now %.1f", loop_score(raw), loop_score(retry))
            if loop_score(retry) < loop_score(raw):
                raw = retry
        return convert_segments(raw, self.options.split_gap_s), (first_window[0] if first_window else None)

    def transcribe_channels(
        self, channels: list[np.ndarray], *, hotwords: Sequence[str] | None = None, diarize: bool = False,
        channel_hotwords: list[Sequence[str] | None] | None = None,
    ) -> list[list[ChannelSegment]]:
        """Several channels; in parallel threads when configured (CTranslate2 releases the GIL, and with
        ``num_workers=2`` the model decodes two requests at once). Each channel gets its own hotwords when
        ``channel_hotwords`` is given.

        The language check (:meth:`language_verdict`) runs on a channel as soon as that channel is decoded, in the
        same thread: in parallel mode the first channel to finish is checked while the other is still decoding,
        and once one channel is heard as ours the others skip the check. Checked after both channels, it cost a
        third of the wall time of a one-minute call on 2 cores (docs/bench/transcription-sweep.txt).
        """
        words = per_channel(channels, hotwords, channel_hotwords)
        check = self.options.language_check
        heard_ours = threading.Event()
        verdicts: dict[int, tuple[str, float, float] | str | None] = {}

        def decode(i: int) -> list[ChannelSegment]:
            found, first_window = self._decode_channel(channels[i], words[i])
            if check and not heard_ours.is_set():
                verdicts[i] = verdict = self.language_verdict(channels[i], found, first_window)
                if verdict == OURS:
                    heard_ours.set()
            return found

        if len(channels) > 1 and self.options.parallel_channels and self.options.num_workers > 1:
            self._model()  # load once before the threads race for it
            with ThreadPoolExecutor(max_workers=len(channels), thread_name_prefix="whisper-channel") as pool:
                futures = [pool.submit(decode, i) for i in range(len(channels))]
                results = [f.result() for f in futures]
        else:
            results = [decode(i) for i in range(len(channels))]
        if check and not heard_ours.is_set():
            # no channel was heard as ours, so every channel was checked: refuse when one with speech was
            # confidently another language (a channel without speech proves nothing either way)
            foreign = [v for _, v in sorted(verdicts.items()) if isinstance(v, tuple)]
            if foreign:
                lang, prob, ours = foreign[0]
                raise EngineError(f"the speech is not {self.options.language!r}: the recogniser hears {lang!r} "
                                  f"(p={prob:.2f}; {self.options.language!r} p={ours:.3f}) — not audited")
        return results

    def language_verdict(self, samples: np.ndarray, found: list[ChannelSegment],
                         first_window=None) -> tuple[str, float, float] | str | None:
        """Is one decoded channel speech in the configured language? An English call in a Spanish operation decoded
        as Spanish would give plausible-looking nonsense and a meaningless audit.

        One language-ID pass (Whisper's own detector) over the first 30 s of the channel's decoded speech: on
        ``first_window``, the encoder output the decoding already computed for it (VAD on: the first 30 s of
        speech), so the check costs one decoder step; without it, on the 30 s from the first segment's start.
        Returns None when the channel has under 2 s of speech (nothing to judge), :data:`OURS` unless the
        recogniser is confidently another language with a negligible probability for ours — conservative on
        purpose: one odd-sounding voice (a synthetic one was once heard as Thai) does not throw a Spanish call
        away — else ``(language, its probability, ours)``.
        """
        if sum(s.end - s.start for s in found) < 2.0:
            return None
        if first_window is not None:
            # faster-whisper's detect_language, minus its own encoder pass: "<|es|>" tokens, best first
            all_probs = [(token[2:-2], p) for token, p in self._model().model.detect_language(first_window)[0]]
            lang, prob = all_probs[0]
        else:
            start = min(s.start for s in found)
            clip = samples[int(start * 16000): int((start + 30.0) * 16000)]
            lang, prob, all_probs = self._model().detect_language(np.ascontiguousarray(clip, dtype=np.float32))
        ours = dict(all_probs).get(self.options.language, 0.0)
        if lang != self.options.language and prob >= LANGUAGE_CONFIDENT and ours < LANGUAGE_NEGLIGIBLE:
            return (lang, prob, ours)
        return OURS
