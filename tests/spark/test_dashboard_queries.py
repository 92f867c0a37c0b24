"""Every dataset of dashboards/call_quality.lvdash.json runs, as written, on gold tables built by the real transforms.

The gold tables are produced from a few landed Twilio pages and scored synthetic transcripts by the same functions
the pipeline wraps (bronze -> silver -> gold, scorecard, redaction, marts), registered under their plain names the
way the dashboard's dataset_catalog/dataset_schema make them resolve in a workspace. Each query must execute,
return the columns its widgets use, and agree with an independent count of the inputs.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from twilio_pages import call, dial_pair, land_page, sid, write_agents

from callaudit.scoring import audit_to_row, load_scorecard, score_transcript, spark_ddl
from callaudit.scoring.samples import synthetic_label, transcript_from_label
from callaudit.transcription.redact import redact_transcript
from callaudit.transforms import bronze, coaching, gold, marts, schemas, silver, transcripts

pytestmark = pytest.mark.spark

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboards" / "call_quality.lvdash.json"
AGENTS = [("A001", "maria.lopez", "María López", "Konecta", "Tarjetas", "Ana Ruiz"),
          ("A002", "juan.perez", "Juan Pérez", "Teleperformance", "Cobranza", "Luis Gil")]
# (scenario, agent index, duration in seconds, days ago) — durations cover every bucket of the histogram
CALLS = [("good", 0, 45, 1), ("forbidden", 1, 95, 1), ("angry", 1, 200, 2), ("no_greeting", 0, 400, 2),
         ("escalation", 1, 700, 3), ("good", 0, 80, 3), ("rude", 1, 30, 0)]
BUCKETS = {30: "00-01 min", 45: "00-01 min", 80: "01-03 min", 95: "01-03 min", 200: "03-05 min", 400: "05-10 min",
           700: "10+ min"}
RUDE_AGENT = ["Sí, diga.", "Qué pereza, eso no es mi problema.", "Eso no es mi problema, llame otro día."]


def label_for(index: int, scenario: str) -> dict:
    """A synthetic call; "rude" is an escalation whose agent skips the whole protocol (a critical call, < 40)."""
    if scenario != "rude":
        return synthetic_label(index, scenario=scenario)
    label = synthetic_label(index, scenario="escalation")
    agent_turns = [t for t in label["turns"] if t["speaker"] == "agent"]
    for i, turn in enumerate(agent_turns):
        turn["text"] = RUDE_AGENT[min(i, len(RUDE_AGENT) - 1)]
    return label


def dashboard():
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def dataset_sql(name: str) -> str:
    (ds,) = [d for d in dashboard()["datasets"] if d["name"] == name]
    return "".join(ds["queryLines"])


def widget_fields() -> dict[str, set[str]]:
    fields: dict[str, set[str]] = {}
    for page in dashboard()["pages"]:
        for item in page["layout"]:
            for q in item["widget"].get("queries", []):
                fields.setdefault(q["query"]["datasetName"], set()).update(f["name"] for f in q["query"]["fields"])
    return fields


@pytest.fixture(scope="module")
def gold_views(spark, tmp_path_factory):
    """The gold tables the dashboard reads, as temporary views under their plain names.

    Yields the scored audit rows (the oracle the queries are checked against) and each call's agent."""
    from pyspark.sql.types import StructType

    # A handful of rows: one shuffle partition instead of the session's default keeps every job to one task.
    previous_partitions = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    landing = tmp_path_factory.mktemp("dashboard") / "landing"
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    legs, plan = [], []
    for i, (scenario, agent, duration, days_ago) in enumerate(CALLS):
        start = now - timedelta(days=days_ago, hours=i + 1)
        pair = dial_pair(i, start=start, agent=AGENTS[agent][1], duration=duration)
        legs += pair
        plan.append((pair[0]["sid"], scenario, AGENTS[agent][2]))
    legs.append(call(99, start=now - timedelta(days=2), status="no-answer", duration=None))  # never audited
    land_page(landing, "calls", legs, "run1")
    write_agents(landing, AGENTS)

    pages = (spark.read.schema(schemas.CALLS_PAGE).option("multiLine", "true").option("mode", "PERMISSIVE")
             .option("columnNameOfCorruptRecord", "_corrupt_record").json(str(landing / "calls")))
    directory = bronze.agent_directory(spark.read.schema(schemas.AGENT_DIRECTORY).option("header", "true")
                                       .csv(str(landing / "reference")))
    gold_calls = gold.twilio_calls(silver.silver_calls(bronze.bronze_calls(pages)), directory)

    card = load_scorecard()
    audit_rows, transcript_rows = [], []
    for i, (call_sid, scenario, _) in enumerate(plan):
        transcript = transcript_from_label(label_for(i, scenario))
        transcript.call_sid, transcript.recording_sid = call_sid, sid("RE", call_sid)
        audit_rows.append({**audit_to_row(score_transcript(transcript, card)), "scored_at": now})
        transcript_rows.append({"recording_sid": transcript.recording_sid, "call_sid": call_sid,
                                "transcript_redacted": redact_transcript(transcript).to_dict(), "transcribed_at": now})
    from callaudit.transforms import topics as topic_tables
    from udfs.topics import make_classify_driver
    from udfs.transcribe import TRANSCRIPT_TYPE

    audits = spark.createDataFrame(audit_rows, StructType.fromDDL(spark_ddl() + ", scored_at TIMESTAMP"))
    silver_tx = spark.createDataFrame(transcript_rows, StructType.fromDDL(
        f"recording_sid STRING, call_sid STRING, transcript_redacted {TRANSCRIPT_TYPE.simpleString()}, "
        "transcribed_at TIMESTAMP"))
    def local(df):
        # Collected once into a local relation: the queries below then scan a few rows, not the whole lineage.
        return spark.createDataFrame(df.collect(), df.schema)

    gold_calls = local(gold_calls)
    call_audits = local(marts.twilio_call_audits(audits, gold_calls))
    tx = local(transcripts.twilio_transcriptions(silver_tx))
    views = {
        "twilio_calls": gold_calls,
        "twilio_call_audits": call_audits,
        "twilio_transcriptions": tx,
        "agent_daily_quality": local(marts.agent_daily_quality(call_audits)),
        "daily_quality_trend": local(marts.daily_quality_trend(call_audits)),
        "forbidden_words_by_agent": local(marts.forbidden_words_by_agent(call_audits)),
        "review_queue": local(marts.review_queue(call_audits, tx)),
        "kpi_summary": local(marts.kpi_summary(call_audits)),
        "agent_coaching": local(coaching.agent_coaching(call_audits)),
        # the driver of each call through the real pandas UDF over the same redacted transcripts
        "call_topics": local(topic_tables.call_topics(
            topic_tables.silver_call_topics(silver_tx, make_classify_driver()), call_audits)),
    }
    # post-call surveys for the first five calls (the model's minimum lowered to 4 for these few rows)
    from callaudit.transforms import satisfaction as satisfaction_tables

    answers = [(call_sid, "nps", score, float(score), now) for (call_sid, _, _), score in zip(plan[:5], (9, 3, 1, 6, 8),
                                                                                          strict=True)]
    surveys = spark.createDataFrame(answers, "call_sid string, survey_type string, score int, score_0_10 double, "
                                             "answered_at timestamp")
    views["call_satisfaction"] = local(satisfaction_tables.call_satisfaction(call_audits, surveys, min_surveys=4))
    # analysts' reviews of every call (one verdict contradicts the auditor) -> the pipeline's calibration tables
    from callaudit.transforms import reviews as review_tables

    review_rows = [{"call_sid": a["call_sid"], "reviewer": "Ana Ruiz", "reviewed_at": now,
                    "has_greeting": (not a["has_greeting"]) if i == 0 and a["has_greeting"] is not None
                    else a["has_greeting"], "has_identification": a["has_identification"],
                    "has_help_offer": a["has_help_offer"], "has_farewell": a["has_farewell"],
                    "forbidden_words": a["forbidden_words"], "quality_category": a["quality_category"],
                    "is_calibration": False, "note": "revisión de prueba"} for i, a in enumerate(audit_rows)]
    qa = spark.createDataFrame(review_rows, StructType.fromDDL(
        "call_sid STRING, reviewer STRING, reviewed_at TIMESTAMP, has_greeting BOOLEAN, has_identification BOOLEAN, "
        "has_help_offer BOOLEAN, has_farewell BOOLEAN, forbidden_words ARRAY<STRING>, quality_category STRING, "
        "is_calibration BOOLEAN, note STRING"))
    categories = [c.name for c in card.categories]
    views["calibration_agreement"] = local(review_tables.calibration_agreement(call_audits, qa, categories))
    views["calibration_disagreements"] = local(review_tables.calibration_disagreements(call_audits, qa, categories))
    for name, df in views.items():
        df.createOrReplaceTempView(name)
    yield audit_rows, {call_sid: agent_name for call_sid, _, agent_name in plan}
    for name in views:
        spark.catalog.dropTempView(name)
    spark.conf.set("spark.sql.shuffle.partitions", previous_partitions)


