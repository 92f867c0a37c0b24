"""Azure AI Speech engine (azure-cognitiveservices-speech 1.53), es-CO, one recognizer per channel.

* ``SpeechConfig(subscription=KEY, region=REGION)`` — key and region come from :func:`callaudit.secrets.get_secret`
  (environment/.env locally, the Databricks secret scope in a workspace); the key is handed to the SDK and
  nowhere else, and scrubbed from any error text the SDK returns.
* ``OutputFormat.Detailed`` + ``request_word_level_timestamps()``: every ``recognized`` event carries the JSON
  ``{"RecognitionStatus", "Offset", "Duration", "DisplayText", "NBest": [{"Confidence", "Lexical", "ITN",
  "MaskedITN", "Display", "Words": [{"Word", "Offset", "Duration"}]}]}`` with times in 100-ns ticks; it is parsed by
  the pure function :func:`parse_detailed_result`.
* Continuous recognition over a push stream of 16 kHz PCM16 mono per channel (Twilio's channel names the
  speaker, so no diarization is needed for dual-channel recordings); both channels are recognised concurrently.
* Cancellations (``CancellationReason.Error``) are mapped to readable per-recording errors by
  :func:`describe_cancellation`: bad key/region (401/403), quota, throttling (429), network, timeouts, bad audio.
* Mono recordings: ``azure_diarize_mono=True`` uses ``transcription.ConversationTranscriber`` (speaker ids
  ``Guest-1``, ``Guest-2`` …). The ids do not say who is the agent, so segments stay ``unknown`` and the id is kept
  as ``speaker_hint`` (see ``core``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from callaudit.transcript import Word
from callaudit.transcription.engine import ChannelSegment, EngineError, EngineSpec, per_channel
from callaudit.transcription.options import TranscriptionOptions

log = logging.getLogger(__name__)

TICKS_PER_SECOND = 10_000_000  # Azure offsets and durations are in 100-nanosecond ticks
SAMPLE_RATE = 16_000
CHUNK_BYTES = 32_000  # 1 s of 16 kHz PCM16 per push


def ticks_to_seconds(ticks: Any) -> float:
    return round(int(ticks or 0) / TICKS_PER_SECOND, 3)


def parse_detailed_result(result: str | dict[str, Any], *, speaker_hint: str | None = None) -> ChannelSegment | None:
    """One Azure detailed-format recognition result -> a ChannelSegment, or None when nothing was recognised.

    Text = ``DisplayText`` (punctuated, ITN: "1032456789" rather than "uno cero tres…"; redaction handles both),
    confidence = ``NBest[0].Confidence``, words = ``NBest[0].Words`` (lexical forms) with tick times -> seconds.
    """
    data = json.loads(result) if isinstance(result, (str, bytes)) else dict(result)
    status = data.get("RecognitionStatus", "Success")
    if status != "Success":  # NoMatch, InitialSilenceTimeout, BabbleTimeout, Error, EndOfDictation
        return None
    nbest = data.get("NBest") or []
    best = nbest[0] if nbest else {}
    text = (data.get("DisplayText") or best.get("Display") or best.get("ITN") or best.get("Lexical") or "").strip()
    if not text:
        return None
    start = ticks_to_seconds(data.get("Offset"))
    end = round(start + ticks_to_seconds(data.get("Duration")), 3)
    words = []
    for w in best.get("Words") or []:
        token = str(w.get("Word", "")).strip()
        if not token:
            continue
        w_start = ticks_to_seconds(w.get("Offset"))
        conf = w.get("Confidence")
        words.append(
            Word(word=token, start=w_start, end=round(w_start + ticks_to_seconds(w.get("Duration")), 3),
                 probability=round(float(conf), 3) if conf is not None else None)
        )
    confidence = best.get("Confidence")
    return ChannelSegment(
        start=start,
        end=max(end, start),
        text=text,
        confidence=round(float(confidence), 3) if confidence is not None else None,
        words=words,
        speaker_hint=speaker_hint or data.get("SpeakerId"),
    )


# ---- cancellation -> readable error -----------------------------------------------------------------------
_CANCELLATION_MESSAGES = {
    "AuthenticationFailure": (
        "Azure Speech rejected the credentials (401/403): check AZURE_SPEECH_KEY and that AZURE_SPEECH_REGION is "
        "the region of that key",
        False,
    ),
    "Forbidden": ("Azure Speech refused the request (403): the subscription's quota is exhausted or the key is "
                  "not allowed to use this endpoint", False),
    "TooManyRequests": ("Azure Speech throttled the request (429, too many concurrent requests or quota): retry "
                        "later or lower the pipeline's parallelism", True),
    "ConnectionFailure": ("could not connect to Azure Speech (network/DNS/firewall): check connectivity to "
                          "<region>.stt.speech.microsoft.com", True),
    "ServiceTimeout": ("Azure Speech timed out waiting for a response: retry later", True),
    "ServiceError": ("Azure Speech returned a service error: retry later", True),
    "ServiceUnavailable": ("Azure Speech is unavailable (503): retry later", True),
    "BadRequest": ("Azure Speech rejected the request (400): unsupported audio format or invalid recognition "
                   "parameters (language?)", False),
    "RuntimeError": ("the Azure Speech SDK hit an unexpected runtime error", True),
}


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "****")
    return text


def describe_cancellation(code: Any, error_details: str | None, *, secrets: Sequence[str] = ()) -> tuple[str, bool]:
    """(readable message, retryable) for a ``CancellationErrorCode`` (enum or its name) and the SDK's details."""
    name = getattr(code, "name", None) or str(code).rsplit(".", 1)[-1]
    message, retryable = _CANCELLATION_MESSAGES.get(name, (f"Azure Speech cancelled the recognition ({name})", True))
    details = " ".join(_scrub(error_details or "", secrets).split())
    if details:
        # keep the SDK's first sentence (it names the HTTP status); drop connection ids and URLs after it
        first = details.split(" SessionId:")[0].split(" X-ConnectionId:")[0]
        message = f"{message} [{name}: {first[:240]}]"
    return message, retryable


