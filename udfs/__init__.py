"""Spark wrappers (pandas UDFs) around the pure-Python cores.

- :mod:`udfs.transcribe` wraps :func:`callaudit.transcription.core.transcribe_recording` + PII redaction.
- :mod:`udfs.score` wraps :func:`callaudit.scoring.audit_row_from_json` (``score_call``).

Both are iterator pandas UDFs with return types built from ``DataType`` objects (a DDL string failed in Python
workers over Spark Connect); the heavy state (model, compiled scorecard) lives in importable modules so it is
created once per Python worker, not once per batch.
"""