@pytest.fixture(scope="module")
def results(spark, gold_views):
    """Each dataset's query, run once as written: name -> (columns, rows)."""
    out = {}
    for ds in dashboard()["datasets"]:
        df = spark.sql("".join(ds["queryLines"]))
        out[ds["name"]] = (df.columns, df.collect())
        print(f"dashboard dataset {ds['name']}: {len(out[ds['name']][1])} rows")
    return out


@pytest.mark.parametrize("name", [d["name"] for d in dashboard()["datasets"]])
def test_dataset_query_runs_and_returns_the_columns_its_widgets_use(results, name):
    columns, rows = results[name]
    assert len(columns) == len(set(columns)), columns
    missing = widget_fields().get(name, set()) - set(columns)
    assert not missing, f"{name} lacks {sorted(missing)}"
    assert rows, f"{name} returned nothing although every input call is from the last few days"


def test_counters_and_critical_calls_agree_with_the_scored_audits(results, gold_views):
    audits, _ = gold_views
    critical = {a["call_sid"] for a in audits if a["quality_score"] is not None and a["quality_score"] < 40}
    review = {a["call_sid"] for a in audits if a["needs_manual_review"]}
    assert critical and review, "the scenarios must produce critical calls and calls to review"
    (counters,) = results["kpi_counters"][1]
    assert counters["calls_audited"] == len(audits)
    assert counters["critical_calls"] == len(critical)
    assert counters["calls_to_review"] == len(review)
    assert {r["call_sid"] for r in results["critical_calls"][1]} == critical
    queue = results["review_queue"][1]
    assert {r["call_sid"] for r in queue} == review
    ranks = [{"critical": 0, "high": 1}.get(r["priority"], 2) for r in queue]
    assert ranks == sorted(ranks), "the review queue is worst first"


