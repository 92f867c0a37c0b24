"""The auditor core: scorecard rules, ASR-tolerant detection, sentiment, conversation metrics, the audit.

Pure Python (no Spark): the pipeline's pandas UDF ``score_call`` wraps :func:`score_transcript` /
:func:`audit_row_from_json`; :func:`audit_columns` / :func:`spark_ddl` give it the output schema
(one ``has_<criterion>`` column per criterion of the scorecard).

>>> from callaudit.scoring import load_scorecard, score_transcript, audit_to_row
>>> from callaudit.scoring.samples import synthetic_transcripts
>>> audit = score_transcript(synthetic_transcripts(1)[0], load_scorecard())
>>> audit.quality_category in ("Excelente", "Buena", "Regular", "Requiere Atención")
True
"""

from callaudit.scoring.audit import (
    Audit,
    CriterionResult,
    ReviewReason,
    audit_columns,
    audit_row_from_json,
    audit_to_row,
    score_transcript,
    spark_ddl,
)
from callaudit.scoring.scorecard import (
    DEFAULT_SCORECARD,
    Scorecard,
    cached_scorecard,
    load_scorecard,
    parse_scorecard,
)

__all__ = [
    "DEFAULT_SCORECARD",
    "Audit",
    "CriterionResult",
    "ReviewReason",
    "Scorecard",
    "audit_columns",
    "audit_row_from_json",
    "audit_to_row",
    "cached_scorecard",
    "load_scorecard",
    "parse_scorecard",
    "score_transcript",
    "spark_ddl",
]
