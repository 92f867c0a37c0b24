"""The README's main job, end to end, as a user runs it: `callaudit demo` in a fresh CALLAUDIT_HOME.

The demo runs as a subprocess with recognisable fake secrets in its environment; afterwards we check what it
printed and wrote: no secret anywhere (logs, landing, tables, report), phone numbers masked in every gold table,
no personal number read aloud in the synthetic calls left in gold or the report, and the original system's four
analyst queries ("Casos de Uso") run as written on the gold tables and agree with the call centre's ground truth.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CALLAUDIT = str(Path(sys.executable).parent / "callaudit")
TOKEN = "tok-CANARY-5f1d0c9e"
AZURE_KEY = "azkey-CANARY-7a2b"
GOLD = ["twilio_calls", "twilio_recordings", "twilio_transcriptions", "twilio_call_audits", "agent_daily_quality",
        "daily_quality_trend", "forbidden_words_by_agent", "review_queue", "kpi_summary", "call_topics",
        "call_surveys", "call_satisfaction"]

ORIGINAL_QUERIES = {
    "agents_without_greeting": """
        SELECT
            agent,
            COUNT(*) as llamadas_sin_saludo,
            AVG(quality_score) as score_promedio
        FROM twilio_call_audits
        WHERE has_greeting = FALSE
            AND DATE(start_time) >= CURRENT_DATE() - INTERVAL 7 DAYS
        GROUP BY agent
        ORDER BY llamadas_sin_saludo DESC""",
    "forbidden_words_by_agent": """
        SELECT
            agent,
            exploded_word as palabra,
            COUNT(*) as veces
        FROM twilio_call_audits
        LATERAL VIEW explode(forbidden_words) AS exploded_word
        GROUP BY agent, exploded_word
        ORDER BY veces DESC""",
    "critical_calls_today": """
        SELECT
            call_sid,
            quality_score,
            forbidden_words,
            sentiment_score,
            needs_manual_review
        FROM twilio_call_audits
        WHERE needs_manual_review = TRUE
            AND DATE(start_time) = CURRENT_DATE()
        ORDER BY quality_score ASC""",
    "quality_trend": """
        SELECT
            DATE(start_time) as fecha,
            AVG(quality_score) as score_promedio,
            COUNT(*) as total_llamadas,
            COUNT(CASE WHEN quality_score < 50 THEN 1 END) as llamadas_problema
        FROM twilio_call_audits
        WHERE start_time >= CURRENT_DATE() - INTERVAL 30 DAYS
        GROUP BY DATE(start_time)
        ORDER BY fecha DESC""",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo") / "lakehouse"
    env = dict(os.environ)
    env.update({
        "CALLAUDIT_HOME": str(home),
        "TWILIO_ACCOUNT_SID": "AC" + "5eed" * 8,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "AZURE_SPEECH_KEY": AZURE_KEY,
        "AZURE_SPEECH_REGION": "eastus",
        "CALLAUDIT_DOTENV": str(ROOT / "tests" / "data" / "no.env"),
    })
    proc = subprocess.run([CALLAUDIT, "--verbose", "demo", "--calls", "10", "--days", "3", "--seed", "5"],
                          env=env, capture_output=True, text=True, timeout=2400, cwd=ROOT)
    labels = [json.loads(p.read_text()) for p in sorted((home / "twilio_data" / "labels").glob("*.json"))]
    return {"home": home, "proc": proc, "labels": labels}


def _settings(home: Path):
    from callaudit.config import Settings

    return Settings(home=home, cache=ROOT / ".cache")


def _table(spark, home: Path, name: str):
    return spark.read.format("delta").load(str(_settings(home).table_path(name)))


def _all_text(spark, home: Path, name: str) -> str:
    from pyspark.sql import functions as F

    df = _table(spark, home, name)
    return "\n".join(r[0] for r in df.select(F.to_json(F.struct(*df.columns))).collect())


def test_demo_runs_end_to_end(demo):
    proc = demo["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert "KPI summary" in out and "Quality Score promedio" in out
    assert (demo["home"] / "report.html").stat().st_size > 10_000
    assert len(demo["labels"]) >= 5


def test_no_secret_in_any_output_log_table_landing_file_or_report(demo, spark):
    proc, home = demo["proc"], demo["home"]
    for secret in (TOKEN, AZURE_KEY):
        assert secret not in proc.stdout and secret not in proc.stderr
        hits = [p for p in home.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
        assert hits == [], f"{secret[:9]}… found in {hits}"
    from callaudit.lakehouse.runtime import list_tables

    for name in list_tables(_settings(home)):
        text = _all_text(spark, home, name)
        assert TOKEN not in text and AZURE_KEY not in text, name


# a phone-like run of digits that is not part of a longer token (Twilio SIDs are hex: CA…1612273297…)
PHONE = re.compile(r"(?<![0-9A-Za-z])\+?\d[\d ()-]{8,}\d(?![0-9A-Za-z])")


def test_phone_numbers_are_masked_in_every_gold_table(demo, spark):
    home = demo["home"]
    calls = _table(spark, home, "twilio_calls").collect()
    assert any("*" in (r["from_number"] or "") for r in calls), "expected masked customer numbers"
    for name in GOLD:
        text = _all_text(spark, home, name)
        raw_numbers = [m for m in PHONE.findall(text) if "*" not in m and len(re.sub(r"\D", "", m)) >= 10]
        assert raw_numbers == [], f"{name}: {raw_numbers[:3]}"


def test_no_personal_number_read_aloud_survives_in_gold_or_report(demo, spark):
    home = demo["home"]
    spoken = [p for label in demo["labels"] for p in label["pii"]]
    assert spoken, "the synthetic calls should read personal numbers aloud"
    haystacks = {name: _all_text(spark, home, name) for name in ("twilio_transcriptions", "twilio_call_audits",
                                                                  "review_queue")}
    haystacks["report.html"] = (home / "report.html").read_text()
    for name, text in haystacks.items():
        digits = re.sub(r"\D", "", text)
        for pii in spoken:
            value = pii["value"]
            assert value.lower() not in text.lower(), f"{pii['type']} in {name}"
            only_digits = re.sub(r"\D", "", value)
            if len(only_digits) >= 7:
                assert only_digits not in digits, f"{pii['type']} digits in {name}"


def _rules_find_greeting(label: dict) -> bool:
    """The scorecard's verdict on the call's words as the generator spoke them (a perfect recogniser)."""
    from callaudit_testkit.synth.evalset import reference_of

    from callaudit.scoring import cached_scorecard
    from callaudit.scoring.audit import score_transcript

    return score_transcript(reference_of(label), cached_scorecard()).criteria["greeting"].status == "met"


def test_original_analyst_queries_run_as_written_and_match_ground_truth(demo, spark):
    from callaudit.lakehouse.runtime import register_tables

    home = demo["home"]
    register_tables(spark, _settings(home))
    results = {name: spark.sql(q).collect() for name, q in ORIGINAL_QUERIES.items()}
    # dates computed by Spark (session time zone UTC), as DATE(start_time) in the queries
    audits = {r["call_sid"]: r for r in spark.sql("SELECT *, DATE(start_time) AS d FROM twilio_call_audits").collect()}
    labels = {label["call_sid"]: label for label in demo["labels"] if label["call_sid"] in audits}
    assert labels, "every labelled call should be audited"

    # 4. quality trend: one row per call day, counts = audited calls that day (exact: no ASR involved)
    per_day = Counter(a["d"] for a in audits.values())
    assert {r["fecha"]: r["total_llamadas"] for r in results["quality_trend"]} == dict(per_day)
    for r in results["quality_trend"]:
        scored = [a["quality_score"] for a in audits.values()
                  if a["d"] == r["fecha"] and a["quality_score"] is not None]
        assert r["llamadas_problema"] == sum(s < 50 for s in scored)

    # 1. agents without greeting: the detector never invents a greeting, so every call whose words, as spoken,
    #    hold none by the scorecard's rules is counted for its agent (the count may be higher when ASR garbles a
    #    real greeting). "As spoken, by the rules", not the generator's mark: the generator's "missing greeting"
    #    openings include "le saluda María", which the v2 scorecard counts as a salutation — a recogniser that
    #    hears it right is not inventing a greeting
    counted = {r["agent"]: r["llamadas_sin_saludo"] for r in results["agents_without_greeting"]}
    truth = Counter(audits[sid]["agent"] for sid, label in labels.items()
                    if not label["expected"]["greeting"] and not _rules_find_greeting(label))
    for agent, n in truth.items():
        assert counted.get(agent, 0) >= n, (agent, counted, truth)

    # 2. forbidden words by agent: every word reported was really said by that agent in some call (precision;
    #    words heard with low confidence are only "possible" and go to review, they are not reported here)
    from callaudit.scoring import cached_scorecard

    card = cached_scorecard()
    spoken = {(audits[sid]["agent"], card.canonical_forbidden(w))
              for sid, label in labels.items() for w in label["expected"]["forbidden_words"]}
    for r in results["forbidden_words_by_agent"]:
        assert (r["agent"], r["palabra"]) in spoken, r

    # 3. critical calls today: synthetic calls end yesterday, so "today" is empty; the same query on the last call
    #    day returns exactly the flagged calls of that day, worst first
    assert results["critical_calls_today"] == []
    last_day = max(per_day)
    shifted = ORIGINAL_QUERIES["critical_calls_today"].replace("CURRENT_DATE()", f"DATE'{last_day}'")
    rows = spark.sql(shifted).collect()
    flagged = {sid for sid, a in audits.items() if a["needs_manual_review"] and a["d"] == last_day}
    assert {r["call_sid"] for r in rows} == flagged
    scores = [r["quality_score"] for r in rows if r["quality_score"] is not None]
    assert scores == sorted(scores)


def test_rerun_with_nothing_new_transcribes_nothing(demo, spark):
    home = demo["home"]
    before = _table(spark, home, "silver_transcriptions").select("recording_sid", "transcribed_at").collect()
    env = dict(os.environ, CALLAUDIT_HOME=str(home), CALLAUDIT_DOTENV=str(ROOT / "tests" / "data" / "no.env"))
    # nothing landed and nothing changed since the demo's update: skipped before Spark starts
    proc = subprocess.run([CALLAUDIT, "pipeline", "run"], env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "UP_TO_DATE" in proc.stdout and "nothing landed" in proc.stdout, proc.stdout[-2000:]
    # forced through Spark anyway: the streaming tables find nothing new, so nothing is transcribed again
    proc = subprocess.run([CALLAUDIT, "pipeline", "run", "--force"], env=env, capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "pipeline COMPLETED" in proc.stdout, proc.stdout[-2000:]
    after = _table(spark, home, "silver_transcriptions").select("recording_sid", "transcribed_at").collect()
    assert sorted(before) == sorted(after)


# ---- the calibration loop on the demo, through the CLI as a QA lead runs it ------------------------------------
E2E_REVIEWER = "Revisora E2E"
REVIEW_HEADER = ("call_sid,reviewer,reviewed_at,has_greeting,has_identification,has_help_offer,has_farewell,"
                 "forbidden_words,quality_category,is_calibration,note")


def _cli(home: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    env = dict(os.environ, CALLAUDIT_HOME=str(home), CALLAUDIT_DOTENV=str(ROOT / "tests" / "data" / "no.env"))
    return subprocess.run([CALLAUDIT, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _analyst_rows(labels: list[dict]) -> list[str]:
    """The synthetic call centre's ground truth written the way an analyst fills the review CSV."""
    def yn(value) -> str:
        return "sí" if value else "no"

    rows = []
    for i, label in enumerate(labels):
        e = label["expected"]
        farewell = yn(e["farewell"]) if e.get("farewell_applicable", True) else "n/a"
        rows.append(",".join([label["call_sid"], E2E_REVIEWER, f"2026-12-0{1 + i % 5}T10:{i:02d}", yn(e["greeting"]),
                              yn(e["identification"]), yn(e["help_offer"]), farewell,
                              ";".join(e["forbidden_words"]), "", "no", "revisión e2e"]))
    return rows