def test_compliance_per_agent_is_the_share_of_that_agents_calls(results, gold_views):
    audits, agent_of = gold_views
    by_agent = {}
    for audit in audits:
        by_agent.setdefault(agent_of[audit["call_sid"]], []).append(audit)
    rows = {r["agent"]: r for r in results["compliance_by_agent"][1]}
    assert set(rows) == set(by_agent)
    for agent, calls in by_agent.items():
        assert rows[agent]["calls"] == len(calls)
        expected = round(sum(1 for c in calls if c["has_greeting"]) / len(calls), 3)
        assert rows[agent]["greeting_rate"] == pytest.approx(expected), agent
    vendors = {r["vendor"]: r["calls"] for r in results["compliance_by_vendor"][1]}
    assert vendors == {"Konecta": 3, "Teleperformance": 4}


def test_duration_histogram_counts_completed_parent_legs_per_bucket(results, gold_views):
    rows = results["call_duration"][1]
    assert {r["duration_bucket"]: r["calls"] for r in rows} == dict(Counter(BUCKETS[d] for _, _, d, _ in CALLS))
    assert [r["duration_bucket"] for r in rows] == sorted(r["duration_bucket"] for r in rows)


def test_forbidden_words_original_query_and_frequency_agree(results, gold_views):
    exploded = Counter(w for a in gold_views[0] for w in a["forbidden_words"])
    assert exploded, "the forbidden scenario must produce forbidden words"
    frequency = {r["word"]: r["times"] for r in results["forbidden_words"][1]}
    assert frequency == dict(exploded)
    original = Counter()
    for r in results["forbidden_words_by_agent"][1]:
        original[r["palabra"]] += r["veces"]
    assert original == exploded


