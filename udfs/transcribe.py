"""The transcription pandas UDF: (media path, sids, call metadata) -> raw + redacted transcript structs."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType, StructField, StructType

from callaudit.transcript import Segment, Transcript, Word
from callaudit.transforms.dataclass_types import struct_of

# The transcript's Spark type is derived from the dataclass (callaudit.transcript): one shape, one place.
WORD_TYPE = struct_of(Word)
SEGMENT_TYPE = struct_of(Segment)
TRANSCRIPT_TYPE = struct_of(Transcript)

RESULT_TYPE = StructType([
    StructField("raw", TRANSCRIPT_TYPE),
    StructField("redacted", TRANSCRIPT_TYPE),
    StructField("worker_pid", LongType()),
    StructField("worker_model_loads", IntegerType()),
])


def _value(v):
    """pandas gives NaN/None/numpy scalars; the transcription core wants plain Python."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v.item() if hasattr(v, "item") else v


def _install_credentials(credentials: dict | None) -> None:
    """Engine credentials handed over by the driver (a workspace resolves them from the secret scope into the
    pipeline configuration; workers have neither ``dbutils`` nor the driver's environment). They only go into this
    worker process's environment, where :func:`callaudit.secrets.get_secret` finds them; never logged."""
    import os

    for name, secret in (credentials or {}).items():
        value = secret.reveal() if hasattr(secret, "reveal") else secret
        if value and not os.environ.get(name):
            os.environ[name] = value


def transcribe_rows(paths, recording_sids, call_sids, directions, froms, tos, channels, agent_names=None, *,
                    engine: str,
                    options: dict | None, agent_channel: str | None,
                    hotwords: list[str] | dict[str, list[str]] | None,
                    credentials: dict | None = None) -> pd.DataFrame:
    """Transcribe a batch (pure Python apart from pandas; used by the UDF and by tests)."""
    import os

    from callaudit.transcription import model_cache
    from callaudit.transcription.core import transcribe_recording, with_agent_name
    from callaudit.transcription.redact import redact_transcript
    from callaudit.transcription.speakers import agent_channel_for_call

    _install_credentials(credentials)
    options = with_thread_budget(options, task_cpus())
    rows = []
    names = agent_names if agent_names is not None else [None] * len(paths)
    for path, rec, call, direction, from_, to, chans, name in zip(paths, recording_sids, call_sids, directions,
                                                                  froms, tos, channels, names, strict=True):
        rec, call, chans = _value(rec), _value(call), _value(chans)
        try:
            channel = agent_channel_for_call(_value(direction), _value(from_), _value(to),
                                             override=agent_channel or None)
        except ValueError:
            channel = None
        try:
            expected = int(chans) if chans not in (None, "") else None
        except (TypeError, ValueError):
            expected = None
        raw = transcribe_recording(_value(path), call_sid=call, recording_sid=rec, agent_channel=channel,
                                   engine=engine, hotwords=with_agent_name(hotwords, _value(name)),
                                   expected_channels=expected, options=options)
        redacted = redact_transcript(raw)
        rows.append({"raw": raw.to_dict(), "redacted": redacted.to_dict(), "worker_pid": os.getpid(),
                     "worker_model_loads": model_cache.load_count()})
    return pd.DataFrame(rows, columns=["raw", "redacted", "worker_pid", "worker_model_loads"])


# Under Spark every task slot runs its own Python worker with its own model, and a task may use the cores Spark
# gives it (``spark.task.cpus``, 1 by default): one core = one decoding thread and the two channels one after the
# other, so N slots use N cores without oversubscribing them; two or more = the two channels in parallel, the
# task's cores split between them. Options set in the pipeline configuration win.


def task_cpus() -> int:
    """Cores Spark gives the running task (``spark.task.cpus``); 1 outside a task."""
    try:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        return max(1, int(ctx.cpus())) if ctx is not None else 1
    except Exception:  # noqa: BLE001 - an older runtime without TaskContext.cpus(): the safe budget
        return 1


def with_thread_budget(options: dict | None, cpus: int) -> dict:
    """Fill the decoding thread options (where the configuration left them empty) to fit ``cpus`` cores."""
    budget = ({"num_workers": "2", "cpu_threads": str(cpus // 2), "parallel_channels": "true"} if cpus >= 2
              else {"num_workers": "1", "cpu_threads": "1", "parallel_channels": "false"})
    given = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    return {**budget, **given}


def make_transcribe_udf(*, engine: str = "whisper", options: dict | None = None, agent_channel: str | None = None,
                        hotwords: list[str] | dict[str, list[str]] | None = None, credentials: dict | None = None):
    """An iterator pandas UDF; the model is loaded on the first batch of each Python worker and reused.

    ``options`` are :class:`callaudit.transcription.options.TranscriptionOptions` fields as strings (validated
    here, on the driver, so a typo fails the update at once instead of in every worker).
    """
    from callaudit.transcription.options import TranscriptionOptions
    from callaudit.transcription.registry import engine_class

    engine_class(engine)  # an unknown engine name fails the update on the driver, not in every worker
    merged = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    TranscriptionOptions.from_mapping(with_thread_budget(merged, 1))  # fail fast on unknown/invalid options
    if isinstance(hotwords, dict):
        hotwords = {speaker: list(words) for speaker, words in hotwords.items()} or None
    else:
        hotwords = list(hotwords) if hotwords else None
    settings = {"engine": engine, "options": merged, "agent_channel": agent_channel or None,
                "hotwords": hotwords, "credentials": credentials or None}

    @F.pandas_udf(RESULT_TYPE)
    def transcribe_recordings(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.DataFrame]:
        from udfs.transcribe import transcribe_rows

        for batch in batches:
            yield transcribe_rows(*batch, **settings)

    return transcribe_recordings


def transcription_settings(spark) -> dict:
    """The UDF's settings from the pipeline configuration (``callaudit.transcription.*``, docs/CONTRACTS.md)."""
    from dataclasses import fields

    from callaudit.lakehouse.platform import conf
    from callaudit.secrets import Secret
    from callaudit.transcription.options import TranscriptionOptions

    prefix = "callaudit.transcription."
    options = {f.name: conf(spark, prefix + f.name) for f in fields(TranscriptionOptions)}
    from callaudit.scoring.scorecard import recogniser_hotwords

    hotwords = recogniser_hotwords(conf(spark, prefix + "hotwords", "scorecard") or "scorecard",
                                   conf(spark, "callaudit.scorecard_path") or None)
    from callaudit.transcription.registry import DEFAULT_ENGINE, credential_conf_keys

    engine = conf(spark, prefix + "engine", DEFAULT_ENGINE) or DEFAULT_ENGINE
    credentials = {}
    for env_name, key in credential_conf_keys(engine).items():  # what the chosen engine declares it needs
        value = conf(spark, key)
        if value and not value.startswith("{{"):  # an unresolved secret reference is no credential
            credentials[env_name] = Secret(env_name, value)
    return {"engine": engine, "options": options,
            "agent_channel": conf(spark, "callaudit.agent_channel"), "hotwords": hotwords,
            "credentials": credentials}