def test_review_import_calibrate_rescore_and_sample_on_the_demo(demo, spark, tmp_path):
    home, labels = demo["home"], demo["labels"]
    good = _analyst_rows(labels)
    sid = labels[0]["call_sid"]
    bad = [f"CA{'0' * 32},Ana Ruiz,2026-12-01,sí,sí,sí,sí,,,no,",           # not an audited call
           f"{sid},Luis Gil,01/12/2026,sí,sí,sí,sí,,,no,",                  # not an ISO date
           f"{sid},Luis Gil,2026-12-01,sí,sí,sí,sí,,Fantástica,no,",         # unknown category
           f"{sid},Luis Gil,2026-12-02,quizás,sí,sí,sí,,,no,",              # not yes/no
           f"{sid},,2026-12-03,sí,sí,sí,sí,,,no,"]                          # no reviewer
    csv_path = tmp_path / "revisiones.csv"
    csv_path.write_text("\n".join([REVIEW_HEADER, *good, *bad]) + "\n", encoding="utf-8")

    first = _cli(home, "review", "import", str(csv_path))
    assert first.returncode == 1, first.stdout + first.stderr  # some rows were rejected: say so in the exit code
    for reason in ("not an audited call", "not an ISO 8601 date", "not a category", "not a yes/no answer",
                   "reviewer is empty"):
        assert reason in first.stderr, (reason, first.stderr)
    assert f"{len(good)} review(s) landed" in first.stdout and "5 rejected" in first.stdout
    again = _cli(home, "review", "import", str(csv_path))
    assert "0 review(s) landed" in again.stdout and f"{len(good)} already imported" in again.stdout
    assert len(list((home / "landing" / "reviews").glob("*revisiones-csv*.csv"))) == 1
    # the demo's synthetic QA team landed its own weekly reviews and a calibration session
    assert list((home / "landing" / "reviews").glob("*synthetic-qa-team*.csv"))

    run = _cli(home, "pipeline", "run", "--refresh", "bronze_qa_reviews,qa_reviews,quarantine_qa_reviews,"
               "calibration_agreement,calibration_disagreements")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    qa = _table(spark, home, "qa_reviews")
    assert qa.where(f"reviewer = '{E2E_REVIEWER}'").count() == len(good)
    assert qa.where("is_calibration").select("reviewer").distinct().count() == 2  # the synthetic session
    scored = {r.call_sid for r in _table(spark, home, "twilio_call_audits").where("audit_error IS NULL").collect()}
    own = {(r.call_sid, r.reviewer) for r in qa.where("NOT is_calibration").collect() if r.call_sid in scored}

    cal = _cli(home, "calibrate", "--json", "--seed", "4")
    assert cal.returncode == 0, cal.stderr[-2000:]
    result = json.loads(cal.stdout)
    table = {(r["comparison"], r["scope"], r["scope_value"], r["criterion"]): r
             for r in _table(spark, home, "calibration_agreement").collect()}
    greeting = next(r for r in result["agreement"] if r["scope"] == "all" and r["criterion"] == "greeting")
    assert greeting["n"] + greeting["n_excluded"] == len(own)
    assert greeting["agreement"] == pytest.approx(table[("auditor_vs_analyst", "all", "", "greeting")]["agreement"])
    assert json.loads(_cli(home, "calibrate", "--json", "--seed", "4").stdout)["agreement"] == result["agreement"]

    rescore = _cli(home, "rescore", "--scorecard", str(ROOT / "scorecards" / "callaudit_v1.yml"), "--json")
    assert rescore.returncode == 0, rescore.stderr[-2000:]
    changes = json.loads(rescore.stdout)
    assert changes["version"] == "callaudit-v1.0" and changes["calls"] == _table(spark, home, "twilio_call_audits").count()
    compare = _cli(home, "calibrate", "--compare", "v1", "v2", "--json")
    assert compare.returncode == 0, compare.stderr[-2000:]
    cmp = json.loads(compare.stdout)
    assert cmp["version_a"] == "callaudit-v1.0" and cmp["version_b"] == "callaudit-v2.0"
    reviewed = {sid for sid, _ in own}
    assert cmp["reviewed_calls"] == len(reviewed)
    assert {(c["call_sid"], c["criterion"]) for c in cmp["changes"]} == \
        {(c["call_sid"], c["criterion"]) for c in changes["changes"] if c["call_sid"] in reviewed}
    print("rescore v1 vs gold v2:", len(changes["changes"]), "verdict changes;",
          [(c["criterion"], c["callaudit-v1.0"], c["callaudit-v2.0"], c["closer_to_analysts"]) for c in cmp["changes"]])

    draw = _cli(home, "review", "sample", "--per-agent", "2", "--seed", "3", "--include-reviewed", "--format", "json")
    assert draw.returncode == 0, draw.stderr[-2000:]
    record = json.loads(draw.stdout)
    assert record["population"]["calls"] == len(scored) and record["calls"]
    replay = _cli(home, "review", "sample", "--replay", record["record"])
    assert replay.returncode == 0 and "identical to the record" in replay.stdout


