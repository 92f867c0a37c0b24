"""Transcription: call recordings (WAV, 1–2 channels) -> speaker-labelled, optionally redacted transcripts.

Public API (no Spark imports anywhere in this package; the pipeline's UDF in ``udfs/`` wraps it):

* :func:`transcribe_recording` — path + call metadata -> :class:`callaudit.transcript.Transcript` (never raises for
  bad audio);
* :func:`agent_channel_for_call` — which channel of a Twilio dual-channel recording is the agent;
* :func:`redact_transcript` — PII placeholders ``[CEDULA]``, ``[TARJETA]``, ``[TELEFONO]``, ``[EMAIL]``;
* :class:`TranscriptionOptions` — engine settings; :mod:`.model_cache` — one model load per worker process.
"""

from callaudit.transcription.core import transcribe_recording
from callaudit.transcription.options import TranscriptionOptions
from callaudit.transcription.redact import redact_transcript
from callaudit.transcription.speakers import agent_channel_for_call

__all__ = ["TranscriptionOptions", "agent_channel_for_call", "redact_transcript", "transcribe_recording"]
