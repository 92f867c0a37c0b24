"""Read what the quality report shows from the local gold Delta tables (by path, through one SparkSession)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from callaudit.config import Settings
from callaudit.contracts import CRITICAL_BELOW
from callaudit.report import fmt

Row = dict[str, Any]

AUDIT_COLUMNS = [
    "call_sid", "recording_sid", "agent", "vendor", "team", "supervisor", "call_date", "quality_score",
    "quality_category", "has_greeting", "has_identification", "has_help_offer", "has_farewell", "forbidden_words",
    "sentiment_score", "needs_manual_review", "review_codes", "review_reasons", "escalation_requested",
    "transcription_confidence", "scorecard_version", "call_duration",
]
CALL_COLUMNS = ["call_sid", "is_parent_leg", "status", "duration_seconds", "call_date", "vendor", "from_number"]
QUEUE_COLUMNS = [
    "call_sid", "recording_sid", "agent", "vendor", "team", "call_date", "quality_score", "quality_category",
    "review_codes", "review_reasons", "forbidden_words", "sentiment_score", "transcript_snippet", "priority",
]
GOLD_TABLES = ["twilio_call_audits", "twilio_calls", "twilio_transcriptions", "review_queue", "kpi_summary"]
SNIPPET_READ_CHARS = 400
DISAGREEMENT_LIMIT = 30
COACHING_FOCUSES = 3  # steps per agent on a coaching card
RECENT_MINUTES = 60  # the "today" view: calls audited in the last hour
RECENT_COLUMNS = ["call_sid", "recording_sid", "agent", "vendor", "team", "quality_score", "quality_category",
                  "critical_errors", "review_reasons", "forbidden_words", "escalation_requested", "sentiment_score",
                  "scored_at"]
LOCAL_TZ = "America/Bogota"
TOPIC_COLUMNS = ["call_sid", "driver", "driver_label", "driver_confidence", "driver_needs_review", "call_date",
                 "quality_score", "quality_category", "escalation_requested"]
CALL_PAGE_COLUMNS = ["call_sid", "recording_sid", "agent", "vendor", "team", "quality_score", "quality_category",
                     "missed_criteria", "critical_errors", "review_reasons", "forbidden_words", "category_reason"]
SATISFACTION_COLUMNS = ["call_sid", "agent", "call_date", "quality_score", "surveyed_score_0_10", "predicted_score",
                        "predicted_low", "predicted_high", "prediction_note", "training_rows"]
CALL_PAGE_CHARS = 6000  # the redacted transcript shown on a call's page


@dataclass
class ReportData:
    start: date
    end: date
    generated_at: datetime
    audits: list[Row] = field(default_factory=list)
    calls: list[Row] = field(default_factory=list)
    review_queue: list[Row] = field(default_factory=list)
    kpi_summary: list[Row] = field(default_factory=list)
    snippets: dict[str, str] = field(default_factory=dict)  # recording_sid -> redacted transcript opening
    missing_tables: list[str] = field(default_factory=list)
    latest_call_date: date | None = None
    agreement: list[Row] = field(default_factory=list)  # calibration_agreement (all scopes; small)
    disagreements: list[Row] = field(default_factory=list)  # calibration_disagreements, latest first
    recent: list[Row] = field(default_factory=list)  # audited in the last RECENT_MINUTES (by scored_at)
    coaching: list[Row] = field(default_factory=list)  # agent_coaching, each agent's 3 weakest steps
    topics: list[Row] = field(default_factory=list)  # call_topics in the period (one driver per call)
    call_pages: list[Row] = field(default_factory=list)  # the calls coaching moments cite: audit, driver, transcript
    satisfaction: list[Row] = field(default_factory=list)  # call_satisfaction in the period: surveyed and predicted

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period(days: int, end: date | None = None) -> tuple[date, date]:
    """The last ``days`` days up to ``end`` (default: today in Bogotá), both included."""
    end = end or fmt.now_bogota().date()
    return end - timedelta(days=days - 1), end


def _plain(row) -> Row:
    out = row.asDict(recursive=True)
    for k, v in out.items():
        if isinstance(v, tuple):
            out[k] = list(v)
    return out


def read_report_data(settings: Settings, days: int = 30, end: date | None = None, *, spark=None) -> ReportData:
    """Everything the report shows for the period; missing tables are listed, not fatal (no audits yet)."""
    from callaudit.lakehouse.tables import open_lakehouse, read_table

    start, end = period(days, end)
    data = ReportData(start=start, end=end, generated_at=fmt.now_bogota())
    spark, tables = open_lakehouse(settings, "callaudit-report", spark)
    data.missing_tables = [t for t in GOLD_TABLES if t not in tables]
    if not tables:
        return data
    from pyspark.sql import functions as F

    def load(name: str):
        return read_table(spark, tables[name]) if name in tables else None

    def pick(df, columns: list[str]):
        present = set(df.columns)
        return [F.col(c) if c in present else F.lit(None).alias(c) for c in columns]

    session_tz = spark.conf.get("spark.sql.session.timeZone")

    def local_start(df):
        if "start_time" not in df.columns:
            return F.lit(None).cast("string").alias("start_local")
        # whatever the session time zone, render the instant as Bogotá wall-clock time
        local = F.from_utc_timestamp(F.to_utc_timestamp("start_time", session_tz), LOCAL_TZ)
        return F.date_format(local, "yyyy-MM-dd HH:mm").alias("start_local")

    in_period = F.col("call_date").between(F.lit(start), F.lit(end))
    audits = load("twilio_call_audits")
    if audits is not None:
        data.latest_call_date = audits.agg(F.max("call_date")).first()[0]
        period_audits = audits.where(in_period)
        data.audits = [_plain(r) for r in period_audits.select(*pick(audits, AUDIT_COLUMNS), local_start(audits))
                       .collect()]
        # the "today" view: audited in the last hour whatever the call date (a late recording is news too)
        recent = audits.where(F.col("scored_at") >= F.current_timestamp() - F.expr(f"INTERVAL {RECENT_MINUTES} MINUTES"))
        scored_local = F.date_format(F.from_utc_timestamp(F.to_utc_timestamp("scored_at", session_tz), LOCAL_TZ),
                                     "HH:mm").alias("scored_local")
        data.recent = [_plain(r) for r in recent.select(*pick(audits, RECENT_COLUMNS), local_start(audits),
                                                        scored_local).collect()]
        transcriptions = load("twilio_transcriptions")
        if transcriptions is not None:
            wanted = period_audits.where(F.col("needs_manual_review") | (F.col("quality_score") < CRITICAL_BELOW)).select(
                F.col("recording_sid").alias("_rec"))
            text = transcriptions.join(wanted, F.col("recording_sid") == F.col("_rec"), "left_semi").select(
                "recording_sid", F.substring("transcription", 1, SNIPPET_READ_CHARS).alias("snippet"))
            data.snippets = {r["recording_sid"]: r["snippet"] or "" for r in text.collect()}
    calls = load("twilio_calls")
    if calls is not None:
        data.calls = [_plain(r) for r in calls.where(in_period).select(*pick(calls, CALL_COLUMNS), local_start(calls))
                      .collect()]
    queue = load("review_queue")
    if queue is not None:
        data.review_queue = [_plain(r) for r in queue.where(in_period)
                             .select(*pick(queue, QUEUE_COLUMNS), local_start(queue)).collect()]
    coaching = load("agent_coaching")
    if coaching is not None:
        examples = F.transform("examples", lambda e: F.struct(
            F.date_format(F.from_utc_timestamp(F.to_utc_timestamp(e["start_time"], session_tz), LOCAL_TZ),
                          "yyyy-MM-dd HH:mm").alias("start_local"), e["call_sid"].alias("call_sid"),
            e["evidence"].alias("evidence")))
        data.coaching = [_plain(r) for r in coaching.where(F.col("rank") <= COACHING_FOCUSES)
                         .select(*[c for c in coaching.columns if c != "examples"], examples.alias("examples"))
                         .orderBy("agent", "rank").collect()]
    topics = load("call_topics")
    if topics is not None:
        data.topics = [_plain(r) for r in topics.where(in_period).select(*pick(topics, TOPIC_COLUMNS)).collect()]
    satisfaction = load("call_satisfaction")
    if satisfaction is not None:
        data.satisfaction = [_plain(r) for r in satisfaction.where(in_period)
                             .select(*pick(satisfaction, SATISFACTION_COLUMNS)).collect()]
    cited = sorted({e["call_sid"] for r in data.coaching for e in (r.get("examples") or []) if e.get("call_sid")})
    if cited and audits is not None:
        data.call_pages = _call_pages(spark, audits, load("twilio_transcriptions"), topics, cited, pick, local_start)
    kpis = load("kpi_summary")
    if kpis is not None:
        data.kpi_summary = [_plain(r) for r in kpis.orderBy("ord").collect()]
    agreement = load("calibration_agreement")
    if agreement is not None:
        data.agreement = [_plain(r) for r in agreement.collect()]
    disagreements = load("calibration_disagreements")
    if disagreements is not None:
        data.disagreements = [_plain(r) for r in disagreements.where(F.col("comparison") == "auditor_vs_analyst")
                              .orderBy(F.col("reviewed_at").desc_nulls_last(), "call_sid", "criterion")
                              .limit(DISAGREEMENT_LIMIT).collect()]
    return data


def _call_pages(spark, audits, transcriptions, topics, call_sids: list[str], pick, local_start) -> list[Row]:
    """One page per cited call: the audit's verdicts, its driver and the redacted transcript (bounded)."""
    from pyspark.sql import functions as F

    wanted = spark.createDataFrame([(c,) for c in call_sids], "_sid string")
    a = audits.join(wanted, F.col("call_sid") == F.col("_sid"), "left_semi").select(
        *pick(audits, CALL_PAGE_COLUMNS), local_start(audits))
    if transcriptions is not None:
        t = transcriptions.select(F.col("recording_sid").alias("_rec"),
                                  F.substring("transcription", 1, CALL_PAGE_CHARS).alias("transcript"))
        a = a.join(t, F.col("recording_sid") == F.col("_rec"), "left").drop("_rec")
    else:
        a = a.withColumn("transcript", F.lit(None).cast("string"))
    if topics is not None:
        d = topics.select(F.col("recording_sid").alias("_rec"), "driver_label", "driver_confidence")
        a = a.join(d, F.col("recording_sid") == F.col("_rec"), "left").drop("_rec")
    else:
        a = a.withColumn("driver_label", F.lit(None).cast("string")).withColumn(
            "driver_confidence", F.lit(None).cast("double"))
    return [_plain(r) for r in a.orderBy("call_sid").collect()]