def test_kpis_trend_and_weekly_sentiment_cover_every_audited_call(results, gold_views):
    audits, _ = gold_views
    kpis = results["kpi_targets"][1]
    assert [r["ord"] for r in kpis] == [0, 1, 2, 3, 4]
    assert {r["status"] for r in kpis} <= {"Cumple", "No cumple", "Sin datos"}
    assert all(r["calls"] == len(audits) for r in kpis)
    trend = results["quality_trend"][1]
    assert sum(r["total_calls"] for r in trend) == len(audits)
    assert [r["call_date"] for r in trend] == sorted(r["call_date"] for r in trend)
    assert sum(r["calls"] for r in results["sentiment_weekly"][1]) == len(audits)


def test_agreement_page_shows_the_one_contradicted_verdict(results, gold_views):
    audits, _ = gold_views
    judged = [a for a in audits if a["has_greeting"] is not None]
    rows = {r["criterio"]: r for r in results["agreement_by_criterion"][1]}
    assert rows["Saludo"]["llamadas"] == len(judged) and rows["Saludo"]["desacuerdos"] == 1
    assert rows["Despedida"]["desacuerdos"] == 0
    (disagreement,) = results["agreement_disagreements"][1]
    assert disagreement["call_sid"] == audits[0]["call_sid"] and disagreement["criterio"] == "Saludo"
    assert disagreement["evidencia_del_auditor"]


def test_today_page_lists_the_last_hours_audits_critical_first(results, gold_views):
    """Every audit was scored just now: the live page counts them all and puts critical errors first, then
    scores below 40."""
    audits, _ = gold_views
    errors = {a["call_sid"] for a in audits if a["critical_errors"]}
    low = {a["call_sid"] for a in audits if a["quality_score"] is not None and a["quality_score"] < 40} - errors
    assert errors, "the scenarios must produce a critical error"
    (counters,) = results["today_counters"][1]
    assert counters["audited_last_hour"] == len(audits)
    assert counters["critical_last_hour"] == len(errors | low)
    assert counters["escalations_last_hour"] == sum(1 for a in audits if a["escalation_requested"])
    rows = results["today_calls"][1]
    assert [r["priority"] for r in rows] == sorted(r["priority"] for r in rows)
    assert {r["call_sid"] for r in rows if r["priority"] == 1} == errors
    assert {r["call_sid"] for r in rows if r["priority"] == 2} == low


def test_agent_coaching_counts_each_agents_misses_with_their_own_moments(spark, gold_views):
    """The coaching mart against an independent count from the audit rows: per agent and step, the scored calls it
    applied to, the misses, up to three of the agent's own missed calls (newest first), and the catalogue's advice."""
    from collections import defaultdict

    from callaudit.coaching import advice_for

    audits = {r["call_sid"]: r for r in spark.table("twilio_call_audits").collect()}
    expected: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, set()])
    for a in audits.values():
        if a["quality_score"] is None:
            continue
        steps = [k for k in ("greeting", "identification", "help_offer", "farewell")
                 if k not in a["na_criteria"] and k not in a["undetermined_criteria"]]
        for k in steps + ["forbidden_words"]:
            missed = bool(a["forbidden_words"]) if k == "forbidden_words" else k in a["missed_criteria"]
            e = expected[(a["agent"], k)]
            e[0] += 1
            e[1] += missed
            if missed:
                e[2].add(a["call_sid"])
    rows = spark.table("agent_coaching").collect()  # the view the dashboard reads, from coaching.agent_coaching
    assert rows, "the scenarios miss steps"
    got = {(r["agent"], r["focus"]): r for r in rows}
    assert set(got) == {key for key, e in expected.items() if e[1] > 0}
    for (agent, focus), r in got.items():
        calls, missed, calls_missed = expected[(agent, focus)]
        assert (r["calls"], r["missed"]) == (calls, missed), (agent, focus)
        assert r["miss_rate"] == pytest.approx(round(missed / calls, 3))
        sids = [e["call_sid"] for e in r["examples"]]
        assert 1 <= len(sids) <= 3 and set(sids) <= calls_missed  # the agent's own missed calls
        starts = [e["start_time"] for e in r["examples"]]
        assert starts == sorted(starts, reverse=True) and all(e["evidence"] for e in r["examples"])
        assert r["recommendation"] == advice_for(focus).recommendation
    for agent in {a for a, _ in got}:
        ranks = sorted((r["rank"], -r["missed"]) for (a, _), r in got.items() if a == agent)
        assert [x for x, _ in ranks] == list(range(1, len(ranks) + 1))
        assert [m for _, m in ranks] == sorted(m for _, m in ranks)  # rank 1 = most misses


