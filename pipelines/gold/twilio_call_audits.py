"""one audit per recording, original columns first, with agent, vendor, team and start time."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import marts

COLUMNS = [
    ("**call_sid**, **agent**", "string", "agent resolved through the directory (see `twilio_calls`)"),
    ("**has_<criterion>**", "boolean", "one column per criterion of the scorecard (`has_greeting`, "
     "`has_identification`, `has_help_offer`, `has_farewell` in the shipped one): met by the agent, in its window; "
     "false when N/A (see `na_criteria`); **null when not determinable** (the recogniser was too unsure of the "
     "decisive words: see `undetermined_criteria`, the call is in the review queue)"),
    ("**forbidden_words**", "array<string>", "canonical forms of forbidden expressions the agent said"),
    ("**sentiment_score**", "double", "customer sentiment, −1 … 1"),
    ("**quality_score**", "double", "0–100; null when the call could not be scored"),
    ("**quality_category**", "string", "Excelente / Buena / Regular / Requiere Atención / Sin Evaluar — from the "
     "score, then capped by a critical error and the scorecard's category rules (see `category_reason`)"),
    ("**needs_manual_review**", "boolean", "see `review_codes` / `review_reasons`"),
    ("**start_time**", "timestamp", "the call's start"),
    ("agent_id, vendor, team, supervisor, call_date, direction, call_duration, call_status",
     "string, string, string, string, date, string, int, string", "from `twilio_calls`"),
    ("recording_sid", "string", "the audited recording"),
    ("na_criteria, missed_criteria, undetermined_criteria", "array<string>", "criteria not applicable (e.g. "
     "farewell on a dropped call) / not met / not determinable (left out of the score, sent to review)"),
    ("possible_forbidden_words", "array<string>", "forbidden expressions heard with low recogniser confidence: "
     "review only, no penalty"),
    ("critical_errors", "array<string>", "the form's critical errors, each with what and where: `palabra prohibida "
     "«qué pereza» (agente, 14.2 s: «…»)`; any one makes the call `Requiere Atención`"),
    ("category_reason", "string", "why the category: `puntaje 85.0 → Buena; el cliente termina la llamada molesto → "
     "máximo Regular`"),
    ("customer_final_sentiment, customer_ends_upset", "double, boolean", "the customer's sentiment over their last "
     "turns, and whether it is below the scorecard's `ends_upset` line"),
    ("agent_sentiment, customer_sentiment_by_quarter", "double, array<double>", "agent overall; customer per "
     "quarter of the call"),
    ("review_codes, review_reasons", "array<string>", "`critical_error`, `undetermined`, `low_score`, "
     "`forbidden_word`, `possible_forbidden_word`, `very_negative_customer`, `escalation`, `low_confidence`, "
     "`transcription_error`, `no_agent_speech`; reasons in Spanish"),
    ("escalation_requested", "boolean", "the customer asked for a supervisor / the Superintendencia"),
    ("transcription_confidence, speaker_mode", "double, string", "`speaker_channels` (dual channel) or "
     "`mono_fallback`"),
    ("call_duration_seconds, agent_talk_seconds, customer_talk_seconds, talk_listen_ratio", "double",
     "from segment timings"),
    ("silence_seconds, longest_silence_seconds", "double", "nobody speaking on either channel"),
    ("interruptions_by_agent, interruptions_by_customer", "int", "one speaker starting while the other speaks"),
    ("agent_words_per_minute", "double", "the agent's speaking rate"),
    ("scorecard_version, scorecard_checksum, transcription_engine", "string", "what produced this audit: the "
     "scorecard's version and the sha256 of its file (two audits with the same checksum used the same rules); "
     "re-scoring is a deliberate full refresh"),
    ("audit_error, evidence_json", "string", "why a call could not be scored; per criterion the words heard, time "
     "and score"),
    ("scored_at", "timestamp", "when the call was scored"),
]


@datasets.materialized_view("twilio_call_audits", comment="Call quality audits (original columns first).")
def twilio_call_audits():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return marts.twilio_call_audits(spark.read.table("silver_call_audits"), spark.read.table("twilio_calls"), card)