# ---- the engine -----------------------------------------------------------------------------------------------
_reaper_queue: queue.SimpleQueue = queue.SimpleQueue()
_reaper_lock = threading.Lock()
_reaper_started = False


def _release_later(*objects: Any, first: Any = None) -> None:
    """Drop SDK objects on a background thread (after calling ``first()``, e.g. a blocking stop).

    Destroying a recognizer whose connection failed blocks for ~10 s inside the SDK, and stopping one whose
    service went quiet blocks ~10 s more (measured with 1.53 against a local fake endpoint); a failed recording
    should not hold its worker that long.
    """
    global _reaper_started
    with _reaper_lock:
        if not _reaper_started:
            def _reap() -> None:
                while True:
                    job, item = _reaper_queue.get()
                    if job is not None:
                        with contextlib.suppress(Exception):
                            job()
                    del job, item

            threading.Thread(target=_reap, name="azure-speech-reaper", daemon=True).start()
            _reaper_started = True
    _reaper_queue.put((first, objects))


class AzureEngine:
    name = "azure"
    spec = EngineSpec(
        summary="Azure AI Speech (es-CO, word timings; diarisation of mono recordings)",
        options=("silence_dbfs", "azure_language", "azure_endpoint", "azure_timeout_s", "azure_diarize_mono"),
        credentials=("AZURE_SPEECH_KEY", "AZURE_SPEECH_REGION"),
        language_option="azure_language",
        diarisation_option="azure_diarize_mono",
        offline=False,
    )

    def __init__(self, options: TranscriptionOptions):
        self.options = options

    def version(self, hotwords: Sequence[str] | None = None) -> str:
        import azure.cognitiveservices.speech as speechsdk

        parts = [f"azure-speech-sdk {speechsdk.__version__}", self.options.azure_language, "detailed"]
        if hotwords:
            parts.append(f"phrases{len([h for h in hotwords if str(h).strip()])}")
        return " ".join(parts)

    def _credentials(self) -> tuple[str, str | None]:
        from callaudit.secrets import MissingSecretError, get_secret

        try:
            key = get_secret("AZURE_SPEECH_KEY")
            region = None if self.options.azure_endpoint else get_secret("AZURE_SPEECH_REGION")
        except MissingSecretError as exc:
            raise EngineError(f"Azure Speech is not configured: {exc}") from None
        return key.reveal(), (region.reveal() if region else None)

    def speech_config(self):
        """The SDK configuration (no network): es-CO, detailed output, word timestamps."""
        import azure.cognitiveservices.speech as speechsdk

        key, region = self._credentials()
        if self.options.azure_endpoint:
            config = speechsdk.SpeechConfig(subscription=key, endpoint=self.options.azure_endpoint)
        else:
            config = speechsdk.SpeechConfig(subscription=key, region=region)
        config.speech_recognition_language = self.options.azure_language
        config.output_format = speechsdk.OutputFormat.Detailed
        config.request_word_level_timestamps()
        return config

    def timeout_for(self, samples: np.ndarray) -> float:
        if self.options.azure_timeout_s is not None:
            return float(self.options.azure_timeout_s)
        return 60.0 + 2.0 * len(samples) / SAMPLE_RATE

    def transcribe_channel(
        self, samples: np.ndarray, *, hotwords: Sequence[str] | None = None, diarize: bool = False
    ) -> list[ChannelSegment]:
        import azure.cognitiveservices.speech as speechsdk

        config = self.speech_config()
        key = config.subscription_key
        fmt = speechsdk.audio.AudioStreamFormat(samples_per_second=SAMPLE_RATE, bits_per_sample=16, channels=1)
        stream = speechsdk.audio.PushAudioInputStream(stream_format=fmt)
        audio_config = speechsdk.audio.AudioConfig(stream=stream)
        if diarize:
            recognizer = speechsdk.transcription.ConversationTranscriber(speech_config=config, audio_config=audio_config)
            result_event, start, stop = (
                recognizer.transcribed,
                recognizer.start_transcribing_async,
                recognizer.stop_transcribing_async,
            )
        else:
            recognizer = speechsdk.SpeechRecognizer(speech_config=config, audio_config=audio_config)
            result_event, start, stop = (
                recognizer.recognized,
                recognizer.start_continuous_recognition_async,
                recognizer.stop_continuous_recognition_async,
            )
        if hotwords:  # Azure's biasing: a phrase list (same role as Whisper hotwords)
            phrases = speechsdk.PhraseListGrammar.from_recognizer(recognizer)
            for p in hotwords:
                if str(p).strip():
                    phrases.addPhrase(str(p).strip())

        results: list[ChannelSegment] = []
        problems: list[str] = []
        failure: list[tuple[str, bool]] = []
        done = threading.Event()

        def on_result(evt) -> None:
            res = evt.result
            if res.reason != speechsdk.ResultReason.RecognizedSpeech:
                return
            try:
                payload = res.json or res.properties.get(speechsdk.PropertyId.SpeechServiceResponse_JsonResult)
                seg = parse_detailed_result(payload, speaker_hint=getattr(res, "speaker_id", None) or None)
            except (ValueError, TypeError, KeyError) as exc:
                problems.append(f"unparseable result: {exc}")
                return
            if seg is not None:
                results.append(seg)

        def on_canceled(evt) -> None:
            details = evt.cancellation_details
            if details.reason == speechsdk.CancellationReason.Error:
                failure.append(describe_cancellation(details.code, details.error_details, secrets=[key]))
            done.set()

        result_event.connect(on_result)
        recognizer.canceled.connect(on_canceled)
        recognizer.session_stopped.connect(lambda evt: done.set())

        pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        finished = False
        try:
            start().get()
            for i in range(0, len(pcm), CHUNK_BYTES):
                stream.write(pcm[i : i + CHUNK_BYTES])
                if done.is_set():  # cancelled early (auth, network): stop feeding
                    break
            stream.close()
            finished = done.wait(self.timeout_for(samples))
        finally:
            for signal in (result_event, recognizer.canceled, recognizer.session_stopped):
                with contextlib.suppress(Exception):
                    signal.disconnect_all()
            if finished:
                try:
                    stop().get()
                except Exception as exc:  # pragma: no cover - stop after a failure is best effort
                    log.debug("stopping the recognizer failed: %s", type(exc).__name__)
                _release_later(recognizer, audio_config, stream)
            else:  # the service went quiet: stopping would block until the SDK's own timeout
                _release_later(recognizer, audio_config, stream, first=lambda stop=stop: stop().get())
            del recognizer, audio_config, stream, result_event, start, stop  # the reaper holds the last reference
        if not finished:
            raise EngineError(
                f"Azure Speech did not finish within {self.timeout_for(samples):.0f} s (no end of session): retry later",
                retryable=True,
            )
        if failure:
            message, retryable = failure[0]
            raise EngineError(message, retryable=retryable)
        if problems:
            raise EngineError(f"Azure Speech returned results that could not be read ({problems[0]})", retryable=True)
        return sorted(results, key=lambda s: (s.start, s.end))

    def transcribe_channels(
        self, channels: list[np.ndarray], *, hotwords: Sequence[str] | None = None, diarize: bool = False,
        channel_hotwords: list[Sequence[str] | None] | None = None,
    ) -> list[list[ChannelSegment]]:
        words = per_channel(channels, hotwords, channel_hotwords)
        if len(channels) <= 1:
            return [self.transcribe_channel(c, hotwords=w, diarize=diarize) for c, w in zip(channels, words, strict=True)]
        with ThreadPoolExecutor(max_workers=len(channels), thread_name_prefix="azure-channel") as pool:
            futures = [pool.submit(self.transcribe_channel, c, hotwords=w) for c, w in zip(channels, words, strict=True)]
            return [f.result() for f in futures]
