"""Re-audit stored transcripts with another scorecard into the side table ``rescored_call_audits``.

The gold ``twilio_call_audits`` is never touched: it keeps the version each audit used. The side table holds one
row per call and scorecard version (same columns as gold, plus ``scorecard_path`` and ``rescored_at``); re-running
with the same version replaces that version's rows (Delta ``replaceWhere``), so the command is idempotent.

The scoring is the pipeline's own: the same redacted transcripts (``silver_transcriptions``), the same agent
names and durations from ``twilio_calls``, the same pandas UDF and gold transform — only the scorecard differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callaudit.calibration.calibrate import CRITERIA, audits_by_call, verdict_text
from callaudit.config import Settings
from callaudit.errors import UserError
from callaudit.review.data import AUDITS, RESCORED, Lakehouse, open_reviews_lakehouse

SOURCES = ("silver_transcriptions", "silver_calls", "agent_directory", "twilio_calls")


@dataclass
class Rescored:
    version: str
    checksum: str
    calls: int
    table: str
    changes: list[dict] = field(default_factory=list)  # verdicts that differ from gold's
    gold_versions: list[str] = field(default_factory=list)

    def changed_calls(self) -> int:
        return len({c["call_sid"] for c in self.changes})


def _side_table_ref(settings: Settings, lake: Lakehouse) -> str:
    from callaudit.lakehouse.tables import catalog_schema

    target = catalog_schema()
    if target:  # pragma: no cover - workspace
        return f"{target[0]}.{target[1]}.{RESCORED}"
    from callaudit.lakehouse.runtime import DATABASE

    return str((settings.warehouse / f"{DATABASE}.db" / RESCORED).resolve())


def rescore(settings: Settings, scorecard: Path, *, spark=None) -> Rescored:
    from pyspark.sql import functions as F

    from callaudit.lakehouse.tables import read_table
    from callaudit.scoring import load_scorecard
    from callaudit.transforms import marts, transcripts
    from udfs.score import make_score_call

    path = Path(scorecard).resolve()
    card = load_scorecard(path)  # a broken scorecard fails here, with file:line, before Spark does anything
    lake = open_reviews_lakehouse(settings, spark)
    missing = [t for t in SOURCES if not lake.has(t)]
    if missing:
        raise UserError(f"no {', '.join(missing)} table(s) to re-score from",
                        hint="run `callaudit pipeline run` first: re-scoring reads the stored transcripts.")
    def table(name):
        return read_table(lake.spark, lake.tables[name])

    calls = table("twilio_calls")
    audits = transcripts.silver_call_audits(table("silver_transcriptions"), table("silver_calls"),
                                            make_score_call(str(path)), table("agent_directory"))
    gold = marts.twilio_call_audits(audits, calls, card).select(
        "*", F.lit(str(path)).alias("scorecard_path"), F.current_timestamp().alias("rescored_at"))
    ref = _side_table_ref(settings, lake)
    writer = (gold.write.format("delta").mode("overwrite").option("mergeSchema", "true")
              .option("replaceWhere", f"scorecard_version = '{card.version}'"))
    exists = RESCORED in lake.tables or Path(ref, "_delta_log").is_dir()
    if not exists:
        writer = gold.write.format("delta").mode("overwrite")
    if "/" in ref:
        writer.save(ref)
    else:  # pragma: no cover - workspace
        writer.saveAsTable(ref)
    lake.tables[RESCORED] = ref
    new_rows = lake.rows(RESCORED, where=f"scorecard_version = '{card.version}'")
    old_rows = lake.rows(AUDITS)
    result = Rescored(version=card.version, checksum=card.checksum, calls=len(new_rows), table=ref,
                      gold_versions=sorted({r.get("scorecard_version") or "?" for r in old_rows}))
    result.changes = verdict_changes(old_rows, new_rows)
    return result


def verdict_changes(old_rows, new_rows) -> list[dict]:
    """Per call and criterion, where the verdicts of two audit sets differ (old = gold)."""
    old, new = audits_by_call(old_rows), audits_by_call(new_rows)
    out = []
    for sid in sorted(set(old) & set(new)):
        for criterion in CRITERIA:
            a, b = old[sid].verdicts[criterion], new[sid].verdicts[criterion]
            if a != b:
                out.append({"call_sid": sid, "agent": new[sid].agent, "criterion": criterion,
                            "gold": verdict_text(a), "gold_version": old[sid].scorecard_version,
                            "rescored": verdict_text(b), "rescored_version": new[sid].scorecard_version,
                            "evidence": new[sid].evidence.get(criterion, "")})
    return out


def versions_available(lake: Lakehouse) -> dict[str, str]:
    """scorecard_version -> the table holding its audits (gold wins over the side table)."""
    out: dict[str, str] = {}
    for table in (RESCORED, AUDITS):
        for row in lake.rows(table, ["scorecard_version"]):
            if row["scorecard_version"]:
                out[row["scorecard_version"]] = table
    return out


def resolve_version(name: str, available: dict[str, str]) -> str:
    """Exact version, or a unique partial name (``v1`` -> ``callaudit-v1.0``)."""
    if name in available:
        return name
    hits = [v for v in available if name.lower() in v.lower()]
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(sorted(available)) or "none"
    if not hits:
        raise UserError(f"no audits with scorecard version {name!r} (available: {known})",
                        hint="re-score with `callaudit rescore --scorecard FILE` to add a version.", exit_code=2)
    raise UserError(f"{name!r} matches several versions: {', '.join(sorted(hits))}", exit_code=2)