def test_tickets_open_once_per_critical_or_escalated_call_of_the_demo(demo, spark):
    """`callaudit tickets --jira --zendesk` on the demo's gold: one ticket per qualifying call and system, checked
    by a local Jira/Zendesk receiver; a second run opens none; the API tokens appear in no output."""
    from pyspark.sql import functions as F
    from ticket_receiver import EMAIL, JIRA_TOKEN, ZENDESK_TOKEN, start_receiver

    home = demo["home"]
    audits = _table(spark, home, "twilio_call_audits")
    qualifying = {r["call_sid"] for r in audits.where((F.size("critical_errors") > 0) | F.col("escalation_requested"))
                  .select("call_sid").collect()}
    assert qualifying, "the demo's synthetic calls include critical ones"
    receiver, server = start_receiver()
    try:
        env = {"CALLAUDIT_JIRA_URL": receiver.url, "CALLAUDIT_JIRA_EMAIL": EMAIL, "CALLAUDIT_JIRA_API_TOKEN": JIRA_TOKEN,
               "CALLAUDIT_JIRA_PROJECT": "QA", "CALLAUDIT_ZENDESK_URL": receiver.url,
               "CALLAUDIT_ZENDESK_EMAIL": EMAIL, "CALLAUDIT_ZENDESK_API_TOKEN": ZENDESK_TOKEN}
        os.environ.update(env)
        try:
            first = _cli(home, "tickets", "--jira", "--zendesk")
            second = _cli(home, "tickets", "--jira", "--zendesk")
        finally:
            for k in env:
                os.environ.pop(k, None)
    finally:
        server.shutdown()
        server.server_close()
    assert first.returncode == 0, first.stdout + first.stderr
    assert receiver.rejected == []
    assert sorted(b["fields"]["labels"][-1] for b in receiver.jira) == sorted(qualifying)
    assert sorted(b["ticket"]["external_id"] for b in receiver.zendesk) == sorted(qualifying)
    assert second.returncode == 0 and f"0 ticket(s) opened, {len(qualifying)} call(s) already had one" in second.stdout
    assert len(receiver.jira) == len(qualifying)  # none on the second run
    out = first.stdout + first.stderr + second.stdout + second.stderr
    assert JIRA_TOKEN not in out and ZENDESK_TOKEN not in out
    print("\n".join(first.stdout.splitlines()[:12]))


def test_every_demo_call_has_a_driver_that_matches_what_the_customer_called_about(demo, spark):
    """call_topics on the demo: one driver per audited call, and (from the Whisper transcripts of the synthetic
    calls) mostly the driver of the topic the synthetic customer called about — phrases the model never saw."""
    from callaudit_testkit.synth.phrases import TOPIC_DRIVERS

    home = demo["home"]
    audits = {r["call_sid"] for r in _table(spark, home, "twilio_call_audits").select("call_sid").collect()}
    topics = {r["call_sid"]: r for r in _table(spark, home, "call_topics").collect()}
    assert set(topics) == audits
    spoken = [lab for lab in demo["labels"] if lab["call_sid"] in topics and lab.get("topic")
              and lab["scenario"] not in ("agent_silent", "dropped_call")]
    assert spoken
    right = sum(topics[lab["call_sid"]]["driver"] == TOPIC_DRIVERS[lab["topic"]] for lab in spoken)
    print(f"demo drivers: {right}/{len(spoken)} match the synthetic customer's topic")
    # espeak speech through a telephone chain and Whisper base garble the customer's words ("más cuto en la
    # tarjeta"); chance is 1 in 10, the make demo run measured 7 of 11
    assert right / len(spoken) >= 0.5
    for r in topics.values():
        assert 0 <= r["driver_confidence"] <= 1 and r["taxonomy_version"]


def test_topic_discovery_on_the_demo_proposes_clusters_of_its_calls(demo, tmp_path):
    out = tmp_path / "propuesta.yml"
    res = _cli(demo["home"], "topics", "discover", "--out", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    import yaml

    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    clusters = proposal["clusters"]
    assert len(clusters) >= 2 and all(c["top_terms"] and c["examples"] for c in clusters)
    assert all(e["id"].startswith("CA") for c in clusters for e in c["examples"])
    print(res.stdout)
