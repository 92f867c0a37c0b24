"""one row per agent (id, identity, name, vendor, team, supervisor), from the CSV operations maintains in landing/reference/."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import bronze, schemas


@datasets.materialized_view("agent_directory", comment="Agent directory: who is behind each client:<identity>.")
def agent_directory():
    agents = (spark.read.schema(schemas.AGENT_DIRECTORY).option("header", "true")
              .option("pathGlobFilter", "*.csv").csv(f"{conf(spark, 'callaudit.landing_path')}/reference"))
    return bronze.agent_directory(agents)
