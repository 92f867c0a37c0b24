"""A small but complete landing scenario for real ``spark-pipelines`` runs, with its expected counts.

Batch 1: four answered calls (parent + <Dial> child legs) with short dual-channel recordings — one of them a
broken file — three unanswered calls, bad records (no sid, unknown status, unparseable date, negative duration),
an unparseable page and the agent directory.
Batch 2: two new answered calls, a late status update of an old call, a page landed twice (duplicate), analysts'
reviews and post-call survey answers dropped as CSV files (good rows, a later answer, bad rows).

``expected(landed)`` derives the row counts every layer must have from what was landed, so a test can check
each layer after each run (this is what catches stale reads between runs).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from twilio_pages import (
    BASE,
    call,
    dial_pair,
    land_media,
    land_page,
    recording,
    sid,
    write_agents,
    write_dual_wav,
    write_json,
)

AGENTS = [("A001", "maria.lopez", "María López", "Konecta", "Tarjetas", "Ana Ruiz"),
          ("A002", "juan.perez", "Juan Pérez", "Teleperformance", "Cobranza", "Luis Gil")]

DIALOGUES = [
    (["Buenos días, gracias por comunicarse, habla con María. ¿En qué le puedo colaborar?",
      "Con gusto. Que tenga un feliz día."],
     ["Quiero saber el saldo. Mi cédula es uno cero tres dos cuatro cinco seis siete.", "Gracias."]),
    (["Sí, diga.", "Qué pereza, eso no es mi problema."],
     ["El servicio es pésimo, quiero hablar con un supervisor.", "Voy a poner una queja."]),
    (["Buenas tardes, habla con Juan, ¿en qué le puedo ayudar?", "Listo, quedó solucionado. Hasta luego."],
     ["Necesito cambiar mi dirección.", "Excelente, muchas gracias."]),
]


@dataclass
class Landed:
    # kind of bad input -> recording sid, to check where each one ended up
    bad_inputs: dict[str, str] = field(default_factory=dict)
    valid_calls: set[str] = field(default_factory=set)
    call_records: int = 0
    bad_call_records: int = 0  # records that silver must quarantine (drop)
    corrupt_call_pages: int = 0
    recordings: set[str] = field(default_factory=set)
    recording_records: int = 0
    media: set[str] = field(default_factory=set)
    broken_media: set[str] = field(default_factory=set)
    reviews: set[tuple[str, str]] = field(default_factory=set)  # (call_sid, reviewer) that must reach qa_reviews
    bad_reviews: dict[str, str] = field(default_factory=dict)  # call_sid -> the rule that must quarantine it
    surveys: dict[str, tuple[str, int]] = field(default_factory=dict)  # call_sid -> (type, score) in call_surveys
    bad_surveys: dict[str, list[str]] = field(default_factory=dict)  # call_sid -> the rules that must quarantine it


def _audio_cache(cache: Path) -> list[Path]:
    """Synthesize the dialogues (and the odd recordings) once per test session (espeak-ng) and reuse the files."""
    from callaudit_testkit.synth.espeak_calls import Turn, build_call, build_mono

    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (agent, customer) in enumerate(DIALOGUES):
        path = cache / f"dialogue{i}.wav"
        if not path.exists():
            write_dual_wav(path, agent, customer, gap=0.4)
        paths.append(path)
    if not (cache / "mono.wav").exists():
        build_mono("Buenos días, habla con María, ¿en qué le puedo colaborar?", cache / "mono.wav")
    if not (cache / "english.wav").exists():
        build_call([Turn(2, "Good morning, thank you for calling, my name is John. How can I help you?", voice="en"),
                    Turn(1, "Hello, I would like to know the balance of my credit card, please.", voice="en")],
                   cache / "english.wav")
    if not (cache / "customer_only.wav").exists():
        write_dual_wav(cache / "customer_only.wav", [], ["Aló, aló, ¿hay alguien ahí? No escucho nada."])
    return paths


def _answered(landing: Path, landed: Landed, n: int, audio: Path | None, agent: str, run: str, *,
              broken: bytes | None = None, bad_input: str | None = None) -> list[dict]:
    pair = dial_pair(n, start=BASE + timedelta(days=n % 2, minutes=n), agent=agent, duration=20)
    rec = recording(pair[0])
    if bad_input:
        landed.bad_inputs[bad_input] = rec["sid"]
    if broken is not None:
        land_media(landing, rec, data=broken)
        landed.broken_media.add(rec["sid"])
    else:
        target = landing / "media" / f"{rec['sid']}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(audio, target)
        land_media(landing, rec)
    landed.media.add(rec["sid"])
    land_page(landing, "recordings", [rec], f"{run}-{n}")
    landed.recordings.add(rec["sid"])
    landed.recording_records += 1
    return pair


def land_batch1(landing: Path, audio_cache: Path, landed: Landed) -> None:
    audio = _audio_cache(audio_cache)
    write_agents(landing, AGENTS)
    calls = []
    calls += _answered(landing, landed, 1, audio[0], "maria.lopez", "b1")
    calls += _answered(landing, landed, 2, audio[1], "juan.perez", "b1")
    calls += _answered(landing, landed, 3, audio[2], "ghost.agent", "b1")  # not in the directory
    # bad recordings: each must become a transcript row with an error, never a failed update
    calls += _answered(landing, landed, 4, None, "maria.lopez", "b1", broken=b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00",
                       bad_input="truncated WAV")
    calls += _answered(landing, landed, 7, None, "maria.lopez", "b1", broken=b"", bad_input="empty WAV")
    calls += _answered(landing, landed, 8, None, "juan.perez", "b1", broken=b"<html>not audio</html>" * 40,
                       bad_input="bytes that are not audio")
    calls += _answered(landing, landed, 9, None, "juan.perez", "b1", broken=audio_cache.joinpath("mono.wav").read_bytes(),
                       bad_input="mono file where two channels were expected")
    calls += _answered(landing, landed, 10, None, "juan.perez", "b1", broken=audio_cache.joinpath("english.wav").read_bytes(),
                       bad_input="non-Spanish speech")
    # the agent never speaks: transcribed fine, but there is nothing to audit
    calls += _answered(landing, landed, 11, audio_cache / "customer_only.wav", "maria.lopez", "b1",
                       bad_input="a transcript with no agent speech")
    calls += [call(50 + i, start=BASE + timedelta(hours=i), status=s, duration=None)
              for i, s in enumerate(["busy", "no-answer", "canceled"])]
    calls.append(call(55, start=BASE, duration=0))  # a 0-second completed call: kept, flagged (warn)
    bad = [call(60, start=BASE, status="teleported"), call(61, start=BASE, date_updated="ayer por la tarde"),
           call(62, start=BASE, duration=-5)]
    nameless = call(63, start=BASE)
    del nameless["sid"]
    bad.append(nameless)
    land_page(landing, "calls", calls + bad, "b1")
    write_json(landing / "calls" / "calls-b1-garbage-p00001.json", "<html>502 Bad Gateway</html>")
    landed.valid_calls |= {c["sid"] for c in calls}
    landed.call_records += len(calls) + len(bad)
    landed.bad_call_records += len(bad)
    landed.corrupt_call_pages += 1


def land_batch2(landing: Path, audio_cache: Path, landed: Landed) -> None:
    audio = _audio_cache(audio_cache)
    calls = []
    calls += _answered(landing, landed, 5, audio[2], "juan.perez", "b2")
    calls += _answered(landing, landed, 6, audio[0], "maria.lopez", "b2")
    # a late update of an old unanswered call: same sid, newer date_updated (must replace, not add)
    late = call(50, start=BASE, status="completed", duration=33, updated_delta=7200)
    calls.append(late)
    land_page(landing, "calls", calls, "b2")
    land_page(landing, "calls", calls, "b2-again")  # the same page landed twice
    landed.valid_calls |= {c["sid"] for c in calls}
    landed.call_records += 2 * len(calls)
    land_review_drop(landing, landed)
    land_survey_drop(landing, landed)


# Analysts' verdicts dropped by hand into landing/reviews (as on a Databricks volume): the raw CSV an analyst
# writes (naive Bogotá times, sí/no, a quoted note with a comma), three good rows and three bad ones.
REVIEW_DROP = [
    (1, "Ana Ruiz", "2026-12-01 09:00", "sí", "sí", "sí", "sí", "", "Buena", "no", '"bien, completa"', None),
    (1, "Luis Gil", "2026-12-01 09:30", "sí", "no", "sí", "sí", "", "Regular", "sí", "calibración", None),
    (2, "Ana Ruiz", "2026-12-01 10:00", "no", "no", "no", "no", "qué pereza", "Requiere Atención", "no", "", None),
    (999, "Ana Ruiz", "2026-12-01 10:10", "sí", "sí", "sí", "sí", "", "Buena", "no", "", "call_audited"),
    (5, "Ana Ruiz", "ayer", "sí", "sí", "sí", "sí", "", "Buena", "no", "", "reviewed_at_valid"),
    (6, "Ana Ruiz", "2026-12-01 11:00", "quizás", "sí", "sí", "sí", "", "Buena", "no", "", "booleans_valid"),
]


def land_review_drop(landing: Path, landed: Landed) -> None:
    from callaudit.calibration.records import REVIEW_FIELDS

    lines = [",".join(REVIEW_FIELDS)]
    for n, *cells, rule in REVIEW_DROP:
        lines.append(",".join([sid("CA", n), *cells]))
        if rule:
            landed.bad_reviews[sid("CA", n)] = rule
        else:
            landed.reviews.add((sid("CA", n), cells[0]))
    target = landing / "reviews" / "revision-semana48.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def land_late_review(landing: Path, landed: Landed) -> str:
    """A second analysts' CSV after gold is current: only the review tables can change (one row, quarantined)."""
    from callaudit.calibration.records import REVIEW_FIELDS

    n, *cells, rule = (1, "Marta Díaz", "anteayer", "sí", "sí", "sí", "sí", "", "Buena", "no", "", "reviewed_at_valid")
    landed.bad_reviews[sid("CA", n)] = rule
    target = landing / "reviews" / "revision-semana49.csv"
    target.write_text(",".join(REVIEW_FIELDS) + "\n" + ",".join([sid("CA", n), *cells]) + "\n", encoding="utf-8")
    return sid("CA", n)


