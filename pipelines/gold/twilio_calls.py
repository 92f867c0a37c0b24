"""one row per Twilio call leg: phone numbers masked, agent, vendor and team resolved."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import gold

COLUMNS = [
    ("**call_sid**", "string", "Twilio Call SID (`CA…`)"),
    ("parent_call_sid", "string", "the parent leg for `<Dial>` child legs, else null"),
    ("is_parent_leg", "boolean", "true for the customer-facing (parent) leg"),
    ("direction", "string", "`inbound`, `outbound-api`, `outbound-dial`"),
    ("**status**", "string", "`completed`, `busy`, `no-answer`, `failed`, `canceled`, …"),
    ("**from_number**, to_number", "string", "**masked** phone number (`+573*******67`); `client:<agent>` endpoints kept"),
    ("agent_identity", "string", "the `client:`/SIP identity of the agent on this call (own leg or a sibling leg)"),
    ("agent_id, agent, vendor, team, supervisor", "string", "from the agent directory; unknown identities are "
     "`desconocido:<identity>`, calls never bridged to an agent `sin agente`"),
    ("**start_time**, end_time", "timestamp", "UTC"),
    ("start_time_local, call_date", "timestamp, date", "America/Bogota"),
    ("**duration_seconds**", "int", "Twilio `duration` (null for calls that did not connect)"),
    ("price, price_unit", "double, string", "Twilio's price (negative = charge)"),
    ("answered_by, queue_time_ms", "string, int", "as Twilio reports them"),
    ("date_created, date_updated", "timestamp", "the version kept is the latest `date_updated`"),
]


@datasets.materialized_view("twilio_calls", comment="Calls for analysts: masked numbers, agent resolved, local call date.")
def twilio_calls():
    return gold.twilio_calls(spark.read.table("silver_calls"), spark.read.table("agent_directory"))
