"""twilio_calls (gold): call legs with agent, vendor and team resolved; phone numbers masked."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import gold


@datasets.materialized_view("twilio_calls", comment="Calls for analysts: masked numbers, agent resolved, local call date.")
def twilio_calls():
    return gold.twilio_calls(spark.read.table("silver_calls"), spark.read.table("agent_directory"))