# Post-call survey answers dropped by hand into landing/surveys (a survey tool's export): naive Bogotá times, a call
# answering twice (the later answer wins), a survey of a call that was never audited (kept in call_surveys, not in
# call_satisfaction), and bad rows, each with the rule that must quarantine it.
SURVEY_DROP = [
    (1, "nps", "9", "2026-12-01 09:00", None),
    (1, "nps", "3", "2026-12-02 18:30", None),  # the same customer later: this answer wins
    (2, "csat", "1", "2026-12-01 10:00", None),
    (3, "CSAT", "5", "2026-12-01T15:00:00Z", None),
    (5, "nps", "10", "2026-12-02", None),
    (998, "nps", "7", "2026-12-01 11:00", None),  # not an audited call
    (6, "csat", "6", "2026-12-01 11:00", ["score_in_range"]),
    (11, "ces", "3", "2026-12-01 11:00", ["survey_type_known", "score_in_range"]),
    (4, "nps", "8", "mañana", ["answered_at_valid"]),
]


def land_survey_drop(landing: Path, landed: Landed) -> None:
    from callaudit.satisfaction.records import SURVEY_FIELDS

    lines = [",".join(SURVEY_FIELDS)]
    for n, kind, score, when, rules in SURVEY_DROP:
        lines.append(",".join([sid("CA", n), kind, score, when]))
        if rules:
            landed.bad_surveys[sid("CA", n)] = rules
        else:
            landed.surveys[sid("CA", n)] = (kind.lower(), int(score))
    lines.append("CA12345,nps,5,2026-12-01")  # not a call sid
    landed.bad_surveys["CA12345"] = ["call_sid_format"]
    target = landing / "surveys" / "encuestas-semana48.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def expected(landed: Landed) -> dict[str, int]:
    return {
        "bronze_calls": landed.call_records + landed.corrupt_call_pages,
        "silver_calls": len(landed.valid_calls),
        "quarantine_silver_calls_dropped": landed.bad_call_records + landed.corrupt_call_pages,
        "twilio_calls": len(landed.valid_calls),
        "bronze_recordings": landed.recording_records,
        "silver_recordings": len(landed.recordings),
        "twilio_recordings": len(landed.recordings),
        "bronze_media": len(landed.media),
        "silver_transcriptions": len(landed.media),
        "transcription_errors": len(landed.broken_media),
        "twilio_transcriptions": len(landed.media),
        "silver_call_audits": len(landed.media),
        "twilio_call_audits": len(landed.media),
        "silver_call_topics": len(landed.media),
        "call_topics": len(landed.media),
        "agent_directory": len(AGENTS),
    }


