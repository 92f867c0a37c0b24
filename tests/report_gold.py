"""Small, real gold tables for the report / alerts / validation tests.

Built the way the pipeline builds them: Twilio-shaped call pages -> bronze -> silver -> gold ``twilio_calls``;
transcripts -> the real scorer (``audit_row_from_json``) -> ``twilio_call_audits``; the real mart functions for
``review_queue``, ``kpi_summary`` and friends. Only the speech-to-text step is skipped: the transcripts are
written here, including hostile text (HTML/script injection) and a redaction placeholder, because that is what
the report and the alerts must survive.

Dates are relative to ``today`` so the report's "last 30 days" window always contains them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from twilio_pages import dial_pair, land_page, recording, write_agents

from callaudit.config import PROJECT_ROOT, Settings

HOSTILE_SCRIPT = "<script>window.__pwned = 1; alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror="window.__pwned2 = 1">'

AGENTS = [
    ("A001", "maria.lopez", "María López", "Konecta", "Servicio", "Ana Ruiz"),
    ("A002", "juan.perez", "Juan Pérez", "Teleperformance", "Cobranza", "Luis Gómez"),
    ("A003", "carlos.rios", "Carlos Ríos", "Konecta", "Servicio", "Ana Ruiz"),
]

GOOD = {
    "agent": ["Buenos días, gracias por comunicarse, habla con María López.",
              "Claro que sí, ¿en qué le puedo ayudar hoy?",
              "Listo, ya quedó registrado. Que tenga un buen día."],
    "customer": ["Hola, quiero revisar mi factura.", "Muchas gracias, excelente servicio, muy amable."],
}
BAD = {
    "agent": ["Sí, diga.", "Qué pereza, eso no es mi problema.", "Pues llame otro día."],
    "customer": [f"Estoy furioso, mi cédula es [CEDULA] y nadie me ayuda {HOSTILE_SCRIPT}",
                 f"Esto es terrible, pésimo servicio {HOSTILE_IMG} quiero hablar con un supervisor."],
}
NO_FAREWELL = {
    "agent": ["Buenas tardes, habla con Carlos Ríos.", "¿En qué le puedo colaborar?", "Ya le envío el correo."],
    "customer": ["Necesito un certificado.", "Bueno, gracias."],
}


def settings_for(home: Path) -> Settings:
    return Settings(home=home, cache=PROJECT_ROOT / ".cache", spark_master="local[2]")


def _transcript(rec_sid: str, call_sid: str, lines: dict, duration: float) -> str:
    from callaudit.transcript import Segment, Transcript

    segments, t = [], 0.5
    turns = []
    for i in range(max(len(lines["agent"]), len(lines["customer"]))):
        if i < len(lines["agent"]):
            turns.append(("agent", 2, lines["agent"][i]))
        if i < len(lines["customer"]):
            turns.append(("customer", 1, lines["customer"][i]))
    step = (duration - 1.0) / len(turns)
    for speaker, channel, text in turns:
        segments.append(Segment(speaker, channel, round(t, 2), round(t + step - 0.3, 2), text, 0.82))
        t += step
    text = "\n".join(f"{s.speaker}: {s.text}" for s in segments)
    tr = Transcript(recording_sid=rec_sid, call_sid=call_sid, segments=segments, text=text, confidence=0.82,
                    language="es", engine="whisper", engine_version="test", channels=2, agent_channel=2,
                    duration_seconds=duration, redacted=True, redactions={"CEDULA": 1} if "[CEDULA]" in text else {})
    return tr.to_json()


def build_gold(spark, home: Path, *, today: date | None = None, with_audits: bool = True) -> list[str]:
    """Write the gold Delta tables under ``home``; returns their names."""
    from pyspark.sql import functions as F

    from callaudit.scoring import audit_row_from_json, spark_ddl
    from callaudit.transforms import bronze, coaching, gold, marts, schemas, silver, transcripts
    from callaudit.transforms import satisfaction as satisfaction_tables
    from callaudit.transforms import topics as topic_tables
    from udfs.topics import make_classify_driver
    from udfs.transcribe import TRANSCRIPT_TYPE

    today = today or datetime.now(UTC).date()
    settings = settings_for(home)
    landing = home / "landing"
    day = lambda n: datetime(today.year, today.month, today.day, 15, 0, tzinfo=UTC) - timedelta(days=n)  # noqa: E731

    scripted = [  # (n, days ago, agent identity, lines, duration)
        (1, 1, "maria.lopez", GOOD, 95), (2, 2, "juan.perez", BAD, 70), (3, 3, "carlos.rios", NO_FAREWELL, 150),
        (4, 10, "maria.lopez", GOOD, 45),
    ]
    records, recs = [], []
    for n, ago, agent, _lines, duration in scripted:
        pair = dial_pair(n, start=day(ago), agent=agent, duration=duration)
        records.extend(pair)
        recs.append(recording(pair[0]))
    records.extend(dial_pair(9, start=day(3), agent="juan.perez", status="no-answer", duration=None)[:1])
    land_page(landing, "calls", records, "run1")
    write_agents(landing, AGENTS)

    pages = (spark.read.schema(schemas.CALLS_PAGE).option("multiLine", "true").json(str(landing / "calls")))
    silver_calls = silver.silver_calls(bronze.bronze_calls(pages))
    agents = bronze.agent_directory(spark.read.schema(schemas.AGENT_DIRECTORY).option("header", "true")
                                    .csv(str(landing / "reference")))
    # localCheckpoint: every mart below reuses these instead of re-reading the landing zone (2 shared cores)
    calls = gold.twilio_calls(silver_calls, agents).localCheckpoint()
    tables = {"twilio_calls": calls}

    if with_audits:
        docs = [(r["sid"], r["call_sid"], _transcript(r["sid"], r["call_sid"], lines, duration))
                for r, (_n, _a, _agent, lines, duration) in zip(recs, scripted, strict=True)]
        silver_t = (spark.createDataFrame(docs, "recording_sid string, call_sid string, j string")
                    .select("recording_sid", "call_sid", F.from_json("j", TRANSCRIPT_TYPE).alias("transcript_redacted"),
                            F.current_timestamp().alias("transcribed_at")))
        transcriptions = transcripts.twilio_transcriptions(silver_t).localCheckpoint()
        rows = [audit_row_from_json(j, call_duration=float(d)) for (_r, _c, j), (*_, d) in zip(docs, scripted,
                                                                                              strict=True)]
        audits_raw = spark.createDataFrame(rows, spark_ddl()).withColumn("scored_at", F.current_timestamp())
        audits = marts.twilio_call_audits(audits_raw, calls).localCheckpoint()
        tables.update({
            "twilio_transcriptions": transcriptions,
            "twilio_call_audits": audits,
            "review_queue": marts.review_queue(audits, transcriptions),
            "kpi_summary": marts.kpi_summary(audits),
            "daily_quality_trend": marts.daily_quality_trend(audits),
            "agent_daily_quality": marts.agent_daily_quality(audits),
            "agent_coaching": coaching.agent_coaching(audits),
            # drivers through the real pandas UDF over the same redacted transcripts
            "call_topics": topic_tables.call_topics(topic_tables.silver_call_topics(silver_t, make_classify_driver()),
                                                    audits),
        })
        # three of the four calls answered the survey (the fourth gets a prediction); the model's minimum lowered
        # from 30 surveys to 3 so these few rows are enough
        answers = [(r["call_sid"], "nps", score, float(score), day(1)) for r, score in zip(recs[:3], (9, 2, 6),
                                                                                         strict=True)]
        surveys = spark.createDataFrame(answers, "call_sid string, survey_type string, score int, score_0_10 double, "
                                                 "answered_at timestamp")
        tables["call_surveys"] = surveys
        tables["call_satisfaction"] = satisfaction_tables.call_satisfaction(audits, surveys, min_surveys=3)
    for name, df in tables.items():
        df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(
            str(settings.table_path(name)))
    return sorted(tables)


def corrupt_audits(spark, home: Path) -> None:
    """Overwrite ``twilio_call_audits`` with deliberate errors: a duplicated call_sid, a score of 150, an unknown
    category and a null boolean."""
    from pyspark.sql import functions as F

    path = str(settings_for(home).table_path("twilio_call_audits"))
    audits = spark.read.format("delta").load(path)
    first = audits.orderBy("call_sid").limit(1)
    dup = first.withColumn("recording_sid", F.concat(F.col("recording_sid"), F.lit("-dup")))
    rest = audits.join(first.select("call_sid"), "call_sid", "left_anti").select(*audits.columns)
    broken = (rest.withColumn("quality_score", F.when(F.col("has_farewell"), F.lit(150.0))
                              .otherwise(F.col("quality_score")))
              .withColumn("quality_category", F.when(F.col("agent") == "Juan Pérez", F.lit("Fantástica"))
                          .otherwise(F.col("quality_category")))
              # a null protocol step is legitimate (not determinable); a null review flag never is
              .withColumn("needs_manual_review", F.when(F.col("agent") == "Carlos Ríos", F.lit(None).cast("boolean"))
                          .otherwise(F.col("needs_manual_review"))))
    result = broken.unionByName(first).unionByName(dup).localCheckpoint()
    result.write.format("delta").mode("overwrite").save(path)


def dump_json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


_BUILT: dict[str, Path] = {}


def shared_gold_home(spark, tmp_path_factory) -> Path:
    """One gold lakehouse per test session, shared read-only by the report, browser and validation tests (each
    build writes ~10 Delta tables; the machine has 2 cores). Tests that change data copy it first."""
    if "home" not in _BUILT:
        home = tmp_path_factory.mktemp("gold_home")
        build_gold(spark, home)
        _BUILT["home"] = home
    return _BUILT["home"]
