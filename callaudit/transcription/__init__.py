"""Transcription: call recordings (WAV, 1–2 channels) -> speaker-labelled, optionally redacted transcripts."""
