"""Business constants that cross boundaries, in one place.

Python code imports them; the pipeline's expectations (``expectations/*.yml``) write ``${NAME}`` inside a SQL
constraint and the Great Expectations suites (``expectations/gx/*.yml``) write ``{contract: NAME}``, so a rule
and the code it guards cannot drift apart. Shapes that follow the scorecard (criteria, categories) come from the
scorecard itself, not from here.
"""

from __future__ import annotations

# ---- Twilio (API 2010 enums, the official OpenAPI spec) ------------------------------------------------------
CALL_STATUSES = ("queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled")
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
RECORDING_STATUSES = ("in-progress", "paused", "stopped", "processing", "completed", "absent", "deleted")
# Longest call a table accepts: Twilio caps a call at 24 h but <Dial timeLimit> defaults to 4 h; a shift is 8 h.
# Longer is a data error (silver quarantines it; the gold suite fails on it).
MAX_CALL_SECONDS = 28_800

# ---- agents ----------------------------------------------------------------------------------------------------
UNASSIGNED_AGENT = "sin agente"  # a call with no agent leg
UNKNOWN_AGENT_PREFIX = "desconocido:"  # an agent leg whose identity is not in the directory: desconocido:<identity>

# ---- quality (the original system's "Métricas de Éxito" and its critical-call alert) -----------------------------
CRITICAL_BELOW = 40.0  # "Alertas de llamadas críticas (score < 40)"
PROBLEM_BELOW = 50.0  # the original trend query's "llamadas_problema"
QUALITY_TARGET = 75.0  # "Quality Score promedio: objetivo > 75"


def sql_literal(value) -> str:
    """A constant as a Spark SQL literal: strings quoted, tuples/sets as ``('a', 'b')``."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return "(" + ", ".join(sql_literal(v) for v in items) + ")"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def names() -> list[str]:
    return sorted(k for k, v in globals().items() if k.isupper() and not callable(v))


def value(name: str):
    if name not in names():
        raise KeyError(f"unknown contract constant {name!r}; known: {', '.join(names())}")
    return globals()[name]

# ---- the landing zone: the folders the pipeline reads (ingest, the review page, `review import` and
# `surveys import` write them) --
LANDING_DIRS = ("calls", "recordings", "media", "media_manifest", "reference", "reviews", "surveys")