REVIEW_TABLES = ["qa_reviews", "calibration_agreement", "calibration_disagreements"]
SURVEY_TABLES = ["call_surveys", "call_satisfaction"]
GOLD = ["twilio_calls", "twilio_recordings", "twilio_transcriptions", "twilio_call_audits", "agent_daily_quality",
        "daily_quality_trend", "forbidden_words_by_agent", "review_queue", "kpi_summary", "call_topics"]


def layer_counts(spark, settings) -> dict[str, int]:
    t = lambda name: spark.read.format("delta").load(str(settings.table_path(name)))  # noqa: E731
    q = t("quarantine_silver_calls")
    st = t("silver_transcriptions")
    return {
        "bronze_calls": t("bronze_calls").count(),
        "silver_calls": t("silver_calls").count(),
        "quarantine_silver_calls_dropped": q.where("_action = 'drop'").count(),
        "twilio_calls": t("twilio_calls").count(),
        "bronze_recordings": t("bronze_recordings").count(),
        "silver_recordings": t("silver_recordings").count(),
        "twilio_recordings": t("twilio_recordings").count(),
        "bronze_media": t("bronze_media").count(),
        "silver_transcriptions": st.count(),
        "transcription_errors": st.where("error IS NOT NULL").count(),
        "twilio_transcriptions": t("twilio_transcriptions").count(),
        "silver_call_audits": t("silver_call_audits").count(),
        "twilio_call_audits": t("twilio_call_audits").count(),
        "silver_call_topics": t("silver_call_topics").count(),
        "call_topics": t("call_topics").count(),
        "agent_directory": t("agent_directory").count(),
    }


VOLATILE = {"_ingested_at", "transcribed_at", "scored_at", "classified_at", "processing_seconds", "worker_pid", "worker_model_loads",
            "_quarantined_at", "_source_file"}


def snapshot(spark, settings, tables: list[str]) -> dict[str, list]:
    """Table contents without run-dependent columns, as sorted JSON rows (for crash/rerun equality)."""
    import json

    from pyspark.sql import functions as F

    out = {}
    for name in tables:
        df = spark.read.format("delta").load(str(settings.table_path(name)))
        keep = [c for c in df.columns if c not in VOLATILE]
        rows = df.select(*keep).select(F.to_json(F.struct(*keep)).alias("j")).collect()
        out[name] = sorted(json.dumps(_strip(json.loads(r["j"])), sort_keys=True, ensure_ascii=False) for r in rows)
    return out


def _strip(obj):
    """Drop nested volatile fields (e.g. transcript.processing_seconds) for comparison."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj
