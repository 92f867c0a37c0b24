"""`callaudit calibrate --json` on a small lakehouse with known answers: kappa equals scikit-learn's to 1e-9, the
bootstrap interval is reproducible with a seed, --since filters by review date, and calibration reviews count
only between analysts."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

from callaudit.config import Settings

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]
CALLAUDIT = str(Path(sys.executable).parent / "callaudit")
CATS = ["Excelente", "Buena", "Regular", "Requiere Atención"]


def _fixture(n: int = 40):
    rng = random.Random(2026)
    audits, reviews = [], []
    for i in range(n):
        sid = f"CA{i:032x}"
        greeting = rng.random() < 0.7
        category = rng.choice(CATS)
        audits.append({"call_sid": sid, "recording_sid": f"RE{i:032x}", "agent": f"agente{i % 4}",
                       "call_date": date(2026, 11, 23) + timedelta(days=i % 14), "scorecard_version": "callaudit-v2.0",
                       "has_greeting": greeting, "has_identification": True, "has_help_offer": i % 3 != 0,
                       "has_farewell": True, "forbidden_words": ["qué pereza"] if i % 9 == 0 else [],
                       "quality_category": category, "audit_error": None, "evidence_json": "{}"})
        reviews.append({"call_sid": sid, "reviewer": "Ana Ruiz",
                        "reviewed_at": datetime(2026, 12, 1, 15, tzinfo=UTC) + timedelta(hours=i),
                        "has_greeting": greeting if rng.random() < 0.8 else not greeting,
                        "has_identification": True, "has_help_offer": i % 3 != 0, "has_farewell": None,
                        "forbidden_words": ["qué pereza"] if i % 9 == 0 or i == 5 else [],
                        "quality_category": category if rng.random() < 0.6 else rng.choice(CATS),
                        "is_calibration": False, "note": ""})
    for i in range(4):  # a calibration session: not part of the auditor's figures
        reviews.append({**reviews[i], "reviewer": "Luis Gil", "is_calibration": True,
                        "has_greeting": not reviews[i]["has_greeting"]})
    return audits, reviews


def _write(spark, settings: Settings, audits, reviews) -> None:
    audit_ddl = ("call_sid STRING, recording_sid STRING, agent STRING, call_date DATE, scorecard_version STRING, "
                 "has_greeting BOOLEAN, has_identification BOOLEAN, has_help_offer BOOLEAN, has_farewell BOOLEAN, "
                 "forbidden_words ARRAY<STRING>, quality_category STRING, audit_error STRING, evidence_json STRING")
    review_ddl = ("call_sid STRING, reviewer STRING, reviewed_at TIMESTAMP, has_greeting BOOLEAN, "
                  "has_identification BOOLEAN, has_help_offer BOOLEAN, has_farewell BOOLEAN, "
                  "forbidden_words ARRAY<STRING>, quality_category STRING, is_calibration BOOLEAN, note STRING")
    for name, rows, ddl in (("twilio_call_audits", audits, audit_ddl), ("qa_reviews", reviews, review_ddl)):
        spark.createDataFrame(rows, ddl).write.format("delta").mode("overwrite").save(str(settings.table_path(name)))


def _calibrate(home: Path, *args: str) -> dict:
    env = dict(os.environ, CALLAUDIT_HOME=str(home), CALLAUDIT_DOTENV=str(ROOT / "tests" / "data" / "no.env"))
    proc = subprocess.run([CALLAUDIT, "calibrate", "--json", *args], env=env, capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_calibrate_json_equals_scikit_learn_and_is_reproducible(spark, tmp_path):
    settings = Settings(home=tmp_path / "home", cache=ROOT / ".cache")
    audits, reviews = _fixture()
    _write(spark, settings, audits, reviews)
    out = _calibrate(settings.home, "--seed", "5", "--resamples", "500")
    rows = {(r["comparison"], r["scope"], r["scope_value"], r["criterion"]): r for r in out["agreement"]}
    own = [r for r in reviews if not r["is_calibration"]]
    assert out["reviews_used"] == len(own) and out["calibration_reviews"] == 4

    greeting = rows[("auditor_vs_analyst", "all", "", "greeting")]
    expected = cohen_kappa_score([a["has_greeting"] for a in audits], [r["has_greeting"] for r in own])
    assert greeting["n"] == len(audits)
    assert abs(greeting["kappa"] - expected) < 1e-9
    category = rows[("auditor_vs_analyst", "all", "", "quality_category")]
    expected = cohen_kappa_score([a["quality_category"] for a in audits], [r["quality_category"] for r in own],
                                 labels=CATS, weights="linear")
    assert abs(category["kappa"] - expected) < 1e-9 and category["weights"] == "linear"
    words = rows[("auditor_vs_analyst", "all", "", "forbidden_words")]
    assert json.loads(words["confusion_json"]) == [[5, 0], [1, 34]]  # the one the auditor missed (call 5)
    assert rows[("auditor_vs_analyst", "all", "", "farewell")]["n_excluded"] == len(audits)  # analyst: N/A
    peers = rows[("analyst_vs_analyst", "all", "", "greeting")]
    assert peers["n"] == 4 and peers["agreement"] == 0.0  # Luis contradicted Ana on every call of the session
    weeks = {k[2] for k in rows if k[1] == "week"}
    assert weeks == {"2026-W48", "2026-W49"}

    again = _calibrate(settings.home, "--seed", "5", "--resamples", "500")
    assert again["agreement"] == out["agreement"]  # same seed, same intervals
    other = _calibrate(settings.home, "--seed", "6", "--resamples", "500")
    other_greeting = next(r for r in other["agreement"] if r["scope"] == "all" and r["criterion"] == "greeting")
    assert other_greeting["kappa"] == greeting["kappa"]
    assert (other_greeting["kappa_low"], other_greeting["kappa_high"]) != (greeting["kappa_low"], greeting["kappa_high"])

    recent = _calibrate(settings.home, "--since", "2026-12-02", "--seed", "5", "--resamples", "200")
    assert recent["reviews_used"] == sum(1 for r in own if r["reviewed_at"] >= datetime(2026, 12, 2, tzinfo=UTC))
