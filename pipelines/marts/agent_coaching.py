"""one row per agent × step they missed: how often, the trend, three moments from their own calls and what to do.

The steps are the scorecard's criteria and forbidden words; `rank` 1 is the agent's weakest. The advice comes from
callaudit/coaching/recommendations_es.yml (a QA lead's catalogue); the moments quote the auditor's evidence (the
words heard and the second, or why nothing counted), redacted like all of gold."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import coaching

COLUMNS = [
    ("agent, vendor, team", "string", "the agent"),
    ("focus, focus_label", "string", "the step: a criterion key (`greeting` …) or `forbidden_words`, and its label"),
    ("calls, missed", "int", "scored calls the step applied to / calls that missed it"),
    ("miss_rate, earlier_miss_rate, recent_miss_rate", "double", "missed / calls: over all the agent's calls, "
     "the older half and the newer half"),
    ("trend", "string", "`empeora` / `mejora` / `estable` (≥ 10 points between the halves; null under 4 calls)"),
    ("examples", "array<struct>", "up to 3 recent misses: start_time, call_sid, evidence"),
    ("recommendation", "string", "from the coaching catalogue"),
    ("rank", "int", "1 = the agent's weakest step (most misses)"),
    ("period_start, period_end", "date", "the call dates it covers"),
]


@datasets.materialized_view("agent_coaching", comment="Coaching per agent: weakest steps, moments and advice.")
def agent_coaching():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return coaching.agent_coaching(spark.read.table("twilio_call_audits"), card)
