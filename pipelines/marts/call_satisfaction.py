"""one row per audited call: its post-call survey (if any) and the satisfaction a model predicts from its audit.

The model (callaudit/satisfaction/model.py) is fitted inside the pipeline on the surveyed, scored calls: ridge
regression on the audit's features (quality score, missed steps, forbidden words, critical errors, customer
sentiment and whether they end upset, silence/holds, interruptions, escalation) and the call's driver
(`call_topics`), on a common 0–10 scale (NPS as is,
CSAT 1–5 mapped linearly). The interval is cross-conformal (5 folds, out-of-fold residuals). A surveyed call's
prediction is out-of-fold: made by a model that did not see its answer. With fewer than 30 surveyed calls there is
no model: `predicted_score` is null and `prediction_note` says why. `callaudit satisfaction evaluate` measures it
on held-out calls."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import satisfaction

COLUMNS = [
    ("call_sid, agent, vendor, team", "string", "the audited call and its agent (from `twilio_call_audits`)"),
    ("call_date, start_time", "date, timestamp", "when the call started"),
    ("quality_score", "double", "the audit's 0–100 score"),
    ("survey_type, surveyed_score", "string, int", "the customer's answer (`call_surveys`); null when not surveyed"),
    ("surveyed_score_0_10, answered_at", "double, timestamp", "the answer on the 0–10 scale, and when"),
    ("predicted_score", "double", "predicted satisfaction, 0–10 (NPS scale; a CSAT of 1–5 is 0, 2.5, 5, 7.5, 10); "
     "null without a model or an audit score (see `prediction_note`)"),
    ("predicted_low, predicted_high", "double", "the prediction interval (`interval_level`), clipped to 0–10"),
    ("interval_level", "double", "nominal coverage of the interval (0.8)"),
    ("prediction_note", "string", "why there is no prediction (too few surveys, call not scored), in Spanish"),
    ("model", "string", "the model that predicted: kind, penalty, features, interval half-width"),
    ("training_rows", "int", "surveyed, scored calls the model was fitted on"),
]


@datasets.materialized_view("call_satisfaction", comment="Surveyed and predicted satisfaction per audited call.")
def call_satisfaction():
    return satisfaction.call_satisfaction(spark.read.table("twilio_call_audits"), spark.read.table("call_surveys"),
                                          topics=spark.read.table("call_topics"))