def test_drivers_page_counts_every_audited_call_once_by_its_driver(spark, results, gold_views):
    """The drivers' table against an independent count: every audited call has exactly one driver, the classifier
    run in Python on the same redacted transcript gives the same one, and the page's per-driver counts and
    average scores are those of the audit rows."""
    import json
    from collections import defaultdict

    from callaudit.topics.classify import cached_classifier, classify_transcript_json

    audits = {r["call_sid"]: r for r in spark.table("twilio_call_audits").collect()}
    topics = spark.table("call_topics").collect()
    assert sorted(r["call_sid"] for r in topics) == sorted(audits)
    clf = cached_classifier()
    for r in spark.table("twilio_transcriptions").collect():
        doc = {"segments": [s.asDict() for s in r["segments"]], "error": r["error"]}
        want = classify_transcript_json(json.dumps(doc, default=str), clf).driver
        assert next(t["driver"] for t in topics if t["recording_sid"] == r["recording_sid"]) == want
    by_label = defaultdict(list)
    for t in topics:
        by_label[t["driver_label"]].append(audits[t["call_sid"]]["quality_score"])
    _, rows = results["drivers_summary"]
    assert {r["motivo"]: r["llamadas"] for r in rows} == {k: len(v) for k, v in by_label.items()}
    for r in rows:
        scores = [s for s in by_label[r["motivo"]] if s is not None]
        assert r["qs_promedio"] == pytest.approx(round(sum(scores) / len(scores), 1) if scores else None)
    _, daily = results["drivers_by_day"]
    assert sum(r["llamadas"] for r in daily) == len(topics)


def test_satisfaction_page_compares_answers_with_predictions_per_agent(spark, results, gold_views):
    """Per agent: the surveyed average is the mean of that agent's answers, the predicted one the mean of the mart's
    predictions; the at-risk table lists only unsurveyed calls, lowest prediction first."""
    from collections import defaultdict

    rows = spark.table("call_satisfaction").collect()
    surveyed, predicted = defaultdict(list), defaultdict(list)
    for r in rows:
        if r["surveyed_score_0_10"] is not None:
            surveyed[r["agent"]].append(r["surveyed_score_0_10"])
        if r["predicted_score"] is not None:
            predicted[r["agent"]].append(r["predicted_score"])
    assert sum(len(v) for v in surveyed.values()) == 5 and sum(len(v) for v in predicted.values()) == len(rows)
    _, by_agent = results["satisfaction_by_agent"]
    got = {(r["agent"], r["fuente"]): (r["satisfaccion"], r["llamadas"]) for r in by_agent}
    for agent, values in surveyed.items():
        assert got[(agent, "Encuesta")] == (pytest.approx(round(sum(values) / len(values), 2)), len(values))
    for agent, values in predicted.items():
        assert got[(agent, "Predicción")] == (pytest.approx(round(sum(values) / len(values), 2)), len(values))
    _, risk = results["satisfaction_at_risk"]
    unsurveyed = {r["call_sid"] for r in rows if r["surveyed_score"] is None}
    assert risk and {r["call_sid"] for r in risk} == unsurveyed
    assert [r["prediccion"] for r in risk] == sorted(r["prediccion"] for r in risk)
    assert all(r["desde"] <= r["prediccion"] <= r["hasta"] for r in risk)
